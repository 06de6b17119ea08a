"""A listing's post cards, kept per process as HTML made from exactly what they show.

A card is rendered from a `Card`, a tuple of every value the card prints (the post's, its
author's byline, its tags' labels), never from the post itself: the card's HTML is a function
of the tuple, so the tuple is its key, and no change to a post, an author or a tag can leave
an old card in use. A value the card starts to print must be added here first, or it renders
empty (tests/functional/test_post_cards.py compares a card with the one the macro makes of
the post).

The public listings (home, tag and author pages) read their cards straight from rows
(`CARD_COLUMNS`, then one statement for the tags of the page's posts), without building ORM
objects: a Card answers the attributes a listing's templates and JSON-LD read of a post.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from flask import current_app, request
from markupsafe import Markup
from sqlalchemy import Row, Select, bindparam, select

from app.db import read
from app.models import Post, Tag, User, post_tags
from app.models.posts import post_path, reading_minutes
from app.models.tags import tag_path
from app.models.users import is_verified_provider, profile_path

# Entries of about 2 KB: a worker keeps the cards of its recent listings, a few hundred KB.
MAX_CARDS = 300


class Byline(NamedTuple):
    profile_path: str
    display_name: str
    role: str
    is_verified_provider: bool


class TagLabel(NamedTuple):
    path: str
    name: str
    kind: str


class Card(NamedTuple):
    id: int
    path: str
    kind: str
    title: str
    summary: str
    published_at: datetime | None
    reading_minutes: int
    author: Byline
    tags: tuple[TagLabel, ...]


# What a card shows, as columns of a statement that joins each post to its author.
CARD_COLUMNS = (
    Post.id,
    Post.slug,
    Post.kind,
    Post.title,
    Post.summary,
    Post.published_at,
    Post.body_length,
    User.username,
    User.display_name,
    User.role,
    User.verification_state,
)
_TAG_LABELS = (
    select(post_tags.c.post_id, Tag.slug, Tag.name, Tag.kind)
    .join(Tag, Tag.id == post_tags.c.tag_id)
    .where(post_tags.c.post_id.in_(bindparam("post_ids", expanding=True)))
    .order_by(post_tags.c.post_id, Tag.name, Tag.id)  # Post.tags' order
)

_cards: OrderedDict[tuple, Markup] = OrderedDict()
_lock = threading.Lock()  # a threaded server's requests share the cards


def card_of(post: Post) -> Card:
    author = post.author
    return Card(
        id=post.id,
        path=post.path,
        kind=post.kind,
        title=post.title,
        summary=post.summary,
        published_at=post.published_at,
        reading_minutes=post.reading_minutes,
        author=Byline(
            author.profile_path, author.display_name, author.role, author.is_verified_provider
        ),
        tags=tuple(TagLabel(tag.path, tag.name, tag.kind) for tag in post.tags),
    )


def cards_of(
    statement: Select, values: dict | None = None, *, with_tags: bool = True
) -> list[Card]:
    """The cards of a statement that selects CARD_COLUMNS (run with `values`), in its order;
    their tags in one more statement (none when a short list shows none)."""
    rows = read(statement, values).all()
    labels: dict[int, list[TagLabel]] = {}
    if with_tags and rows:
        for post_id, slug, name, kind in tag_rows([row[0] for row in rows]):
            labels.setdefault(post_id, []).append(TagLabel(tag_path(slug), name, kind))
    return [card_of_row(row, tuple(labels.get(row[0], ()))) for row in rows]


def tag_rows(post_ids: list[int]):
    """(post id, slug, name, kind) of these posts' tags, each post's in Post.tags' order."""
    return read(_TAG_LABELS, {"post_ids": post_ids})


def card_of_row(row: Row, tags: tuple[TagLabel, ...]) -> Card:
    post_id, slug, kind, title, summary, published_at, length, username, name, role, state = row
    return Card(
        id=post_id,
        path=post_path(post_id, slug),
        kind=kind,
        title=title,
        summary=summary,
        published_at=published_at,
        reading_minutes=reading_minutes(length),
        author=Byline(profile_path(username), name, role, is_verified_provider(role, state)),
        tags=tags,
    )


def post_card(post: Post | Card, heading: str = "h3") -> Markup:
    """The card of a post in a listing (`_macros/posts.html`'s post_card, made of its Card)."""
    return _kept(heading, [post])[0]


def compact_item(post: Post | Card) -> Markup:
    """A post's line in a short list (`_macros/posts.html`'s compact_item)."""
    return _kept(COMPACT, [post])[0]


def post_list(posts: Sequence[Post | Card], heading: str = "h3") -> Markup:
    """A listing's cards, each kept (or made) once, joined in one call: a template loop
    calling post_card cost more than the cards it printed."""
    return Markup('<div class="post-list">\n' + "".join(_kept(heading, posts)) + "</div>")


def compact_list(posts: Sequence[Post | Card]) -> Markup:
    """A short list of posts (a tag page's sections, a post's related posts)."""
    lines = "".join(f"  {line}\n" for line in _kept(COMPACT, posts))
    return Markup(f'<ul class="compact-posts">\n{lines}</ul>')


COMPACT = "compact"


def _kept(shape: str, posts: Sequence[Post | Card]) -> list[Markup]:
    """The HTML of each post in this shape, from the worker's kept cards where it can."""
    root = request.script_root
    keys = [(root, shape, post if isinstance(post, Card) else card_of(post)) for post in posts]
    with _lock:
        found = [_cards.get(key) for key in keys]
        for key, html in zip(keys, found, strict=True):
            if html is not None:
                _cards.move_to_end(key)
    if all(html is not None for html in found):
        return found
    made = {}
    for key, html in zip(keys, found, strict=True):
        if html is None:
            card = key[2]
            made[key] = render_compact(card) if shape == COMPACT else render_card(card, shape)
    with _lock:
        for key, html in made.items():
            _cards[key] = html
        while len(_cards) > MAX_CARDS:
            _cards.popitem(last=False)
    return [made.get(key, html) for key, html in zip(keys, found, strict=True)]


def render_card(card: Card | Post, heading: str) -> Markup:
    return Markup(str(_macros().post_card(card, heading)))


def render_compact(card: Card | Post) -> Markup:
    return Markup(str(_macros().compact_item(card)))


def _macros():
    return current_app.jinja_env.get_template("_macros/posts.html").module
