"""How Flask-Login finds the signed-in member, and who counts as signed in."""

from __future__ import annotations

from app.extensions import db
from app.models import User


def load_user(session_id: str) -> User | None:
    """The member a session belongs to, unless the session was ended since (a version bump)."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version):
        return None
    return user


def end_all_sessions(user: User) -> None:
    """Every cookie issued to this member stops working, including remember-me cookies."""
    user.session_version += 1
    db.session.flush()
