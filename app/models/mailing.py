"""What a member wants by email, and which digests were sent (one row per member and window)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow
from app.models.enums import DELIVERY_STATES, DIGEST_CHOICES, DIGEST_PERIODS, in_list


class EmailSettings(Base):
    """A member's email choices. No row means the defaults: no digest, no reply emails."""

    __tablename__ = "email_settings"
    __table_args__ = (CheckConstraint(in_list("digest", DIGEST_CHOICES), name="digest_choice"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    digest: Mapped[str] = mapped_column(String(10), default="off")
    reply_emails: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DigestDelivery(Base):
    """One member's digest for one window: `sending` is written (and committed) before the
    message goes out and `sent` after; a row still `sending` on the next run is `uncertain`
    (it may have gone) and is never sent again; `failed` was certainly not accepted and is
    tried again by a later run of the same window."""

    __tablename__ = "digest_deliveries"
    __table_args__ = (
        CheckConstraint(in_list("period", DIGEST_PERIODS), name="period_choice"),
        CheckConstraint(in_list("state", DELIVERY_STATES), name="state_choice"),
        UniqueConstraint("user_id", "period", "window_start", name="uq_digest_deliveries_window"),
        Index("ix_digest_deliveries_period_window_start", "period", "window_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(10))
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(10))
    post_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
