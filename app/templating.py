"""Template filters and globals shared by every page."""

from __future__ import annotations

import json
from datetime import datetime

from flask import Flask, request
from markupsafe import Markup

from app.links import site_url_for
from app.posts.cards import post_card

ROLE_LABELS = {
    "patient": "Member",
    "provider": "Provider",
    "moderator": "Moderator",
    "admin": "Admin",
}
KIND_LABELS = {"experience": "Experience", "question": "Question", "article": "Article"}
STATUS_LABELS = {
    "draft": "Draft",
    "pending": "Waiting for review",
    "published": "Published",
    "rejected": "Not approved",
    "hidden": "Hidden while reviewed",
    "removed": "Removed",
    "deleted": "Withdrawn",
}
DISCLAIMER = (
    "Shared for discussion and education; not medical advice. Do not start, stop or change a "
    "medicine without talking to your own care team. In an emergency, call your local "
    "emergency number."
)


def format_date(value: datetime | None) -> str:
    return value.strftime("%-d %B %Y") if value else ""


def iso_datetime(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def stored_html(value: str) -> Markup:
    """Mark HTML as safe: only for fields the content pipeline wrote."""
    return Markup(value)


def jsonld(data: dict) -> Markup:
    """JSON for a <script type="application/ld+json"> block that no value can break out of."""
    text = json.dumps(data, ensure_ascii=True)  # str.replace: a tenth of str.translate's time
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def site_path(path: str) -> str:
    """A page's own path (Post.path, Tag.path, User.profile_path) under the site's mount point,
    as url_for would give it, without its cost in lists that link hundreds of times."""
    return request.script_root + path


def unread_notifications() -> int:
    from flask_login import current_user
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Notification

    if not current_user.is_authenticated:
        return 0
    return (
        db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == current_user.id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def all_tags() -> list:
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Tag

    return list(db.session.scalars(select(Tag).order_by(Tag.name)))


def register(app: Flask) -> None:
    app.jinja_env.filters.update(
        date=format_date,
        isodate=iso_datetime,
        stored_html=stored_html,
        jsonld=jsonld,
        site_path=site_path,
    )
    app.jinja_env.globals.update(
        ROLE_LABELS=ROLE_LABELS,
        KIND_LABELS=KIND_LABELS,
        DISCLAIMER=DISCLAIMER,
        STATUS_LABELS=STATUS_LABELS,
        unread_notifications=unread_notifications,
        all_tags=all_tags,
        site_url_for=site_url_for,
        post_card_html=post_card,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
