"""Query and path arguments of the API: each is valid, or the request is a 400 that says why."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, request
from sqlalchemy import select

from app.authors.views import profile_is_public
from app.extensions import db
from app.models import Tag, User
from app.posts.queries import author_named
from app.tags.queries import tag_and_count

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 10_000
MAX_ID = 2**31 - 1  # the largest id an integer column holds on PostgreSQL and SQLite


@dataclass(frozen=True)
class PageArgs:
    page: int
    per_page: int


def whole_number(name: str, default: int, low: int, high: int) -> int:
    """An ASCII whole number in [low, high] ("²" and "٣" are digits to Python, not to us)."""
    raw = request.args.get(name, str(default))
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        abort(400, description=f"{name} must be a whole number from {low} to {high}.")
    return int(raw)


def id_number(raw: str) -> int | None:
    """A database id written in ASCII digits, or None: no other spelling names a post."""
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_ID:
        return None
    return int(raw)


def page_args() -> PageArgs:
    return PageArgs(
        page=whole_number("page", 1, 1, MAX_PAGE),
        per_page=whole_number("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
    )


def choice(name: str, choices: tuple[str, ...]) -> str | None:
    """An optional argument from a closed vocabulary; empty means "any"."""
    value = request.args.get(name, "")
    if not value:
        return None
    if value not in choices:
        abort(400, description=f"{name} must be one of {', '.join(choices)}.")
    return value


def tag_filter(kind: str | None) -> tuple[Tag, int] | None:
    """The `tag` filter's tag and how many published posts (of `kind`, if given) carry it."""
    slug = request.args.get("tag", "")
    if not slug:
        return None
    tagged = tag_and_count(slug, kind)
    if tagged is None:
        abort(400, description=f"There is no tag {slug!r}.")
    return tagged


def author_filter() -> User | None:
    """A silent member is answered exactly like a name nobody has: membership stays private."""
    username = request.args.get("author", "")
    if not username:
        return None
    found = public_author(username)
    if found is None:
        abort(400, description=f"There is no author {username!r}.")
    return found[0]


def find_tag(slug: str) -> Tag | None:
    return db.session.scalar(select(Tag).where(Tag.slug == slug))


def public_author(username: str) -> tuple[User, int] | None:
    """The author and their published post count, if they have a public profile."""
    author = author_named(username)
    if author is None:
        return None
    post_count = author.published_post_count
    if not profile_is_public(author, post_count):
        return None
    return author, post_count
