"""Reply emails: when a reply to a member's post is published (at once, or approved by a
moderator), the post's author gets a short email if they turned reply emails on. The message
is built in the transaction that publishes the reply and handed to app/mail.py only after it
commits; a rollback drops it."""

from __future__ import annotations

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from app.links import site_url_for
from app.mail import build_message, hand_over
from app.mailings.unsubscribe import unsubscribe_for
from app.models import Comment, EmailSettings, Post, User

PENDING_KEY = "reply_emails"
SUBJECT = "Someone replied to your post"
BODY = """Someone replied to one of your posts.

Read the reply: {link}

--
You get this because you turned on reply emails.
Change what we email you: {settings}
Stop reply emails with one click: {unsubscribe}
"""
FIRST_PUBLISHING_ACTIONS = ("publish", "approve")

log = logging.getLogger(__name__)


def reply_published(comment: Comment, action: str) -> None:
    """Called by the moderation service when a reply becomes published; restoring a hidden
    reply sends nothing (its author was told the first time)."""
    if action not in FIRST_PUBLISHING_ACTIONS:
        return
    post = db.session.get(Post, comment.post_id)
    if post is None or not post.is_public or post.author_id == comment.author_id:
        return
    settings = db.session.get(EmailSettings, post.author_id)
    if settings is None or not settings.reply_emails:
        return
    author = db.session.get(User, post.author_id)
    if author is None or not author.email:
        return
    unsubscribe = unsubscribe_for(author.id, "replies")
    body = BODY.format(
        link=site_url_for("posts.show", post_id=post.id) + f"#comment-{comment.id}",
        settings=site_url_for("mailings.settings"),
        unsubscribe=unsubscribe.link,
    )
    message = build_message(author.email, SUBJECT, body, unsubscribe.headers)
    db.session.info.setdefault(PENDING_KEY, []).append(message)


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    for message in session.info.pop(PENDING_KEY, []):
        try:
            hand_over(message)
        except Exception:  # the reply is published; a lost email must not undo that
            log.exception("a reply email could not be handed over")


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction) -> None:
    if not session.in_transaction():
        session.info.pop(PENDING_KEY, None)
