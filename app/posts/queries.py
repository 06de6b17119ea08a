"""Who may see which posts: the one place visibility is decided.

Every list, page, feed, sitemap, API response and search result builds on these helpers,
so content that is not published cannot leak through a forgotten filter.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Comment, Post, Tag, User, post_tags

PUBLIC_STATUS = "published"


@dataclass(frozen=True)
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def published_posts() -> Select:
    """Published posts, newest first, with what a listing shows loaded up front."""
    return (
        select(Post)
        .where(Post.status == PUBLIC_STATUS)
        .options(selectinload(Post.author), selectinload(Post.tags))
        .order_by(Post.published_at.desc(), Post.id.desc())
    )


def can_view(post: Post, viewer: User | None) -> bool:
    if post.status == PUBLIC_STATUS:
        return True
    if viewer is None or not viewer.is_authenticated:
        return False
    if post.status == "deleted":
        return False
    return viewer.is_moderator or post.author_id == viewer.id


def viewable_post(post_id: int, viewer: User | None) -> Post | None:
    post = db.session.scalar(
        select(Post)
        .where(Post.id == post_id)
        .options(selectinload(Post.author), selectinload(Post.tags), selectinload(Post.reviewed_by))
    )
    if post is None or not can_view(post, viewer):
        return None
    return post


def paginate(query: Select, page: int, per_page: int) -> Page:
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=list(items), page=page, per_page=per_page, total=total or 0)


def latest_published(limit: int) -> list[Post]:
    return list(db.session.scalars(published_posts().limit(limit)))


def published_in_tag(tag: Tag) -> Select:
    return published_posts().where(
        Post.id.in_(select(post_tags.c.post_id).where(post_tags.c.tag_id == tag.id))
    )


def published_by(author: User) -> Select:
    return published_posts().where(Post.author_id == author.id)


def published_counts_by_tag() -> dict[int, int]:
    rows = db.session.execute(
        select(post_tags.c.tag_id, func.count())
        .join(Post, Post.id == post_tags.c.post_id)
        .where(Post.status == PUBLIC_STATUS)
        .group_by(post_tags.c.tag_id)
    )
    return {tag_id: count for tag_id, count in rows}


def published_count_by(author: User) -> int:
    return (
        db.session.scalar(
            select(func.count(Post.id)).where(
                Post.author_id == author.id, Post.status == PUBLIC_STATUS
            )
        )
        or 0
    )


def visible_comments(post: Post, viewer: User | None) -> list[Comment]:
    """Published replies, plus the viewer's own unpublished ones (and all, for moderators)."""
    query = (
        select(Comment)
        .where(Comment.post_id == post.id)
        .options(selectinload(Comment.author))
        .order_by(Comment.created_at, Comment.id)
    )
    signed_in = viewer is not None and viewer.is_authenticated
    if signed_in and viewer.is_moderator:
        query = query.where(Comment.status != "deleted")
    elif signed_in:
        query = query.where(
            (Comment.status == PUBLIC_STATUS)
            | ((Comment.author_id == viewer.id) & (Comment.status != "deleted"))
        )
    else:
        query = query.where(Comment.status == PUBLIC_STATUS)
    return list(db.session.scalars(query))


def posts_by_author_any_status(author: User) -> Select:
    """Everything a member wrote except what they withdrew: their own posts page."""
    return (
        select(Post)
        .where(Post.author_id == author.id, Post.status != "deleted")
        .options(selectinload(Post.tags), selectinload(Post.author))
        .order_by(Post.updated_at.desc(), Post.id.desc())
    )
