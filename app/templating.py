"""Template filters and globals shared by every page."""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from urllib.parse import urlencode

from flask import Flask, request, url_for
from flask.templating import Environment
from flask_login import current_user
from markupsafe import Markup

from app.links import site_url_for
from app.posts.cards import compact_list, post_list

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


class SiteTemplates(Environment):
    """Flask's Jinja environment, with each template's globals in a plain dict.

    Jinja lays a template's globals over the environment's in a ChainMap, which every render,
    import and include then walks in Python, name by name: about 5% of a page's instructions.
    A dict is copied and compared in C. Jinja asks that globals not change once templates are
    loaded; should one change, the loaded templates are dropped, to load again with it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.globals = WatchedGlobals(self.globals, on_change=self.forget_templates)

    def make_globals(self, d: dict | None) -> dict:
        return {**self.globals, **(d or {})}

    def forget_templates(self) -> None:
        if self.cache is not None:
            self.cache.clear()


class WatchedGlobals(dict):
    """A dict that reports every change to it."""

    def __init__(self, initial: dict, on_change):
        super().__init__(initial)
        self._on_change = on_change

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self._on_change()

    def __delitem__(self, key):
        super().__delitem__(key)
        self._on_change()

    def update(self, *args, **kwargs):
        super().update(*args, **kwargs)
        self._on_change()

    def setdefault(self, key, default=None):
        found = super().setdefault(key, default)
        self._on_change()
        return found

    def pop(self, *args):
        found = super().pop(*args)
        self._on_change()
        return found

    def popitem(self):
        found = super().popitem()
        self._on_change()
        return found

    def clear(self):
        super().clear()
        self._on_change()

    def __ior__(self, other):
        self.update(other)
        return self


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


# The links of every page's head and header: the same on every request under one mount point.
SITE_LINKS = {
    "home": ("main.home", {}),
    "topics": ("tags.index", {}),
    "search": ("main.search", {}),
    "sign_in": ("auth.login", {}),
    "join": ("auth.register", {}),
    "stylesheet": ("static", {"filename": "css/site.css"}),
    "icon": ("static", {"filename": "img/favicon.svg"}),
}
MOUNT_POINTS_KEPT = 4
# A listing's filter and pager arguments: a few dozen combinations, and pages past the first.
KEPT_QUERY_STRINGS = 512
_site_links: dict[str, dict[str, str]] = {}


def site_links() -> dict[str, str]:
    """SITE_LINKS as url_for builds them, once per mount point (seven url_for calls a page)."""
    root = request.script_root
    links = _site_links.get(root)
    if links is None:
        links = {name: url_for(endpoint, **args) for name, (endpoint, args) in SITE_LINKS.items()}
        if len(_site_links) >= MOUNT_POINTS_KEPT:
            _site_links.clear()
        _site_links[root] = links
    return links


def with_query(path: str, **args: str | int | None) -> str:
    """site_path with query arguments (those not None, in order), as url_for builds them."""
    kept = tuple((name, value) for name, value in args.items() if value is not None)
    if not kept:
        return site_path(path)
    try:
        return site_path(path) + query_string(kept)
    except TypeError:  # a value that cannot be a key (a list): encoded each time
        return site_path(path) + "?" + urlencode(kept)


@lru_cache(maxsize=KEPT_QUERY_STRINGS)
def query_string(args: tuple[tuple[str, str | int], ...]) -> str:
    return "?" + urlencode(args)


def unread_notifications() -> int:
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
        post_list=post_list,
        compact_list=compact_list,
        site_links=site_links,
        with_query=with_query,
        # A global as well as Flask-Login's context variable, so that macros imported without
        # the page's context (imported once, not on every render) can ask who is reading.
        current_user=current_user,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
