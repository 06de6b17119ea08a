"""One-click unsubscribe (RFC 8058): a signed link in every message that works without
signing in. The token names the member (by id, never by address) and what to stop; it is
signed with SECRET_KEY under its own salt, so it opens nothing else and cannot be forged."""

from __future__ import annotations

from typing import NamedTuple

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from app.extensions import db
from app.links import site_url_for
from app.models import EmailSettings, User

SALT = "email-unsubscribe"
LISTS = ("digest", "replies")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(user_id: int, what: str) -> str:
    if what not in LISTS:
        raise ValueError(what)
    return _serializer().dumps({"u": user_id, "l": what})


def read_token(token: str) -> tuple[int, str] | None:
    """(member id, list) of a genuine token, else None."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    user_id, what = data.get("u"), data.get("l")
    if not isinstance(user_id, int) or isinstance(user_id, bool) or what not in LISTS:
        return None
    return user_id, what


def member_exists(user_id: int) -> bool:
    return db.session.get(User, user_id) is not None


def unsubscribe(user_id: int, what: str) -> None:
    """Turn that one kind of email off; the same request twice changes nothing more."""
    settings = db.session.get(EmailSettings, user_id)
    if settings is None:
        return  # no row: everything is already off
    if what == "digest":
        settings.digest = "off"
    else:
        settings.reply_emails = False
    db.session.flush()


class Unsubscribe(NamedTuple):
    link: str  # for the message's text
    headers: dict[str, str]


def unsubscribe_for(user_id: int, what: str) -> Unsubscribe:
    """The unsubscribe link, and the headers that carry it: List-Unsubscribe (the link, and a
    mailto when a mailbox reads them) and List-Unsubscribe-Post for one-click unsubscribing."""
    token = make_token(user_id, what)
    link = site_url_for("mailings.unsubscribe_link", token=token)
    targets = [f"<{link}>"]
    mailbox = current_app.config.get("MAIL_UNSUBSCRIBE_ADDRESS")
    if mailbox:
        targets.append(f"<mailto:{mailbox}?subject=unsubscribe%20{token}>")
    headers = {
        "List-Unsubscribe": ", ".join(targets),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return Unsubscribe(link, headers)
