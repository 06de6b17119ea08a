"""What members do with what they read: helpful reactions, bookmarks, follows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class Reaction(Base):
    """One member found one post helpful (one per member and post)."""

    __tablename__ = "reactions"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Bookmark(Base):
    __tablename__ = "bookmarks"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Follow(Base):
    """A member follows a tag or an author (exactly one of the two)."""

    __tablename__ = "follows"
    __table_args__ = (
        CheckConstraint("(tag_id IS NULL) <> (author_id IS NULL)", name="exactly_one_target"),
        UniqueConstraint("follower_id", "tag_id", name="uq_follows_follower_tag"),
        UniqueConstraint("follower_id", "author_id", name="uq_follows_follower_author"),
        Index("ix_follows_tag_id", "tag_id"),
        Index("ix_follows_author_id", "author_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    follower_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    tag_id: Mapped[int | None] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MemberCondition(Base):
    """A condition a member lives with; shown on their profile only if they choose."""

    __tablename__ = "member_conditions"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)
    shown: Mapped[bool] = mapped_column(default=False)
