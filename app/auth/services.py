"""Creating accounts and checking sign-ins. Functions flush; the request commits."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from app.auth.passwords import hash_password, needs_rehash, password_problem, verify_password
from app.db import utcnow
from app.extensions import db
from app.models import User
from app.models.enums import ROLES


class AccountError(ValueError):
    """A reason an account cannot be created, keyed by the form field it concerns."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


HANDLE_TAKEN = "That handle is taken; please choose another."
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{2,29}$")
RESERVED_USERNAMES = frozenset(
    {
        "admin",
        "administrator",
        "moderator",
        "mod",
        "staff",
        "support",
        "api",
        "anonymous",
        "deleted",
        "system",
        "root",
        "new",
        "edit",
        "feed",
        "me",
    }
)


def username_problem(username: str) -> str | None:
    """Why a public handle cannot be used, or None when it can."""
    if not USERNAME_PATTERN.match(username):
        return "Use 3–30 lowercase letters, digits, - or _, starting with a letter or digit."
    if username in RESERVED_USERNAMES:
        return "That handle is reserved; please choose another."
    return None


def normalize_email(email: str) -> str:
    return email.strip().lower()


def create_account(
    *,
    email: str,
    username: str,
    password: str,
    role: str = "patient",
    display_name: str | None = None,
    consented: bool = False,
) -> User:
    email = normalize_email(email)
    username = username.strip().lower()
    if problem := username_problem(username):
        raise AccountError("username", problem)
    if problem := password_problem(password, username=username, email=email):
        raise AccountError("password", problem)
    if role not in ROLES:
        raise AccountError("role", f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    return add_member(
        email=email,
        username=username,
        password_hash=hash_password(password),
        role=role,
        display_name=display_name,
        consented_at=utcnow() if consented else None,
    )


def add_member(
    *,
    email: str,
    username: str,
    password_hash: str,
    role: str = "patient",
    display_name: str | None = None,
    consented_at: datetime | None = None,
) -> User:
    """Add an account whose fields are already checked, unless its email or handle is taken."""
    if email_taken(email):
        raise AccountError("email", "An account with this email already exists. Try signing in.")
    if username_taken(username):
        raise AccountError("username", HANDLE_TAKEN)
    user = User(
        email=email,
        username=username,
        display_name=(display_name or username)[:80],
        role=role,
        password_hash=password_hash,
        consented_at=consented_at,
    )
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        raise AccountError(
            "username", "That handle or email was just taken; please choose another."
        ) from None
    return user


def email_taken(email: str) -> bool:
    return db.session.scalar(select(User.id).where(User.email == email)) is not None


def username_taken(username: str) -> bool:
    return db.session.scalar(select(User.id).where(User.username == username)) is not None


# Members with these roles have a public page whether or not they published anything.
PUBLIC_PAGE_ROLES = ("provider", "moderator", "admin")


def handle_is_public(username: str) -> bool:
    """Whether the handle belongs to a member with a public page (published posts or a
    public role): only then may a form say it is taken, since the page says so anyway."""
    holder = select(User.id).where(
        User.username == username,
        or_(User.published_post_count > 0, User.role.in_(PUBLIC_PAGE_ROLES)),
    )
    return db.session.scalar(holder) is not None


def authenticate(email: str, password: str) -> User | None:
    """The member these credentials belong to, or None; the same work either way."""
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if not verify_password(user.password_hash if user else None, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.flush()
    return user
