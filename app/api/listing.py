"""The API's list of published posts, read as rows: what a listed post shows (`post_json`'s
fields) straight from one statement, and its tags' slugs from one more, without ORM objects
(which cost most of an uncached page)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import NamedTuple

from sqlalchemy import Select

from app.answers.services import answered_filter
from app.db import read
from app.models import Post
from app.posts.cards import tag_rows
from app.posts.queries import by_an_author, listed_in_a_tag, published_cards


class ListedPost(NamedTuple):
    """A row of `listing` (a card's columns, then whether a question is answered) and the
    slugs of the post's tags."""

    id: int
    slug: str
    kind: str
    title: str
    summary: str
    published_at: datetime | None
    body_length: int
    username: str
    display_name: str
    role: str
    verification_state: str
    is_answered: bool | None
    accepted_reply_id: int | None
    tags: tuple[str, ...]


@cache
def listing(in_tag: bool, by_author: bool, kind: str | None, answered: str | None) -> Select:
    """Published posts, newest first, filtered as asked; built once per combination and run
    with `listed_tag_id` and `listed_author_id`."""
    query = published_cards().add_columns(Post.is_answered, Post.accepted_reply_id)
    if in_tag:
        query = listed_in_a_tag(query)
    if by_author:
        query = by_an_author(query)
    if kind is not None:
        query = query.where(Post.kind == kind)
    return answered_filter(query, answered)


def listed_posts(window: Select, values: dict) -> list[ListedPost]:
    rows = read(window, values).all()
    slugs: dict[int, list[str]] = {}
    if rows:
        for post_id, slug, _name, _kind in tag_rows([row[0] for row in rows]):
            slugs.setdefault(post_id, []).append(slug)
    return [ListedPost(*row, tags=tuple(slugs.get(row[0], ()))) for row in rows]
