"""What to read next from a post's page: related posts, and the previous and next post in its
first tag. Only published posts, through the helpers in app.posts.queries. A published post's
page reads both in one statement (`read_next`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from flask import current_app
from sqlalchemy import Select, Subquery, bindparam, func, literal, or_, select, union_all

from app.db import UTCDateTime, inline, read
from app.models import Post, post_tags
from app.posts.cards import Card, card_of_row, cards_of
from app.posts.queries import TagLink, published_cards
from app.search import SearchError, SearchQuery, get_backend

RELATED_COUNT = 4
RELATED, NEIGHBOUR = 0, 1  # which part of read_next's statement a row answers
# Related posts are looked for among this many of the newest posts of each of the post's tags.
CANDIDATES_PER_TAG = 200

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Neighbours:
    """The posts published just before and just after a post in one of its tags."""

    tag: TagLink | None = None
    previous: Card | None = None
    next: Card | None = None

    def __bool__(self) -> bool:
        return self.previous is not None or self.next is not None


def related_posts(post: Post, tags: Sequence[TagLink], limit: int = RELATED_COUNT) -> list[Card]:
    """Posts sharing the most tags (the post's `tags`) with this one, newest first among
    equals; topped up with posts whose text is like this post's title when fewer share a tag."""
    return topped_up(post, sharing_tags(post, tags, limit), limit)


def topped_up(post: Post, related: list[Card], limit: int) -> list[Card]:
    if len(related) < limit:
        related += similar_by_title(post, limit - len(related), {p.id for p in related})
    return related


def sharing_tags(post: Post, tags: Sequence[TagLink], limit: int) -> list[Card]:
    """Among the newest CANDIDATES_PER_TAG published posts of each of the post's tags, those
    in the most of its tags, newest first: a few index reads, however large the tags."""
    if not tags:
        return []
    query = _sharing_tags_query(len(tags), CANDIDATES_PER_TAG, limit)
    return cards_of(query, sharing_values(post, tags), with_tags=False)


def sharing_values(post: Post, tags: Sequence[TagLink]) -> dict:
    """The values of a statement built on _ranked_by_shared_tags."""
    return {"post_id": post.id, **{f"tag_{n}": tag.id for n, tag in enumerate(tags)}}


@cache
def _sharing_tags_query(tag_count: int, candidates_per_tag: int, limit: int) -> Select:
    """The statement for a post with this many tags, built once (the values are parameters)."""
    ranked = _ranked_by_shared_tags(tag_count, candidates_per_tag, limit).subquery()
    return (
        published_cards()
        .join(ranked, ranked.c.post_id == Post.id)
        .order_by(None)
        .order_by(ranked.c.shared.desc(), Post.published_at.desc(), Post.id.desc())
    )


def _ranked_by_shared_tags(tag_count: int, candidates_per_tag: int, limit: int) -> Select:
    """Ids of the posts in the most of the tags `tag_0`... among their newest, with `shared`."""
    listed = post_tags.c
    newest = [
        select(listed.post_id, listed.published_at)
        .where(
            listed.tag_id == bindparam(f"tag_{n}"),
            listed.published_at.is_not(None),
            listed.post_id != bindparam("post_id"),
        )
        .order_by(listed.published_at.desc(), listed.post_id.desc())
        .limit(inline(candidates_per_tag))
        .subquery()
        for n in range(tag_count)
    ]
    candidates = union_all(*(select(n.c.post_id, n.c.published_at) for n in newest)).subquery()
    shared = func.count().label("shared")
    newest_first = func.max(candidates.c.published_at).label("newest")
    return (
        select(candidates.c.post_id, shared, newest_first)
        .group_by(candidates.c.post_id)
        .order_by(shared.desc(), newest_first.desc(), candidates.c.post_id.desc())
        .limit(inline(limit))
    )


def similar_by_title(post: Post, limit: int, exclude: set[int]) -> list[Card]:
    """Published posts the search index finds for this post's title, best match first.

    The index requires every word of a query and widens to any word only when nothing
    matches; the post itself always matches its own title, so the query excludes the title as
    a phrase, which leaves the other posts to be found by their shared words.
    """
    words = " ".join(post.title.replace('"', " ").split())
    if not words:
        return []
    text = " ".join(word.lstrip("-") for word in words.split()) + f' -"{words}"'
    skip = {post.id, *exclude}
    try:
        page = get_backend(current_app).search(SearchQuery(text=text, per_page=limit + len(skip)))
    except SearchError as problem:
        log.warning("related posts without search results: %s", problem)
        return []
    wanted = [post_id for post_id in page.post_ids if post_id not in skip][:limit]
    if not wanted:
        return []
    found = cards_of(_cards_with_ids(), {"post_ids": wanted}, with_tags=False)
    by_id = {card.id: card for card in found}
    return [by_id[post_id] for post_id in wanted if post_id in by_id]


@cache
def _cards_with_ids() -> Select:
    """Published cards by id, in no order (the caller keeps the search's)."""
    wanted = Post.id.in_(bindparam("post_ids", expanding=True))
    return published_cards().where(wanted).order_by(None)


def previous_next(post: Post, tags: Sequence[TagLink]) -> Neighbours:
    """The published posts just before and after this one in its first tag (one query)."""
    if not has_neighbours(post, tags):
        return Neighbours()
    found = cards_of(_neighbours_query(), neighbour_values(post, tags), with_tags=False)
    return neighbours_among(found, post, tags[0])


def neighbour_values(post: Post, tags: Sequence[TagLink]) -> dict:
    """The values of a statement built on _neighbour_ids: the post's place in its first tag."""
    return {"tag_id": tags[0].id, "when": post.published_at, "post_id": post.id}


def has_neighbours(post: Post, tags: Sequence[TagLink]) -> bool:
    return post.is_public and post.published_at is not None and bool(tags)


def neighbours_among(found: list[Card], post: Post, tag: TagLink) -> Neighbours:
    here = (post.published_at, post.id)
    previous = next((card for card in found if (card.published_at, card.id) < here), None)
    following = next((card for card in found if (card.published_at, card.id) > here), None)
    return Neighbours(tag=tag, previous=previous, next=following)


@cache
def _neighbours_query() -> Select:
    before, after = _neighbour_ids()
    ids = union_all(select(before.c.post_id), select(after.c.post_id)).subquery()
    return published_cards().join(ids, ids.c.post_id == Post.id)


def _neighbour_ids() -> tuple[Subquery, Subquery]:
    """The id of the post just before (`when`, `post_id`) in the tag `tag_id`, and just after."""
    listed = post_tags.c
    when, post_id = bindparam("when", type_=UTCDateTime()), bindparam("post_id")
    in_tag = select(listed.post_id).where(listed.tag_id == bindparam("tag_id"))
    # `<=` / `>=` bound the index range; the OR only breaks ties between equal dates.
    before = (
        in_tag.where(listed.published_at <= when)
        .where(or_(listed.published_at < when, listed.post_id < post_id))
        .order_by(listed.published_at.desc(), listed.post_id.desc())
        .limit(inline(1))
        .subquery()
    )
    after = (
        in_tag.where(listed.published_at >= when)
        .where(or_(listed.published_at > when, listed.post_id > post_id))
        .order_by(listed.published_at, listed.post_id)
        .limit(inline(1))
        .subquery()
    )
    return before, after


@dataclass(frozen=True)
class ReadNext:
    """What a post's page offers to read next."""

    related: list[Card]
    neighbours: Neighbours


def read_next(post: Post, tags: Sequence[TagLink], limit: int = RELATED_COUNT) -> ReadNext:
    """related_posts and previous_next, in one statement when the post has both."""
    if not has_neighbours(post, tags):
        return ReadNext(related_posts(post, tags, limit), previous_next(post, tags))
    values = {**sharing_values(post, tags), **neighbour_values(post, tags)}
    rows = read(_read_next_query(len(tags), CANDIDATES_PER_TAG, limit), values).all()
    related = [card_of_row(row[:-1], ()) for row in rows if row[-1] == RELATED]
    found = [card_of_row(row[:-1], ()) for row in rows if row[-1] == NEIGHBOUR]
    return ReadNext(topped_up(post, related, limit), neighbours_among(found, post, tags[0]))


@cache
def _read_next_query(tag_count: int, candidates_per_tag: int, limit: int) -> Select:
    """Cards of the related posts (RELATED, in their order), then of the neighbours."""
    ranked = _ranked_by_shared_tags(tag_count, candidates_per_tag, limit).subquery()
    before, after = _neighbour_ids()
    picked = union_all(
        select(ranked.c.post_id, literal(RELATED).label("part"), ranked.c.shared),
        *(select(ids.c.post_id, literal(NEIGHBOUR), literal(0)) for ids in (before, after)),
    ).subquery()
    return (
        published_cards()
        .add_columns(picked.c.part)
        .join(picked, picked.c.post_id == Post.id)
        .order_by(None)
        .order_by(picked.c.part, picked.c.shared.desc(), Post.published_at.desc(), Post.id.desc())
    )
