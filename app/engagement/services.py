"""Helpful reactions, bookmarks and follows. Functions change the session and flush; the
request commits.

None of them empties the anonymous page cache: bookmarks and follows are private, and the
counts they change reach cached pages within app.cache.ENGAGEMENT_LAG_SECONDS.

Every toggle looks at the row that is there now and changes it; a second request racing the
first meets the primary key or unique constraint and is answered from the row it lost to, so
`Post.helpful_count` always moves together with a real row and never below zero.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import Select, bindparam, case, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.db import read
from app.errors import DomainError
from app.extensions import db
from app.models import Bookmark, Follow, Post, Reaction, Tag, User, post_tags
from app.posts import changes
from app.posts.queries import (
    published_counts_by_tag,
    published_posts,
)
from app.posts.services import ensure_can_write


class EngagementError(DomainError):
    """Why an action on a post, tag or member cannot be done, with the HTTP status to answer."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message, status)


def _ensure_published(post: Post) -> None:
    if not post.is_public:
        raise EngagementError(
            "Only published posts can be marked helpful or saved; this one is not published.",
            409,
        )


def _insert(row) -> bool:
    """Add a row in a savepoint; False when an identical row won a race to the database."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return False
    return True


def toggle_helpful(post: Post, member: User) -> bool:
    """Mark the post helpful for the member, or take the mark back. True when it is now marked."""
    _ensure_published(post)
    if post.author_id == member.id:
        raise EngagementError("You cannot mark your own post as helpful.", 403)
    ensure_can_write(member)
    removed = db.session.execute(
        delete(Reaction).where(Reaction.user_id == member.id, Reaction.post_id == post.id)
    ).rowcount
    if removed:
        _change_helpful_count(post, -removed)
        return False
    if _insert(Reaction(user_id=member.id, post_id=post.id)):
        _change_helpful_count(post, 1)
    return True


def _change_helpful_count(post: Post, delta: int) -> None:
    """Move the stored count in SQL (no lost updates), never below zero, without an edit date."""
    new_count = Post.helpful_count + delta
    with changes.bulk_change(db.session, Post, [post.id]):
        db.session.execute(
            update(Post)
            .where(Post.id == post.id)
            .values(
                helpful_count=case((new_count < 0, 0), else_=new_count),
                updated_at=Post.updated_at,
            )
            .execution_options(synchronize_session=False)
        )
    db.session.expire(post, ["helpful_count"])


def toggle_bookmark(post: Post, member: User) -> bool:
    """Save the post for later, or forget it. True when it is now saved."""
    _ensure_published(post)
    removed = db.session.execute(
        delete(Bookmark).where(Bookmark.user_id == member.id, Bookmark.post_id == post.id)
    ).rowcount
    if removed:
        return False
    _insert(Bookmark(user_id=member.id, post_id=post.id))
    return True


def toggle_follow_tag(tag: Tag, member: User) -> bool:
    """Follow a tag, or stop. True when it is now followed."""
    removed = db.session.execute(
        delete(Follow).where(Follow.follower_id == member.id, Follow.tag_id == tag.id)
    ).rowcount
    if removed:
        return False
    _insert(Follow(follower_id=member.id, tag_id=tag.id))
    return True


def toggle_follow_author(author: User, member: User) -> bool:
    """Follow a member, or stop. True when they are now followed."""
    if author.id == member.id:
        raise EngagementError("You cannot follow yourself.", 400)
    removed = db.session.execute(
        delete(Follow).where(Follow.follower_id == member.id, Follow.author_id == author.id)
    ).rowcount
    if removed:
        return False
    _insert(Follow(follower_id=member.id, author_id=author.id))
    return True


def helpful_and_saved(post: Post, member: User | None) -> tuple[bool, bool]:
    """Whether the member marked the post helpful, and whether they saved it."""
    if member is None or not member.is_authenticated:
        return False, False
    reacted = select(Reaction.post_id).where(
        Reaction.user_id == member.id, Reaction.post_id == post.id
    )
    saved = select(Bookmark.post_id).where(
        Bookmark.user_id == member.id, Bookmark.post_id == post.id
    )
    row = db.session.execute(select(reacted.exists(), saved.exists())).one()
    return bool(row[0]), bool(row[1])


def is_following_tag(tag: Tag, member: User | None) -> bool:
    if member is None or not member.is_authenticated:
        return False
    return (
        db.session.scalar(
            select(Follow.id).where(Follow.follower_id == member.id, Follow.tag_id == tag.id)
        )
        is not None
    )


def is_following_author(author: User, member: User | None) -> bool:
    if member is None or not member.is_authenticated:
        return False
    return (
        db.session.scalar(
            select(Follow.id).where(Follow.follower_id == member.id, Follow.author_id == author.id)
        )
        is not None
    )


def follower_count(author: User) -> int:
    return read(_follower_count(), {"author_id": author.id}).scalar()


@cache
def _follower_count() -> Select:
    return select(func.count(Follow.id)).where(Follow.author_id == bindparam("author_id"))


def saved_posts(member: User):
    """The member's saved posts that are still published, most recently saved first."""
    return (
        published_posts()
        .join(Bookmark, Bookmark.post_id == Post.id)
        .where(Bookmark.user_id == member.id)
        .order_by(None)
        .order_by(Bookmark.created_at.desc(), Post.id.desc())
    )


def feed_posts(member: User):
    """Published posts by followed authors or in followed tags, newest first: one query."""
    followed_tags = select(Follow.tag_id).where(
        Follow.follower_id == member.id, Follow.tag_id.is_not(None)
    )
    followed_authors = select(Follow.author_id).where(
        Follow.follower_id == member.id, Follow.author_id.is_not(None)
    )
    in_followed_tags = select(post_tags.c.post_id).where(post_tags.c.tag_id.in_(followed_tags))
    return published_posts().where(
        or_(Post.author_id.in_(followed_authors), Post.id.in_(in_followed_tags))
    )


def followed_tags(member: User) -> list[Tag]:
    return list(
        db.session.scalars(
            select(Tag)
            .join(Follow, Follow.tag_id == Tag.id)
            .where(Follow.follower_id == member.id)
            .order_by(Tag.name)
        )
    )


def followed_authors(member: User) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Follow, Follow.author_id == User.id)
            .where(Follow.follower_id == member.id)
            .order_by(User.display_name, User.id)
        )
    )


def suggested_tags(member: User, limit: int = 8) -> list[Tag]:
    """Tags worth following: conditions first, then the busiest, leaving out followed ones."""
    counts = published_counts_by_tag()
    followed = {tag.id for tag in followed_tags(member)}
    tags = [tag for tag in db.session.scalars(select(Tag)) if tag.id not in followed]
    tags.sort(key=lambda tag: (tag.kind != "condition", -counts.get(tag.id, 0), tag.name))
    return tags[:limit]
