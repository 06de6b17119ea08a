"""What the moderation queue shows, in a fixed number of queries whatever its length.

Sorting needs every waiting item, so it runs on light rows: flagged writing of protected
authors (verified providers, moderators) first, then by what the open flags weigh (see
flags), then items with urgent flags, then the most flagged, then oldest first. Full posts,
flags with their reporters' standing, and author histories are loaded for the page shown only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, fields
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Comment, Flag, Post, User
from app.moderation.flags import (
    URGENT_REASONS,
    FlaggerStanding,
    flagger_standings,
    is_protected,
)


@dataclass
class AuthorHistory:
    published: int = 0
    rejected: int = 0
    removed: int = 0


HISTORY_STATES = tuple(counted.name for counted in fields(AuthorHistory))


@dataclass
class QueueItem:
    item: Post | Comment
    flags: list[Flag] = field(default_factory=list)
    history: AuthorHistory = field(default_factory=AuthorHistory)
    post: Post | None = None
    reporters: dict[int, FlaggerStanding] = field(default_factory=dict)

    @property
    def weight(self) -> float:
        """What the open flags weigh toward hiding the item."""
        return round(sum(self.reporters[flag.reporter_id].weight for flag in self.flags), 2)

    @property
    def protected(self) -> bool:
        return is_protected(self.item.author)

    @property
    def kind(self) -> str:
        return "post" if isinstance(self.item, Post) else "comment"

    @property
    def urgent(self) -> bool:
        return any(flag.reason in URGENT_REASONS for flag in self.flags)


@dataclass
class QueuePage:
    items: list[QueueItem]
    total: int
    page: int
    per_page: int

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total


def _waiting(model, flag_column):
    """Pending or hidden items, and published ones with an open flag."""
    flagged = select(flag_column).where(Flag.state == "open", flag_column.is_not(None))
    return or_(
        model.status.in_(("pending", "hidden")),
        model.is_public & model.id.in_(flagged),
    )


@dataclass
class _Rank:
    """What one waiting item is sorted by."""

    since: datetime
    protected_author: bool
    flags: int = 0
    weight: float = 0.0
    urgent: bool = False

    def key(self) -> tuple:
        flagged_and_protected = self.protected_author and self.flags > 0
        return (not flagged_and_protected, -self.weight, not self.urgent, -self.flags, self.since)


def _sort_keys() -> list[tuple]:
    ranks: dict[tuple[str, int], _Rank] = {}
    for kind, model, column in (
        ("post", Post, Flag.post_id),
        ("comment", Comment, Flag.comment_id),
    ):
        for item_id, updated_at, role, verification in db.session.execute(
            select(model.id, model.updated_at, User.role, User.verification_state)
            .join(User, User.id == model.author_id)
            .where(_waiting(model, column))
        ):
            protected = role in ("moderator", "admin") or (
                role == "provider" and verification == "verified"
            )
            ranks[(kind, item_id)] = _Rank(since=updated_at, protected_author=protected)
    flag_rows = db.session.execute(
        select(Flag.post_id, Flag.comment_id, Flag.reporter_id, Flag.reason, Flag.created_at).where(
            Flag.state == "open"
        )
    ).all()
    standings = flagger_standings(reporter_id for *_, reporter_id, _, _ in flag_rows)
    for post_id, comment_id, reporter_id, reason, created_at in flag_rows:
        rank = ranks.get(("post", post_id) if post_id else ("comment", comment_id))
        if rank is None:
            continue
        rank.flags += 1
        rank.weight += standings[reporter_id].weight if reporter_id in standings else 0.0
        rank.urgent = rank.urgent or reason in URGENT_REASONS
        rank.since = min(rank.since, created_at)
    return sorted((*rank.key(), kind, item_id) for (kind, item_id), rank in ranks.items())


def load_queue(page: int = 1, per_page: int = 50) -> QueuePage:
    ordered = _sort_keys()
    chosen = ordered[(page - 1) * per_page : page * per_page]
    post_ids = [item_id for *_, kind, item_id in chosen if kind == "post"]
    comment_ids = [item_id for *_, kind, item_id in chosen if kind == "comment"]
    posts = {
        post.id: post
        for post in db.session.scalars(
            select(Post)
            .where(Post.id.in_(post_ids))
            .options(selectinload(Post.author), selectinload(Post.tags))
        )
    }
    comments = {
        comment.id: comment
        for comment in db.session.scalars(
            select(Comment)
            .where(Comment.id.in_(comment_ids))
            .options(selectinload(Comment.author), selectinload(Comment.post))
        )
    }
    items = []
    for *_, kind, item_id in chosen:
        if kind == "post":
            items.append(QueueItem(posts[item_id]))
        else:
            items.append(QueueItem(comments[item_id], post=comments[item_id].post))
    _attach_flags(items, post_ids, comment_ids)
    _attach_histories(items)
    return QueuePage(items=items, total=len(ordered), page=page, per_page=per_page)


def _attach_flags(items: list[QueueItem], post_ids: list[int], comment_ids: list[int]) -> None:
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
    standings = flagger_standings(flag.reporter_id for flag in flags)
    for entry in items:
        entry.flags = by_target.get((entry.kind, entry.item.id), [])
        entry.reporters = {flag.reporter_id: standings[flag.reporter_id] for flag in entry.flags}


def _attach_histories(items: list[QueueItem]) -> None:
    author_ids = {entry.item.author_id for entry in items}
    rows = db.session.execute(
        select(Post.author_id, Post.status, func.count())
        .where(Post.author_id.in_(author_ids), Post.status.in_(HISTORY_STATES))
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
