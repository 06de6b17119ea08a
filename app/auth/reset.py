"""Password reset: single-use, short-lived tokens of which only a hash is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from app.auth.passwords import hash_password, password_problem
from app.auth.services import AccountError, normalize_email
from app.auth.sessions import end_all_sessions
from app.db import utcnow
from app.extensions import db
from app.mail import send_mail
from app.models import PasswordResetToken, User

TOKEN_LIFETIME = timedelta(minutes=30)
RESET_SUBJECT = "Reset your password"
RESET_BODY = """Hello,

Someone asked to reset the password of the account that uses this email address.
If it was you, open this link within 30 minutes to choose a new password:

{link}

If it was not you, ignore this message; your password stays as it is.
"""


def token_digest(token: str) -> str:
    """What is stored of an emailed token: its SHA-256, so a copy of the table opens nothing."""
    return hashlib.sha256(token.encode()).hexdigest()


def request_reset(email: str, link_for) -> None:
    """Send a reset link if the account exists; the caller answers the same either way."""
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    token = secrets.token_urlsafe(32)
    if user is None:
        token_digest(token)
        return
    db.session.add(
        PasswordResetToken(
            user_id=user.id, token_hash=token_digest(token), expires_at=utcnow() + TOKEN_LIFETIME
        )
    )
    db.session.flush()
    send_mail(user.email, RESET_SUBJECT, RESET_BODY.format(link=link_for(token)))


def valid_token(token: str) -> PasswordResetToken | None:
    record = db.session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == token_digest(token))
    )
    if record is None or record.used_at is not None or record.expires_at <= utcnow():
        return None
    return record


def reset_password(token: str, new_password: str) -> User:
    record = valid_token(token)
    if record is None:
        raise AccountError("token", "This reset link has expired or was already used.")
    user = db.session.get(User, record.user_id)
    set_password(user, new_password)
    return user


def set_password(user: User, new_password: str) -> None:
    """A new password ends every session of the member (other devices included) and voids
    every reset link still outstanding, however the password was changed."""
    if problem := password_problem(new_password, username=user.username, email=user.email or ""):
        raise AccountError("password", problem)
    user.password_hash = hash_password(new_password)
    end_all_sessions(user)
    void_reset_links(user)


def void_reset_links(user: User) -> None:
    db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
