"""Keeping the index true to the database: apply SearchOutbox rows, or rebuild from scratch.

The database decides: a queued post is indexed if it is published now and removed otherwise,
whatever operation was queued. One process at a time applies rows, under the backend's
`outbox_lock` (a file lock on one machine for Whoosh, an advisory lock every node shares for
PostgreSQL); rows are read after the lock is taken, so a stale read never overwrites a newer
one, and an index in the app's database writes in the transaction that deletes the rows
(`index_writes`).
A busy or broken index leaves the rows queued with their attempts counted, and never raises.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Post, SearchOutbox
from app.posts.queries import published_posts, published_with_ids
from app.search import (
    IndexBusy,
    SearchBackend,
    SearchDocument,
    SearchUnavailable,
    document_for,
)

APPLY_LIMIT = 500
REBUILD_BATCH = 500
ERROR_LENGTH = 500
QUEUED_KEY = "search_outbox_queued"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutboxStatus:
    pending: int
    failing: int


def enqueue(session: Session, public: Mapping[int, bool]) -> None:
    """Queue these posts (each with whether it is public now) in the session's transaction;
    app.posts.changes is the one caller."""
    rows = [
        {"post_id": post_id, "operation": "index" if is_public else "remove"}
        for post_id, is_public in sorted(public.items())
    ]
    if rows:
        session.connection().execute(insert(SearchOutbox), rows)
        session.info[QUEUED_KEY] = True


def outbox_lock(backend: SearchBackend, *, wait: bool) -> AbstractContextManager[bool]:
    """The backend's single-applier lock (see SearchBackend.outbox_lock)."""
    return backend.outbox_lock(wait=wait)


def apply_pending(backend: SearchBackend, limit: int = APPLY_LIMIT) -> int:
    """Apply up to `limit` oldest outbox rows; returns how many rows were applied (0 on failure)."""
    with outbox_lock(backend, wait=False) as locked:
        if not locked:
            return 0
        try:
            return _apply_batch(backend, limit)
        except SQLAlchemyError as error:
            db.session.rollback()
            log.warning("search outbox: database error, rows stay queued: %s", error)
            return 0


def _apply_batch(backend: SearchBackend, limit: int) -> int:
    rows = list(db.session.scalars(select(SearchOutbox).order_by(SearchOutbox.id).limit(limit)))
    if not rows:
        return 0
    post_ids = {row.post_id for row in rows}
    try:
        documents = published_documents(post_ids)
        gone = post_ids - {doc.post_id for doc in documents}
        with backend.index_writes():
            backend.index(documents)
            backend.remove(gone)
    except SQLAlchemyError:
        raise
    except Exception as error:  # the request that triggered this must never see it
        record_failure(rows, error)
        return 0
    db.session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_([row.id for row in rows])))
    db.session.commit()
    return len(rows)


def drain(backend: SearchBackend, limit: int = APPLY_LIMIT) -> int:
    """Apply batches until the outbox is empty or a batch fails; returns rows applied."""
    applied = 0
    while (batch := apply_pending(backend, limit)) > 0:
        applied += batch
    return applied


def record_failure(rows: list[SearchOutbox], error: Exception) -> None:
    if isinstance(error, IndexBusy | SearchUnavailable):
        log.warning("search outbox: %d rows wait for a retry: %s", len(rows), error)
    else:
        log.error("search outbox: %d rows failed", len(rows), exc_info=error)
    message = f"{type(error).__name__}: {error}"[:ERROR_LENGTH]
    for row in rows:
        row.attempts += 1
        row.last_error = message
    db.session.commit()


def published_documents(post_ids: set[int]) -> list[SearchDocument]:
    return [document_for(post) for post in published_with_ids(sorted(post_ids)).values()]


def iter_published_documents(batch: int = REBUILD_BATCH) -> Iterator[SearchDocument]:
    """Every published post as a document, read in id order one batch at a time."""
    after = 0
    while True:
        page = published_posts(with_bodies=True).order_by(None).where(Post.id > after)
        page = page.order_by(Post.id)
        posts = list(db.session.scalars(page.limit(batch)))
        if not posts:
            return
        for post in posts:
            yield document_for(post)
        after = posts[-1].id


def rebuild_from_database(backend: SearchBackend) -> int:
    """Rebuild the index from the published posts; returns the number of documents.

    Holds the outbox lock throughout, so no row is applied to the old index while the new one is
    built. Rows queued before the rebuild began are covered by it and deleted; rows queued
    during it stay and are applied afterwards (applying is idempotent).
    """
    with outbox_lock(backend, wait=True):
        return _rebuild(backend)


def _rebuild(backend: SearchBackend) -> int:
    covered = db.session.scalar(select(func.max(SearchOutbox.id))) or 0
    with backend.index_writes():
        count = backend.rebuild(iter_published_documents())
    db.session.execute(delete(SearchOutbox).where(SearchOutbox.id <= covered))
    db.session.commit()
    return count


def ensure_index(backend: SearchBackend) -> bool:
    """Rebuild the index if it is missing or unreadable (for start-up); True if it rebuilt."""
    try:
        backend.check()
        return False
    except SearchUnavailable as problem:
        log.warning("search index unusable, rebuilding: %s", problem)
    with outbox_lock(backend, wait=True):
        try:
            backend.check()
            return False  # another process repaired it while this one waited
        except SearchUnavailable:
            _rebuild(backend)
            return True


def outbox_status() -> OutboxStatus:
    pending = db.session.scalar(select(func.count(SearchOutbox.id))) or 0
    failing = (
        db.session.scalar(select(func.count(SearchOutbox.id)).where(SearchOutbox.attempts > 0)) or 0
    )
    return OutboxStatus(pending=pending, failing=failing)
