"""What to read next from a post's page: related posts, and the previous and next post in its
first tag. Only published posts, through the helpers in app.posts.queries."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import and_, func, or_, select, union_all

from app.extensions import db
from app.models import Post, Tag, post_tags
from app.posts.queries import published_in_tag, published_posts
from app.search import SearchError, SearchQuery, get_backend

RELATED_COUNT = 4

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Neighbours:
    """The posts published just before and just after a post in one of its tags."""

    tag: Tag | None = None
    previous: Post | None = None
    next: Post | None = None

    def __bool__(self) -> bool:
        return self.previous is not None or self.next is not None


def related_posts(post: Post, limit: int = RELATED_COUNT) -> list[Post]:
    """Posts sharing the most tags with this one, newest first among equals; topped up with
    posts whose text is like this post's title when fewer share a tag."""
    related = sharing_tags(post, limit)
    if len(related) < limit:
        related += similar_by_title(post, limit - len(related), {p.id for p in related})
    return related


def sharing_tags(post: Post, limit: int) -> list[Post]:
    tag_ids = [tag.id for tag in post.tags]
    if not tag_ids:
        return []
    shared_count = func.count().label("shared")
    shared = (
        select(post_tags.c.post_id, shared_count)
        .where(post_tags.c.tag_id.in_(tag_ids), post_tags.c.post_id != post.id)
        .group_by(post_tags.c.post_id)
        .subquery()
    )
    query = (
        published_posts()
        .join(shared, shared.c.post_id == Post.id)
        .order_by(None)
        .order_by(shared.c.shared.desc(), Post.published_at.desc(), Post.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def similar_by_title(post: Post, limit: int, exclude: set[int]) -> list[Post]:
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
    found = {p.id: p for p in db.session.scalars(published_posts().where(Post.id.in_(wanted)))}
    return [found[post_id] for post_id in wanted if post_id in found]


def previous_next(post: Post) -> Neighbours:
    """The published posts just before and after this one in its first tag (one query)."""
    if not post.is_published or post.published_at is None or not post.tags:
        return Neighbours()
    tag = post.tags[0]
    when = post.published_at
    in_tag = published_in_tag(tag).order_by(None)
    before = (
        in_tag.where(
            or_(Post.published_at < when, and_(Post.published_at == when, Post.id < post.id))
        )
        .order_by(Post.published_at.desc(), Post.id.desc())
        .limit(1)
        .subquery()
    )
    after = (
        in_tag.where(
            or_(Post.published_at > when, and_(Post.published_at == when, Post.id > post.id))
        )
        .order_by(Post.published_at, Post.id)
        .limit(1)
        .subquery()
    )
    ids = union_all(select(before.c.id), select(after.c.id))
    found = list(db.session.scalars(published_posts().where(Post.id.in_(ids))))
    previous = next((p for p in found if (p.published_at, p.id) < (when, post.id)), None)
    following = next((p for p in found if (p.published_at, p.id) > (when, post.id)), None)
    return Neighbours(tag=tag, previous=previous, next=following)
