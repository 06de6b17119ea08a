from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow
from app.models.enums import (
    CONTENT_STATES,
    FLAG_REASONS,
    FLAG_STATES,
    MODERATION_TARGETS,
    OUTBOX_OPERATIONS,
    in_list,
)


class Flag(Base):
    """One member's report about one post or comment."""

    __tablename__ = "flags"
    __table_args__ = (
        CheckConstraint(in_list("reason", FLAG_REASONS), name="reason"),
        CheckConstraint(in_list("state", FLAG_STATES), name="state"),
        CheckConstraint("(post_id IS NULL) <> (comment_id IS NULL)", name="exactly_one_target"),
        UniqueConstraint("reporter_id", "post_id", name="uq_flags_reporter_post"),
        UniqueConstraint("reporter_id", "comment_id", name="uq_flags_reporter_comment"),
        Index("ix_flags_state_created_at", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), index=True
    )
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(String(1000), default="")
    state: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None]


class ModerationEvent(Base):
    """Append-only audit log of every moderation decision."""

    __tablename__ = "moderation_events"
    __table_args__ = (
        CheckConstraint(in_list("target_type", MODERATION_TARGETS), name="target_type"),
        CheckConstraint(
            f"from_state IS NULL OR {in_list('from_state', CONTENT_STATES)}", name="from_state"
        ),
        CheckConstraint(
            f"to_state IS NULL OR {in_list('to_state', CONTENT_STATES)}", name="to_state"
        ),
        Index("ix_moderation_events_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(32))
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int]
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class AppendOnlyError(RuntimeError):
    pass


@event.listens_for(ModerationEvent, "before_update")
@event.listens_for(ModerationEvent, "before_delete")
def refuse_changes_to_audit_log(mapper, connection, target) -> None:
    raise AppendOnlyError("moderation events are append-only")


class SearchOutbox(Base):
    """A pending change to the search index, written in the transaction that caused it."""

    __tablename__ = "search_outbox"
    __table_args__ = (CheckConstraint(in_list("operation", OUTBOX_OPERATIONS), name="operation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(index=True)
    operation: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))


class Notification(Base):
    """An in-site message to one member, e.g. that a moderator decided on their post."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(String(1500))
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class SiteState(Base):
    """One row: a counter bumped in every transaction that changes public content."""

    __tablename__ = "site_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    content_version: Mapped[int] = mapped_column(default=0)
