"""Members' flags, and hiding an item once enough distinct members flag it."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Comment, Flag, Post, User
from app.models.enums import FLAG_REASONS
from app.moderation import service
from app.moderation.service import ModerationError

FLAG_REASON_LABELS = {
    "unsafe_medical_advice": "Unsafe medical advice",
    "misinformation": "Medical misinformation",
    "personal_information": "Personal information exposed",
    "spam": "Spam or advertising",
    "harassment": "Harassment or abuse",
    "other": "Something else",
}
URGENT_REASONS = frozenset({"unsafe_medical_advice", "personal_information"})
MAX_NOTE = 1000


def flag(item: Post | Comment, reporter: User, reason: str, note: str = "") -> Flag:
    """Record one member's flag; hide the item when distinct flags reach the threshold."""
    if reason not in FLAG_REASONS:
        raise ModerationError("Choose one of the listed reasons for flagging.", 400)
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ModerationError(f"Please keep the note under {MAX_NOTE} characters.", 400)
    if item.status != "published":
        raise ModerationError("Only published posts and comments can be flagged.", 409)
    if item.author_id == reporter.id:
        raise ModerationError("You cannot flag your own writing; edit or withdraw it instead.", 400)
    target = {"post_id": item.id} if isinstance(item, Post) else {"comment_id": item.id}
    if already_flagged(item, reporter):
        raise ModerationError("You have already flagged this; moderators will look at it.", 409)
    new_flag = Flag(reporter_id=reporter.id, reason=reason, note=note, **target)
    try:
        with db.session.begin_nested():
            db.session.add(new_flag)
    except IntegrityError:
        raise ModerationError(
            "You have already flagged this; moderators will look at it.", 409
        ) from None
    threshold = current_app.config["FLAG_HIDE_THRESHOLD"]
    if service.open_flag_count(item) >= threshold:
        service.apply(
            item, "hide", None, f"Hidden automatically after {threshold} members flagged it."
        )
    return new_flag


def already_flagged(item: Post | Comment, reporter: User) -> bool:
    column = Flag.post_id if isinstance(item, Post) else Flag.comment_id
    return (
        db.session.scalar(select(Flag.id).where(column == item.id, Flag.reporter_id == reporter.id))
        is not None
    )
