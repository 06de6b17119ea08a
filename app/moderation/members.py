"""What moderators do to a member: suspend, lift a suspension, decide a provider application.

Each change is logged as a ModerationEvent on the member, in the caller's transaction
(nothing here commits).
"""

from __future__ import annotations

from datetime import timedelta

from flask import url_for

from app.db import utcnow
from app.extensions import db
from app.models import ModerationEvent, Notification, User
from app.moderation.service import ModerationError

PROVIDER_DECISIONS = ("verify", "decline")
PROVIDER_REASON_MAX = 500


def suspend(member: User, moderator: User, days: int, reason: str) -> None:
    if member.is_moderator:
        raise ModerationError("Moderators and admins cannot be suspended here.", 403)
    member.suspended_until = utcnow() + timedelta(days=days)
    member.suspension_reason = reason.strip()
    record_member_event(member, moderator, "suspend", f"{days} days: {member.suspension_reason}")
    db.session.flush()


def lift_suspension(member: User, moderator: User, reason: str) -> None:
    member.suspended_until = None
    member.suspension_reason = None
    record_member_event(member, moderator, "unsuspend", reason)
    db.session.flush()


def decide_provider(member: User, moderator: User, decision: str, reason: str) -> None:
    """Verify a provider application or decline it with a reason; the applicant is told."""
    if member.verification_state != "pending":
        raise ModerationError("This application was already decided.", 409, title="Already decided")
    reason = reason.strip()[:PROVIDER_REASON_MAX]
    if decision == "decline" and not reason:
        raise ModerationError("Give a reason; the applicant sees it.", 400, title="Reason needed")
    if decision == "verify":
        member.role = "provider"
        member.verification_state = "verified"
        member.verified_by_id = moderator.id
        member.verified_at = utcnow()
        message = "Your provider verification was approved; your posts now carry the badge."
    else:
        member.verification_state = "unverified"
        message = f"Your provider verification was declined. Reason: {reason}"
    record_member_event(member, moderator, f"provider_{decision}", reason)
    db.session.add(
        Notification(user_id=member.id, message=message, link=url_for("account.provider"))
    )
    db.session.flush()


def record_member_event(member: User, moderator: User, action: str, reason: str) -> None:
    db.session.add(
        ModerationEvent(
            actor_id=moderator.id,
            action=action,
            target_type="user",
            target_id=member.id,
            reason=reason,
        )
    )
