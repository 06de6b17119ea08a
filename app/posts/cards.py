"""A listing's post cards, kept per process as HTML made from exactly what they show.

A card is rendered from a `Card`, a tuple of every value the card prints (the post's, its
author's byline, its tags' labels), never from the post itself: the card's HTML is a function
of the tuple, so the tuple is its key, and no change to a post, an author or a tag can leave
an old card in use. A value the card starts to print must be added here first, or it renders
empty (tests/functional/test_post_cards.py compares a card with the one the macro makes of
the post).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime
from typing import NamedTuple

from flask import current_app, request
from markupsafe import Markup

from app.models import Post

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
    path: str
    kind: str
    title: str
    summary: str
    published_at: datetime | None
    reading_minutes: int
    author: Byline
    tags: tuple[TagLabel, ...]


_cards: OrderedDict[tuple, Markup] = OrderedDict()
_lock = threading.Lock()  # a threaded server's requests share the cards


def card_of(post: Post) -> Card:
    author = post.author
    return Card(
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


def post_card(post: Post, heading: str = "h3") -> Markup:
    """The card of a post in a listing (`_macros/posts.html`'s post_card, made of its Card)."""
    key = (request.script_root, heading, card_of(post))
    with _lock:
        html = _cards.get(key)
        if html is not None:
            _cards.move_to_end(key)
            return html
    html = render_card(key[2], heading)
    with _lock:
        _cards[key] = html
        while len(_cards) > MAX_CARDS:
            _cards.popitem(last=False)
    return html


def render_card(card: Card | Post, heading: str) -> Markup:
    macros = current_app.jinja_env.get_template("_macros/posts.html").module
    return Markup(str(macros.post_card(card, heading)))
