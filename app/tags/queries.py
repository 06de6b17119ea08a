"""What a tag page lists. Every query builds on the published-post helpers in app.posts.queries."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from sqlalchemy import Select, bindparam, func, select, union_all

from app.answers.services import answered_filter
from app.cache import content_version_column
from app.db import inline, read
from app.models import Post, Tag, TagPairCount, User, post_tags
from app.models.tags import TagNaming, tag_path
from app.posts.cards import Card, TagLabel, cards_of
from app.posts.queries import (
    Page,
    TagLink,
    cards_in_a_tag,
    count_in_tag,
    published_cards,
)

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
    tag: TagLabel
    shared: int


@cache
def _every_tag_with_its_count() -> Select:
    total = func.coalesce(count_in_tag(Tag.id).scalar_subquery(), 0)
    return select(Tag.id, Tag.slug, Tag.name, Tag.kind, total).order_by(Tag.kind, Tag.name)


def every_tag_with_counts() -> tuple[list[TagLink], dict[int, int]]:
    """Every tag as far as a link shows it, by kind then name, and how many published posts
    each lists, in one query."""
    rows = read(_every_tag_with_its_count()).all()
    tags = [TagLink(*row[:4]) for row in rows]
    return tags, {row[0]: int(row[4]) for row in rows}


class TagRow(NamedTuple):
    id: int
    slug: str
    name: str
    kind: str
    description_html: str
    synonyms: str


class ShownTag(TagNaming, TagRow):
    """A tag as its page (or an API filter) uses it, read as a row."""

    __slots__ = ()


def tag_and_count(slug: str, kind: str | None) -> tuple[ShownTag, int] | None:
    """The tag a tag page shows (without the Markdown of its introduction) and how many
    published posts it lists, in one query."""
    found = tag_count_and_version(slug, kind)
    return None if found is None else found[:2]


def tag_count_and_version(slug: str, kind: str | None) -> tuple[ShownTag, int, int] | None:
    """tag_and_count, and the page cache's content version (which the tag's member reports
    are kept at), in the same query."""
    row = read(_tag_count_and_version(kind), {"slug": slug}).first()
    if row is None:
        return None
    *tag, total, version = row
    return ShownTag(*tag), int(total), int(version)


@cache
def _tag_count_and_version(kind: str | None) -> Select:
    total = func.coalesce(count_in_tag(Tag.id, kind).scalar_subquery(), 0)
    shown = (Tag.id, Tag.slug, Tag.name, Tag.kind, Tag.description_html, Tag.synonyms)
    return select(*shown, total, content_version_column()).where(Tag.slug == bindparam("slug"))


@cache
def tag_listing(kind: str | None, sort: str, answered: str | None) -> Select:
    """The cards of a tag's published posts (run it with `listed_tag_id`), optionally of one
    kind or only questions answered or not; newest first or most helpful first."""
    query = answered_filter(cards_in_a_tag(), answered)
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
    rows = read(_related_tags(limit), {"tag_id": tag.id})
    return [
        RelatedTag(tag=TagLabel(tag_path(slug), name, kind), shared=count)
        for slug, name, kind, count in rows
    ]


@cache
def _related_tags(limit: int) -> Select:
    return (
        select(Tag.slug, Tag.name, Tag.kind, TagPairCount.post_count)
        .join(TagPairCount, TagPairCount.other_tag_id == Tag.id)
        .where(TagPairCount.tag_id == bindparam("tag_id"), TagPairCount.post_count > 0)
        .order_by(TagPairCount.post_count.desc(), Tag.name)
        .limit(inline(limit))
    )


@dataclass(frozen=True)
class Sections:
    """The two short lists of a tag's overview page."""

    patient_posts: list[Card]
    provider_posts: list[Card]

    def are_full(self, limit: int) -> bool:
        return len(self.patient_posts) >= limit and len(self.provider_posts) >= limit


def overview_sections(tag: Tag, limit: int, newest: Page | None = None) -> Sections:
    """The latest experiences and questions members (patients) published in this tag, and the
    latest posts (mostly articles) verified providers published in it.

    `newest` is the first page of the tag's listing, newest first, when the page shows it:
    if it holds `limit` of each, or the whole listing (a page not full), the sections are
    picked from it, as the statement would pick them, without running it."""
    if newest is not None:
        picked = pick_sections(newest.items, limit)
        if picked.are_full(limit) or len(newest.items) < newest.per_page:
            return picked
    found = cards_of(_overview_sections(limit), {"listed_tag_id": tag.id}, with_tags=False)
    return pick_sections(found, limit)


def pick_sections(cards: list[Card], limit: int) -> Sections:
    """The sections' cards among these (newest first), without the tags a short list omits."""
    patients = [card for card in cards if is_patient_voice(card)][:limit]
    providers = [card for card in cards if card.author.is_verified_provider][:limit]
    return Sections(
        patient_posts=[card._replace(tags=()) for card in patients],
        provider_posts=[card._replace(tags=()) for card in providers],
    )


def is_patient_voice(card: Card) -> bool:
    return card.kind in PATIENT_KINDS and card.author.role == "patient"


@cache
def _overview_sections(limit: int) -> Select:
    listed = post_tags.c
    newest_in_tag = (  # the author of each post by its key: never a list of every member
        select(listed.post_id)
        .join(Post, Post.id == listed.post_id)
        .join(User, User.id == Post.author_id)
        .where(
            listed.tag_id == bindparam("listed_tag_id"),
            listed.published_at.is_not(None),
            Post.is_public,
        )
        .order_by(listed.published_at.desc(), listed.post_id.desc())
        .limit(inline(limit))
    )
    voices = newest_in_tag.where(Post.kind.in_(PATIENT_KINDS), User.role == "patient")
    from_providers = newest_in_tag.where(
        User.role == "provider", User.verification_state == "verified"
    )
    ids = union_all(voices.subquery().select(), from_providers.subquery().select()).subquery()
    return published_cards().join(ids, ids.c.post_id == Post.id)
