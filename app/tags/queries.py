"""What a tag page lists. Every query builds on the published-post helpers in app.posts.queries."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import Select, select

from app.extensions import db
from app.models import Post, Tag, TagPairCount, User, post_tags
from app.posts.queries import in_a_tag, published_in_tag

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
    if sort == "helpful":  # the listing index's copies, so one index gives the order
        listed = post_tags.c
        query = query.order_by(None).order_by(
            listed.helpful_count.desc(), listed.published_at.desc(), listed.post_id.desc()
        )
    return query


def related_tags(tag: Tag, limit: int) -> list[RelatedTag]:
    """Tags that appear most often beside this one on published posts (from the counters)."""
    rows = db.session.execute(
        select(Tag, TagPairCount.post_count)
        .join(TagPairCount, TagPairCount.other_tag_id == Tag.id)
        .where(TagPairCount.tag_id == tag.id, TagPairCount.post_count > 0)
        .order_by(TagPairCount.post_count.desc(), Tag.name)
        .limit(limit)
    )
    return [RelatedTag(tag=row_tag, shared=count) for row_tag, count in rows]


def patient_voices(tag: Tag, limit: int) -> list[Post]:
    """The latest experiences and questions members (patients) published in this tag."""
    return list(db.session.scalars(_patient_voices(limit), {"listed_tag_id": tag.id}))


def from_providers(tag: Tag, limit: int) -> list[Post]:
    """The latest posts (mostly articles) verified providers published in this tag."""
    return list(db.session.scalars(_from_providers(limit), {"listed_tag_id": tag.id}))


@cache
def _patient_voices(limit: int) -> Select:
    patients = select(User.id).where(User.role == "patient")
    return (
        in_a_tag(with_tags=False)
        .where(Post.kind.in_(PATIENT_KINDS), Post.author_id.in_(patients))
        .limit(limit)
    )


@cache
def _from_providers(limit: int) -> Select:
    providers = select(User.id).where(
        User.role == "provider", User.verification_state == "verified"
    )
    return in_a_tag(with_tags=False).where(Post.author_id.in_(providers)).limit(limit)
