"""Template filters and globals shared by every page."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from markupsafe import Markup

ROLE_LABELS = {
    "patient": "Member",
    "provider": "Provider",
    "moderator": "Moderator",
    "admin": "Admin",
}
KIND_LABELS = {"experience": "Experience", "question": "Question", "article": "Article"}
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


def register(app: Flask) -> None:
    app.jinja_env.filters.update(date=format_date, isodate=iso_datetime, stored_html=stored_html)
    app.jinja_env.globals.update(
        ROLE_LABELS=ROLE_LABELS, KIND_LABELS=KIND_LABELS, DISCLAIMER=DISCLAIMER
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
