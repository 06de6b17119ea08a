from __future__ import annotations

import json
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ColumnElement, ForeignKey, Index, String, Text, and_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow
from app.models.enums import PROFILE_CHANGE_STATES, ROLES, VERIFICATION_STATES, in_list


def profile_path(username: str) -> str:
    """An author's page, as url_for("authors.show") builds it (usernames need no quoting)."""
    return f"/authors/{username}"


def is_verified_provider(role: str, verification_state: str) -> bool:
    return role == "provider" and verification_state == "verified"


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(in_list("role", ROLES), name="role"),
        CheckConstraint(in_list("verification_state", VERIFICATION_STATES), name="verification"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint("username = lower(username)", name="username_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    username: Mapped[str] = mapped_column(String(30), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(16), default="patient")
    bio_source: Mapped[str] = mapped_column(Text, default="")
    bio_html: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    consented_at: Mapped[datetime | None]
    suspended_until: Mapped[datetime | None]
    suspension_reason: Mapped[str | None] = mapped_column(String(500))
    # posts and replies published now, recounted from the data by app.moderation.standing
    # whenever one of them changes status (never bumped); trust and flag weight come from it
    approved_post_count: Mapped[int] = mapped_column(default=0)
    # published posts right now, kept by app.posts.listing_index
    published_post_count: Mapped[int] = mapped_column(default=0, server_default="0")
    session_version: Mapped[int] = mapped_column(default=1)

    credentials: Mapped[str | None] = mapped_column(String(120))
    specialty: Mapped[str | None] = mapped_column(String(120))
    license_number: Mapped[str | None] = mapped_column(String(60))
    verification_state: Mapped[str] = mapped_column(String(16), default="unverified")
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime | None]

    def get_id(self) -> str:
        """The session names the account and its session version; bumping it ends sessions."""
        return f"{self.id}:{self.session_version}"

    @property
    def profile_path(self) -> str:
        return profile_path(self.username)

    @hybrid_property
    def is_verified_provider(self) -> bool:
        return is_verified_provider(self.role, self.verification_state)

    @is_verified_provider.inplace.expression
    @classmethod
    def _is_verified_provider_expression(cls) -> ColumnElement[bool]:
        return and_(cls.role == "provider", cls.verification_state == "verified")

    @property
    def is_moderator(self) -> bool:
        return self.role in ("moderator", "admin")

    def is_suspended(self, now: datetime | None = None) -> bool:
        return self.suspended_until is not None and self.suspended_until > (now or utcnow())

    def __repr__(self) -> str:
        return f"<User {self.id} @{self.username} {self.role}>"


class ProfileChange(Base):
    """A display name or bio a member wrote that waits for a moderator before it is public.

    None in a field means that field is not part of the change. The public profile keeps the
    last approved text (on User) until a moderator approves; a member has one pending change.
    """

    __tablename__ = "profile_changes"
    __table_args__ = (
        CheckConstraint(in_list("state", PROFILE_CHANGE_STATES), name="state"),
        Index("ix_profile_changes_state_created_at", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    display_name: Mapped[str | None] = mapped_column(String(80))
    bio_source: Mapped[str | None] = mapped_column(Text)
    bio_html: Mapped[str | None] = mapped_column(Text)
    findings: Mapped[str] = mapped_column(Text, default="[]")
    state: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(String(1000), default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")

    @property
    def finding_list(self) -> list[dict]:
        return json.loads(self.findings or "[]")
