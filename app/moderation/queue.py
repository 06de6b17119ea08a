"""What the moderation queue shows, loaded in a fixed number of queries whatever its length."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Comment, Flag, Post, User
from app.moderation.flags import URGENT_REASONS

QUEUE_LIMIT = 500


@dataclass
class AuthorHistory:
    published: int = 0
    rejected: int = 0
    removed: int = 0


@dataclass
class QueueItem:
    item: Post | Comment
    flags: list[Flag] = field(default_factory=list)
    history: AuthorHistory = field(default_factory=AuthorHistory)
    post: Post | None = None

    @property
    def kind(self) -> str:
        return "post" if isinstance(self.item, Post) else "comment"

    @property
    def urgent(self) -> bool:
        return any(flag.reason in URGENT_REASONS for flag in self.flags)

    @property
    def waiting_since(self):
        return min([self.item.updated_at, *[flag.created_at for flag in self.flags]])


def flagged_ids(column) -> select:
    return select(column).where(Flag.state == "open", column.is_not(None))


def load_queue() -> list[QueueItem]:
    posts = db.session.scalars(
        select(Post)
        .where(
            or_(
                Post.status.in_(("pending", "hidden")),
                (Post.status == "published") & Post.id.in_(flagged_ids(Flag.post_id)),
            )
        )
        .options(selectinload(Post.author), selectinload(Post.tags))
        .order_by(Post.updated_at)
        .limit(QUEUE_LIMIT)
    ).all()
    comments = db.session.scalars(
        select(Comment)
        .where(
            or_(
                Comment.status.in_(("pending", "hidden")),
                (Comment.status == "published") & Comment.id.in_(flagged_ids(Flag.comment_id)),
            )
        )
        .options(selectinload(Comment.author), selectinload(Comment.post))
        .order_by(Comment.updated_at)
        .limit(QUEUE_LIMIT)
    ).all()
    items = [QueueItem(post) for post in posts] + [
        QueueItem(comment, post=comment.post) for comment in comments
    ]
    attach_flags(items)
    attach_histories(items)
    items.sort(key=lambda entry: (not entry.urgent, entry.waiting_since))
    return items


def attach_flags(items: list[QueueItem]) -> None:
    post_ids = [e.item.id for e in items if e.kind == "post"]
    comment_ids = [e.item.id for e in items if e.kind == "comment"]
    flags = db.session.scalars(
        select(Flag)
        .where(
            Flag.state == "open", or_(Flag.post_id.in_(post_ids), Flag.comment_id.in_(comment_ids))
        )
        .order_by(Flag.created_at)
    ).all()
    by_target: dict[tuple[str, int], list[Flag]] = defaultdict(list)
    for flag in flags:
        key = ("post", flag.post_id) if flag.post_id else ("comment", flag.comment_id)
        by_target[key].append(flag)
    for entry in items:
        entry.flags = by_target.get((entry.kind, entry.item.id), [])


def attach_histories(items: list[QueueItem]) -> None:
    author_ids = {entry.item.author_id for entry in items}
    rows = db.session.execute(
        select(Post.author_id, Post.status, func.count())
        .where(
            Post.author_id.in_(author_ids), Post.status.in_(("published", "rejected", "removed"))
        )
        .group_by(Post.author_id, Post.status)
    )
    histories: dict[int, AuthorHistory] = defaultdict(AuthorHistory)
    for author_id, status, count in rows:
        setattr(histories[author_id], status, count)
    for entry in items:
        entry.history = histories[entry.item.author_id]


def pending_providers() -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.verification_state == "pending").order_by(User.created_at)
        )
    )
