"""What follows from a change to posts, decided in one place for every way a post is written.

A change to a post's visibility, text, tags, kind, dates or helpful count moves the listing
index (app.posts.listing_index), queues the post for search (app.search.outbox) and empties
the page cache (app.cache), all in the transaction of the change. The ORM's changes are caught
at flush; UPDATE and DELETE statements the ORM cannot see run inside `bulk_change`. A new or
renamed handle or role of an author, or a new name or slug of a tag, queues the published posts
whose search documents carry it.

Each change reads the posts as the database has them before and after, so the listing index
moves by exact deltas. A post that is public before or after the change and shows something
new (its visibility, anything that moves `updated_at`, the reply its asker accepted, its tags,
kind or date) is queued and the cache emptied; a helpful count moved alone (an UPDATE that
keeps `updated_at`) moves only the listing index, as cached pages follow counts by themselves
(see app.cache).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection, Select, event, inspect, literal, select
from sqlalchemy.orm import Session

from app.cache import mark_public_content_changed
from app.models import Comment, Post, Tag, User
from app.models.visibility import status_is_public
from app.posts import listing_index
from app.posts.listing_index import Footprint, Footprints
from app.posts.queries import published_by, published_in_tag
from app.search import outbox

AUTHOR_FACTS_IN_SEARCH = ("username", "role")
TAG_FACTS_IN_SEARCH = ("name", "slug")
PENDING_KEY = "post_changes_pending"

Changeable = type[Post] | type[Comment]


@dataclass(frozen=True)
class Snapshot:
    """Items as the database has them: status, last change and (posts) accepted reply, and
    each post's footprint."""

    shown: dict[int, tuple[str, datetime, int | None]]
    footprints: Footprints

    def is_public(self, item_id: int) -> bool:
        state = self.shown.get(item_id)
        return state is not None and status_is_public(state[0])


@dataclass(frozen=True)
class Pending:
    """What a flush changes, noted before it runs."""

    new_posts: list[Post]
    posts_before: Snapshot
    authors: list[User]
    tags: list[Tag]


def snapshot(connection: Connection, model: Changeable, ids: Iterable[int]) -> Snapshot:
    """The items as they are now, locked until the transaction ends (PostgreSQL; SQLite's
    writers hold the database's lock already), so that a concurrent change waits for this one
    and moves the listing index from what this one leaves, never from the same state twice."""
    ids = sorted(set(ids))
    if not ids:
        return Snapshot({}, {})
    # A post's page also shows which reply its asker accepted; a change of it is a change.
    accepted = model.accepted_comment_id if model is Post else literal(None)
    rows = connection.execute(
        select(model.id, model.status, model.updated_at, accepted)
        .where(model.id.in_(ids))
        .order_by(model.id)
        .with_for_update()
    ).all()
    shown = {item_id: (status, at, chosen) for item_id, status, at, chosen in rows}
    public = [item_id for item_id, (status, *_) in shown.items() if status_is_public(status)]
    prints = listing_index.footprints(connection, public) if model is Post else {}
    return Snapshot(shown, prints)


def without_count(footprint: Footprint | None) -> Footprint | None:
    return None if footprint is None else replace(footprint, helpful_count=0)


def shows_a_change(before: Snapshot, after: Snapshot, item_id: int) -> bool:
    """Public before or after, and something a reader sees is new."""
    if not (before.is_public(item_id) or after.is_public(item_id)):
        return False
    same_state = before.shown.get(item_id) == after.shown.get(item_id)
    old, new = before.footprints.get(item_id), after.footprints.get(item_id)
    return not (same_state and without_count(old) == without_count(new))


def react(session: Session, model: Changeable, before: Snapshot, after: Snapshot) -> None:
    ids = sorted(before.shown.keys() | after.shown.keys())
    moved = [i for i in ids if before.footprints.get(i) != after.footprints.get(i)]
    if moved:
        listing_index.apply_changes(
            session.connection(),
            {i: before.footprints.get(i) for i in moved},
            {i: after.footprints.get(i) for i in moved},
        )
    shown = [i for i in ids if shows_a_change(before, after, i)]
    if shown:
        mark_public_content_changed(session)
    if model is Post:
        outbox.enqueue(session, {i: after.is_public(i) for i in shown})


@contextmanager
def bulk_change(session: Session, model: Changeable, ids: Iterable[int]) -> Iterator[None]:
    """Around UPDATE or DELETE statements that change these posts or comments."""
    ids = list(ids)
    session.flush()
    before = snapshot(session.connection(), model, ids)
    yield
    react(session, model, before, snapshot(session.connection(), model, ids))


def published_ids(session: Session, listing: Select) -> list[int]:
    listed = listing.order_by(None).subquery()
    return list(session.connection().scalars(select(listed.c.id)))


def requeue_published(session: Session, authors: list[User], tags: list[Tag]) -> None:
    """Queue the published posts whose documents carry these authors' or tags' new facts."""
    listings = [published_by(author) for author in authors]
    listings += [published_in_tag(tag) for tag in tags]
    ids = {post_id for listing in listings for post_id in published_ids(session, listing)}
    outbox.enqueue(session, dict.fromkeys(ids, True))


def _changed(item: object, names: tuple[str, ...]) -> bool:
    attrs = inspect(item).attrs
    return any(attrs[name].history.has_changes() for name in names)


def _dirty(session: Session, model: type, names: tuple[str, ...]) -> list:
    return [obj for obj in session.dirty if isinstance(obj, model) and _changed(obj, names)]


@event.listens_for(Session, "before_flush")
def _note_changes(session: Session, flush_context, instances) -> None:
    session.info.pop(PENDING_KEY, None)
    new_posts = [obj for obj in session.new if isinstance(obj, Post) and obj.is_public]
    persistent = [obj.id for obj in session.deleted if isinstance(obj, Post)] + [
        obj.id for obj in session.dirty if isinstance(obj, Post) and session.is_modified(obj)
    ]
    authors = _dirty(session, User, AUTHOR_FACTS_IN_SEARCH)
    tags = _dirty(session, Tag, TAG_FACTS_IN_SEARCH)
    if new_posts or persistent or authors or tags:
        before = snapshot(session.connection(), Post, persistent)
        session.info[PENDING_KEY] = Pending(new_posts, before, authors, tags)


@event.listens_for(Session, "after_flush")
def _react_to_changes(session: Session, flush_context) -> None:
    pending: Pending | None = session.info.pop(PENDING_KEY, None)
    if pending is None:
        return
    ids = [post.id for post in pending.new_posts] + list(pending.posts_before.shown)
    after = snapshot(session.connection(), Post, ids)
    react(session, Post, pending.posts_before, after)
    requeue_published(session, pending.authors, pending.tags)
