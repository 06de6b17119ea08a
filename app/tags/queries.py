"""What a tag page lists. Every query builds on the published-post helpers in app.posts.queries."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import Post, Tag, User, post_tags
from app.posts.queries import PUBLIC_STATUS, published_in_tag

# The order is the order of the filter links on the page.
KIND_FILTERS = {
    "article": "Articles from providers",
    "experience": "Experiences",
    "question": "Questions",
}
SORTS = {"newest": "Newest", "helpful": "Most helpful"}
DEFAULT_SORT = "newest"
PATIENT_KINDS = ("experience", "question")


@dataclass(frozen=True)
class RelatedTag:
    tag: Tag
    shared: int


def tag_listing(tag: Tag, kind: str | None, sort: str) -> Select:
    """The tag's published posts, optionally of one kind; newest first or most helpful first."""
    query = published_in_tag(tag)
    if kind is not None:
        query = query.where(Post.kind == kind)
    if sort == "helpful":
        query = query.order_by(None).order_by(
            Post.helpful_count.desc(), Post.published_at.desc(), Post.id.desc()
        )
    return query


def related_tags(tag: Tag, limit: int) -> list[RelatedTag]:
    """Tags that appear most often beside this one on published posts (one grouped query)."""
    this, other = aliased(post_tags), aliased(post_tags)
    shared = func.count().label("shared")
    rows = db.session.execute(
        select(Tag, shared)
        .join(other, other.c.tag_id == Tag.id)
        .join(this, (this.c.post_id == other.c.post_id) & (this.c.tag_id == tag.id))
        .join(Post, Post.id == other.c.post_id)
        .where(Post.status == PUBLIC_STATUS, Tag.id != tag.id)
        .group_by(Tag.id)
        .order_by(shared.desc(), Tag.name)
        .limit(limit)
    )
    return [RelatedTag(tag=row_tag, shared=count) for row_tag, count in rows]


def patient_voices(tag: Tag, limit: int) -> list[Post]:
    """The latest experiences and questions members (patients) published in this tag."""
    patients = select(User.id).where(User.role == "patient")
    query = published_in_tag(tag).where(Post.kind.in_(PATIENT_KINDS), Post.author_id.in_(patients))
    return list(db.session.scalars(query.limit(limit)))


def from_providers(tag: Tag, limit: int) -> list[Post]:
    """The latest posts (mostly articles) verified providers published in this tag."""
    providers = select(User.id).where(
        User.role == "provider", User.verification_state == "verified"
    )
    query = published_in_tag(tag).where(Post.author_id.in_(providers))
    return list(db.session.scalars(query.limit(limit)))
