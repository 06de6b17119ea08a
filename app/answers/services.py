"""Questions get answered: the asker accepts a reply; providers see what waits for an answer.

Whether a question is answered is never stored: `Post.is_answered` (app.models.posts) derives
it from the replies, and every page, filter and list here asks it. Accepting a reply changes
only `posts.accepted_comment_id`; app.posts.changes sees that change at flush and empties the
page cache in the same transaction. Functions change the session and flush; the caller commits.
"""

from __future__ import annotations

from sqlalchemy import Select, exists

from app.errors import DomainError
from app.extensions import db
from app.models import Comment, Follow, Post, User, post_tags
from app.moderation import gate
from app.posts.queries import published_posts

ANSWERED_CHOICES = ("yes", "no")


class AnswerError(DomainError):
    """An accept the site's rules refuse; `status` is the HTTP status that fits."""


def accept(comment: Comment, post_id: int | None, member: User) -> Post:
    """Mark a published reply as the one that answered the member's own question.

    One reply at a time: accepting another replaces it. `post_id` is the question the form
    was shown on; a reply of another post is refused rather than accepted somewhere else.
    """
    if post_id != comment.post_id:
        raise AnswerError("That reply belongs to another post; reload the question.", 400)
    post = db.session.get(Post, comment.post_id)
    if post is None or post.author_id != member.id:
        raise AnswerError("Only the member who asked this question can accept a reply.", 403)
    gate.ensure_not_suspended(member)
    if post.kind != "question":
        raise AnswerError("Only a question can have an accepted answer.", 400)
    if not post.is_public:
        raise AnswerError("Replies can be accepted on a published question only.", 409)
    if not comment.is_public:
        raise AnswerError(
            "Only a published reply can be accepted; this one is not shown to readers.", 400
        )
    post.accepted_comment_id = comment.id
    db.session.flush()
    db.session.expire(post, ["is_answered", "accepted_reply_id"])
    return post


def answered_filter(query: Select, answered: str | None) -> Select:
    """Only questions, answered ("yes") or not ("no"); None leaves the listing as it is."""
    if answered is None:
        return query
    wanted = Post.is_answered if answered == "yes" else ~Post.is_answered
    return query.where(Post.kind == "question", wanted)


def unanswered_in_followed_tags(provider: User) -> Select:
    """Published questions nobody has answered yet in the tags the provider follows, oldest
    first (those have waited longest)."""
    followed = exists().where(
        post_tags.c.post_id == Post.id,
        Follow.tag_id == post_tags.c.tag_id,
        Follow.follower_id == provider.id,
    )
    return (
        answered_filter(published_posts(), "no")
        .where(followed)
        .order_by(None)
        .order_by(Post.published_at, Post.id)
    )


def ordered_replies(post: Post, replies: list[Comment]) -> list[Comment]:
    """The accepted reply first, then verified providers' replies, then the rest in order."""
    if post.kind != "question":
        return replies

    def rank(reply: Comment) -> int:
        if not reply.is_public:
            return 2
        if reply.id == post.accepted_comment_id:
            return 0
        return 1 if reply.author.is_verified_provider else 2

    return sorted(replies, key=rank)
