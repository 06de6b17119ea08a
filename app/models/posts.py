from __future__ import annotations

import json
from calendar import monthrange
from datetime import date, datetime
from urllib.parse import quote

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, or_, select
from sqlalchemy.orm import Mapped, aliased, column_property, mapped_column, relationship, validates

from app.db import Base, TimestampMixin, utcnow
from app.models.enums import CONTENT_STATES, POST_KINDS, REFERENCE_KINDS, in_list
from app.models.tags import Tag, post_tags
from app.models.users import User
from app.models.visibility import Publishable

CHARACTERS_A_MINUTE = 1200
# An article is due for another medical review this long after its last one (or publication).
REVIEW_INTERVAL_MONTHS = 12


def post_path(post_id: int, slug: str) -> str:
    """The canonical page of a post (usable outside a request, e.g. in notifications)."""
    return f"/posts/{post_id}/{slug}"


def reading_minutes(body_length: int | None) -> int:
    """About 200 words a minute, at about six characters a word."""
    return max(1, round((body_length or 0) / CHARACTERS_A_MINUTE))


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later; the month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


class Post(Publishable, TimestampMixin, Base):
    __tablename__ = "posts"
    __table_args__ = (
        CheckConstraint(in_list("kind", POST_KINDS), name="kind"),
        CheckConstraint(in_list("status", CONTENT_STATES), name="status"),
        Index("ix_posts_status_published_at", "status", "published_at"),
        # the API's "all posts of one kind": newest first, and counted from the index alone
        Index("ix_posts_status_kind_published_at", "status", "kind", "published_at"),
        Index("ix_posts_author_status_published_at", "author_id", "status", "published_at"),
        Index("ix_posts_status_helpful_count", "status", "helpful_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(220), unique=True)
    summary: Mapped[str] = mapped_column(String(320), default="")
    body_source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # Kept with the body (characters), so a listing shows reading times without reading bodies.
    body_length: Mapped[int] = mapped_column(default=0, server_default="0")
    markup_version: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="draft")
    status_reason: Mapped[str | None] = mapped_column(String(1000))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    published_at: Mapped[datetime | None]
    edited_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    last_reviewed_at: Mapped[datetime | None]
    # An article's next medical review, when its author chose the date; NULL: the default
    # interval after the last review or publication (`review_due`). A review clears it.
    review_due_on: Mapped[date | None]
    external_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    findings: Mapped[str] = mapped_column(Text, default="[]")
    helpful_count: Mapped[int] = mapped_column(default=0)
    # The reply the asker marked as the one that answered their question (one at a time).
    # Whether the question is answered is derived from the replies (`is_answered`, below).
    accepted_comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="SET NULL", use_alter=True)
    )

    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="raise")
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id], lazy="raise")
    tags: Mapped[list[Tag]] = relationship(secondary=post_tags, lazy="raise", order_by=Tag.name)

    @validates("body_source")
    def _count_body(self, key: str, body: str) -> str:
        self.body_length = len(body or "")
        return body

    @property
    def finding_list(self) -> list[dict]:
        return json.loads(self.findings or "[]")

    @property
    def path(self) -> str:
        return post_path(self.id, self.slug)

    @property
    def reading_minutes(self) -> int:
        return reading_minutes(self.body_length)

    @property
    def default_review_due(self) -> date | None:
        """12 months after the last medical review, or after publication; None before it."""
        reviewed = self.last_reviewed_at or self.published_at
        return add_months(reviewed.date(), REVIEW_INTERVAL_MONTHS) if reviewed else None

    @property
    def review_due(self) -> date | None:
        """When a published article is due for its next medical review; None for other posts."""
        default = self.default_review_due
        if self.kind != "article" or default is None:
            return None
        # A chosen date only ever brings the review forward: never past the default.
        return min(self.review_due_on, default) if self.review_due_on else default

    def __repr__(self) -> str:
        return f"<Post {self.id} {self.status} {self.slug}>"


def reference_url(kind: str, value: str) -> str:
    """Where a reference is read: PubMed for a PMID, the DOI resolver, or the address given."""
    if kind == "pmid":
        return f"https://pubmed.ncbi.nlm.nih.gov/{int(value)}/"
    if kind == "doi":
        return "https://doi.org/" + quote(value, safe="/")
    return value


class ArticleReference(Base):
    """One numbered source of an article: a PubMed id, a DOI or a web address, with a label."""

    __tablename__ = "article_references"
    __table_args__ = (CheckConstraint(in_list("kind", REFERENCE_KINDS), name="kind"),)

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(String(2000))
    label: Mapped[str] = mapped_column(String(300), default="")

    @property
    def url(self) -> str:
        return reference_url(self.kind, self.value)


class Revision(Base):
    """The title and body a post had before one edit."""

    __tablename__ = "revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    title: Mapped[str] = mapped_column(String(200))
    body_source: Mapped[str] = mapped_column(Text)


class Comment(Publishable, TimestampMixin, Base):
    __tablename__ = "comments"
    __table_args__ = (
        CheckConstraint(in_list("status", CONTENT_STATES), name="status"),
        Index("ix_comments_post_status_created_at", "post_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    body_source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    markup_version: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    status_reason: Mapped[str | None] = mapped_column(String(1000))
    published_at: Mapped[datetime | None]
    findings: Mapped[str] = mapped_column(Text, default="[]")

    author: Mapped[User] = relationship(lazy="raise")
    post: Mapped[Post] = relationship(foreign_keys=[post_id], lazy="raise")

    @property
    def finding_list(self) -> list[dict]:
        return json.loads(self.findings or "[]")


# Answered questions, derived from the data in one place (never a flag bumped by callers): a
# question is answered while the reply its asker accepted is public, or while a verified
# provider's reply to it is public. A hidden, withdrawn or erased reply answers nothing. Both
# are loaded only when asked for (`undefer`), so listings that do not show them pay nothing.
_replier = aliased(User, name="replier")
_public_accepted = (
    select(Comment.id)
    .where(Comment.id == Post.accepted_comment_id, Comment.is_public)
    .correlate(Post)
    .scalar_subquery()
)
_answering_reply = (
    select(Comment.id)
    .join(_replier, _replier.id == Comment.author_id)
    .where(
        Comment.post_id == Post.id,
        Comment.is_public,
        or_(Comment.id == Post.accepted_comment_id, _replier.is_verified_provider),
    )
    .correlate(Post)
    .exists()
)
# The accepted reply's id while that reply is public, else None (what the public may see).
Post.accepted_reply_id = column_property(_public_accepted, deferred=True)
Post.is_answered = column_property((Post.kind == "question") & _answering_reply, deferred=True)
