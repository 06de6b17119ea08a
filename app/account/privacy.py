"""A member's data rights: everything about them as JSON, and erasing their account."""

from __future__ import annotations

import secrets

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import selectinload

from app.auth.sessions import end_all_sessions
from app.experiences.services import erase_member_facts, facts_by_post
from app.extensions import db
from app.models import (
    ArticleReference,
    Bookmark,
    Comment,
    DigestDelivery,
    EmailSettings,
    Flag,
    Follow,
    MemberCondition,
    ModerationEvent,
    Notification,
    PasswordResetToken,
    Post,
    ProfileChange,
    Reaction,
    Revision,
    Tag,
    User,
)
from app.moderation import service
from app.moderation.states import transition
from app.posts import changes

ERASED = "[erased at the member's request]"


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def export_member_data(user: User) -> dict:
    """Everything stored about this member, nothing about anyone else, no secrets."""
    posts = db.session.scalars(
        select(Post)
        .where(Post.author_id == user.id)
        .options(selectinload(Post.tags))
        .order_by(Post.id)
    ).all()
    post_ids = [post.id for post in posts]
    references_by_post: dict[int, list[ArticleReference]] = {}
    for reference in db.session.scalars(
        select(ArticleReference)
        .where(ArticleReference.post_id.in_(post_ids))
        .order_by(ArticleReference.post_id, ArticleReference.position)
    ):
        references_by_post.setdefault(reference.post_id, []).append(reference)
    comments = db.session.scalars(
        select(Comment).where(Comment.author_id == user.id).order_by(Comment.id)
    ).all()
    comment_ids = [comment.id for comment in comments]
    facts = facts_by_post(post_ids)
    return {
        "profile": {
            "username": user.username,
            "display_name": user.display_name,
            "email": user.email,
            "role": user.role,
            "bio": user.bio_source,
            "member_since": _iso(user.created_at),
            "consented_at": _iso(user.consented_at),
            "credentials": user.credentials,
            "specialty": user.specialty,
            "license_number": user.license_number,
            "verification_state": user.verification_state,
            "suspended_until": _iso(user.suspended_until),
            "suspension_reason": user.suspension_reason,
        },
        "profile_changes": [
            {
                "display_name": change.display_name,
                "bio": change.bio_source,
                "state": change.state,
                "sent_at": _iso(change.created_at),
                "reason": change.reason,
            }
            for change in db.session.scalars(
                select(ProfileChange)
                .where(ProfileChange.user_id == user.id)
                .order_by(ProfileChange.id)
            )
        ],
        "conditions": [
            {"tag": slug, "shown": shown}
            for slug, shown in db.session.execute(
                select(Tag.slug, MemberCondition.shown)
                .join(Tag, Tag.id == MemberCondition.tag_id)
                .where(MemberCondition.user_id == user.id)
            )
        ],
        "posts": [
            {
                "id": post.id,
                "kind": post.kind,
                "title": post.title,
                "body": post.body_source,
                "status": post.status,
                "status_reason": post.status_reason,
                "tags": [tag.slug for tag in post.tags],
                "created_at": _iso(post.created_at),
                "published_at": _iso(post.published_at),
                "edited_at": _iso(post.edited_at),
                "review_due_on": post.review_due_on.isoformat() if post.review_due_on else None,
                "references": [
                    {"kind": ref.kind, "value": ref.value, "label": ref.label}
                    for ref in references_by_post.get(post.id, [])
                ],
                "facts": facts[post.id].as_json() if post.id in facts else None,
            }
            for post in posts
        ],
        "revisions": [
            {
                "post_id": rev.post_id,
                "title": rev.title,
                "body": rev.body_source,
                "created_at": _iso(rev.created_at),
            }
            for rev in db.session.scalars(
                select(Revision).where(Revision.editor_id == user.id).order_by(Revision.id)
            )
        ],
        "comments": [
            {
                "id": c.id,
                "post_id": c.post_id,
                "body": c.body_source,
                "status": c.status,
                "status_reason": c.status_reason,
                "created_at": _iso(c.created_at),
            }
            for c in comments
        ],
        "flags_made": [
            {
                "post_id": f.post_id,
                "comment_id": f.comment_id,
                "reason": f.reason,
                "note": f.note,
                "state": f.state,
                "created_at": _iso(f.created_at),
            }
            for f in db.session.scalars(select(Flag).where(Flag.reporter_id == user.id))
        ],
        "moderation_decisions_about_you": [
            {
                "action": e.action,
                "target": e.target_type,
                "target_id": e.target_id,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "reason": e.reason,
                "at": _iso(e.created_at),
            }
            for e in db.session.scalars(
                select(ModerationEvent)
                .where(
                    or_(
                        (ModerationEvent.target_type == "user")
                        & (ModerationEvent.target_id == user.id),
                        (ModerationEvent.target_type == "post")
                        & ModerationEvent.target_id.in_(post_ids),
                        (ModerationEvent.target_type == "comment")
                        & ModerationEvent.target_id.in_(comment_ids),
                    )
                )
                .order_by(ModerationEvent.id)
            )
        ],
        "notifications": [
            {"message": n.message, "at": _iso(n.created_at)}
            for n in db.session.scalars(select(Notification).where(Notification.user_id == user.id))
        ],
        "saved_posts": list(
            db.session.scalars(select(Bookmark.post_id).where(Bookmark.user_id == user.id))
        ),
        "found_helpful": list(
            db.session.scalars(select(Reaction.post_id).where(Reaction.user_id == user.id))
        ),
        "email_settings": _email_settings(user),
        "digests_sent": [
            {
                "period": d.period,
                "from": _iso(d.window_start),
                "to": _iso(d.window_end),
                "state": d.state,
                "posts": d.post_count,
                "sent_at": _iso(d.sent_at),
            }
            for d in db.session.scalars(
                select(DigestDelivery)
                .where(DigestDelivery.user_id == user.id)
                .order_by(DigestDelivery.id)
            )
        ],
        "following": [
            {"tag_id": f.tag_id, "author_id": f.author_id}
            for f in db.session.scalars(select(Follow).where(Follow.follower_id == user.id))
        ],
    }


def _email_settings(user: User) -> dict:
    from app.mailings.settings import settings_for

    saved = settings_for(user.id)
    return {"digest": saved.digest, "reply_emails": saved.reply_emails}


def erase_account(user: User, *, keep_posts: bool) -> str:
    """Erase the member's identity; their writing is erased too or kept under a new
    anonymous handle. Returns the handle the account now has."""
    posts = list(db.session.scalars(select(Post).where(Post.author_id == user.id)))
    erase_member_facts(user.id)  # kept posts or not, the member leaves every figure
    if not keep_posts:
        for item in [
            *posts,
            *db.session.scalars(select(Comment).where(Comment.author_id == user.id)),
        ]:
            _erase_writing(item, user)
    _forget_reactions(user)
    for model, column in (
        (Notification, Notification.user_id),
        (PasswordResetToken, PasswordResetToken.user_id),
        (Bookmark, Bookmark.user_id),
        (MemberCondition, MemberCondition.user_id),
        (ProfileChange, ProfileChange.user_id),
        (Follow, Follow.follower_id),
        (Follow, Follow.author_id),
        (EmailSettings, EmailSettings.user_id),
        (DigestDelivery, DigestDelivery.user_id),
    ):
        db.session.execute(delete(model).where(column == user.id))
    db.session.execute(update(Flag).where(Flag.reporter_id == user.id).values(note=""))
    handle = f"former-member-{secrets.token_hex(4)}"
    user.username, user.display_name = handle, "Former member"
    user.email, user.password_hash = None, None
    user.bio_source, user.bio_html = "", ""
    user.credentials = user.specialty = user.license_number = None
    user.verification_state, user.role = "unverified", "patient"
    user.consented_at = None
    end_all_sessions(user)
    db.session.flush()
    return handle


def _erase_writing(item: Post | Comment, author: User) -> None:
    """Withdraw it through the moderation service where the table allows, then erase the text
    (removed items stay removed: they are already invisible)."""
    if transition(item.status, "withdraw") is not None:
        service.apply(item, "withdraw", author, "erased at the member's request")
    item.body_source, item.body_html, item.findings = ERASED, f"<p>{ERASED}</p>", "[]"
    if isinstance(item, Post):
        db.session.execute(delete(Revision).where(Revision.post_id == item.id))
        db.session.execute(delete(ArticleReference).where(ArticleReference.post_id == item.id))
        item.title, item.summary, item.external_id = ERASED, "", None
        item.slug = f"erased-{item.id}"


def _forget_reactions(user: User) -> None:
    post_ids = list(db.session.scalars(select(Reaction.post_id).where(Reaction.user_id == user.id)))
    with changes.bulk_change(db.session, Post, post_ids):
        for post_id in post_ids:
            db.session.execute(
                update(Post)
                .where(Post.id == post_id, Post.helpful_count > 0)
                .values(helpful_count=Post.helpful_count - 1)
            )
    db.session.execute(delete(Reaction).where(Reaction.user_id == user.id))


def scrub_database_files() -> None:
    """After an erasure: overwrite freed pages and fold the WAL into the main file."""
    if db.engine.dialect.name != "sqlite":
        return
    connection = db.engine.raw_connection()
    try:
        connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


def purge_from_search() -> None:
    """Apply the erasure to the index now and merge it, so no erased word stays on disk."""
    from flask import current_app

    from app.search import get_backend
    from app.search.outbox import drain

    backend = get_backend(current_app)
    drain(backend)
    backend.compact()
