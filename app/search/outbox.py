"""Keeping the index true to the database: apply SearchOutbox rows, or rebuild from scratch.

The database decides: a queued post is indexed if it is published now and removed otherwise,
whatever operation was queued. One process at a time applies rows: a non-blocking file lock on
one machine (Whoosh), or, for an index in PostgreSQL, a transaction-scoped advisory lock that
every node shares; rows are read after the lock is taken, so a stale read never overwrites a
newer one, and that backend's index writes commit in the transaction that deletes the rows.
A busy or broken index leaves the rows queued with their attempts counted, and never raises.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.db import begin_writing
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


@contextmanager
def outbox_lock(backend: SearchBackend, *, wait: bool) -> Iterator[bool]:
    """Hold the single-writer lock; yields False at once if another process has it and not wait.

    flock conflicts between any two open files, even in one process, and the kernel drops it
    when a process dies, so a crashed worker never leaves the index locked.
    """
    key = database_lock_key(backend)
    if key is not None:
        with database_lock(key, wait=wait) as locked:
            yield locked
        return
    path = backend.outbox_lock_path
    if path is None:
        yield True
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


def database_lock_key(backend: SearchBackend) -> int | None:
    """The advisory lock key of a backend whose index lives in this app's PostgreSQL database."""
    key = getattr(backend, "outbox_lock_key", None)
    bind = db.session.get_bind()
    if key is None or bind.dialect.name != "postgresql":
        return None
    return key if getattr(backend, "database_url", None) == bind.url else None


@contextmanager
def database_lock(key: int, *, wait: bool) -> Iterator[bool]:
    """An advisory lock held by the session's transaction: it ends with the transaction (here,
    committed or rolled back on leaving, if the work did not end it already), also when the
    process or its connection dies, so no node ever leaves the index locked."""
    begin_writing(db.session())
    if wait:
        db.session.execute(select(func.pg_advisory_xact_lock(key)))
    elif not db.session.scalar(select(func.pg_try_advisory_xact_lock(key))):
        yield False
        return
    try:
        yield True
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()


def index_writes(backend: SearchBackend) -> AbstractContextManager[object]:
    """For a backend in this app's PostgreSQL database: its writes join the session's
    transaction (in a savepoint, so a failed write still lets the attempt be recorded)."""
    writing_in = getattr(backend, "writing_in", None)
    if writing_in is None or database_lock_key(backend) is None:
        return nullcontext()
    return _in_session_transaction(writing_in)


@contextmanager
def _in_session_transaction(
    writing_in: Callable[[Connection], AbstractContextManager[object]],
) -> Iterator[None]:
    with db.session.begin_nested(), writing_in(db.session.connection()):
        yield


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
        with index_writes(backend):
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
    with index_writes(backend):
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
