"""How Flask-Login finds the signed-in member, and who counts as signed in."""

from __future__ import annotations

from app.extensions import db
from app.models import User


def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    return db.session.get(User, int(user_id))
