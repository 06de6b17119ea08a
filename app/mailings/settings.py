"""A member's email choices. Both are off until the member turns them on: a message about a
health community in a shared inbox can say more than the member wants said."""

from __future__ import annotations

from app.extensions import db
from app.models import EmailSettings, User
from app.models.enums import DIGEST_CHOICES

DEFAULT_DIGEST = "off"
DEFAULT_REPLY_EMAILS = False


def settings_for(user_id: int) -> EmailSettings:
    """The member's saved choices, or the defaults (not added to the session)."""
    saved = db.session.get(EmailSettings, user_id)
    if saved is not None:
        return saved
    return EmailSettings(user_id=user_id, digest=DEFAULT_DIGEST, reply_emails=DEFAULT_REPLY_EMAILS)


def save_settings(user: User, *, digest: str, reply_emails: bool) -> EmailSettings:
    if digest not in DIGEST_CHOICES:
        raise ValueError(f"unknown digest choice {digest!r}")
    settings = db.session.get(EmailSettings, user.id)
    if settings is None:
        settings = EmailSettings(user_id=user.id)
        db.session.add(settings)
    settings.digest, settings.reply_emails = digest, reply_emails
    db.session.flush()
    return settings
