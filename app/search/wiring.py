"""How the rest of the app uses search: outbox rows applied after each commit, a check of the
index on each worker's first request, and the search commands."""

from __future__ import annotations

import logging
import threading

from flask import Flask, g, has_request_context
from sqlalchemy import event
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from app.models import SearchOutbox
from app.search.outbox import QUEUED_KEY

log = logging.getLogger(__name__)
CHECKED_KEY = "search_index_checked"
_check_lock = threading.Lock()


@event.listens_for(Session, "after_flush")
def _note_outbox_rows(session: Session, flush_context) -> None:
    if any(isinstance(obj, SearchOutbox) for obj in session.new):
        session.info[QUEUED_KEY] = True


@event.listens_for(Session, "after_commit")
def _hand_over_to_request(session: Session) -> None:
    if session.info.pop(QUEUED_KEY, False) and has_request_context():
        g.search_outbox_queued = True


@event.listens_for(Session, "after_soft_rollback")
def _forget_rows(session: Session, previous_transaction) -> None:
    if not session.in_transaction():
        session.info.pop(QUEUED_KEY, None)


def apply_after_commit(response):
    """Apply this request's queued index changes before answering, so the next request sees
    them; a busy or broken index leaves them queued (never an error for the member). Tidying
    the index after changes waits until the response has been sent."""
    if g.pop("search_outbox_queued", False):
        from flask import current_app

        from app.search import get_backend
        from app.search.outbox import apply_pending

        backend = get_backend(current_app)
        try:
            applied = apply_pending(backend)
        except Exception:  # the member's change is committed; the outbox keeps the rest
            log.exception("search outbox could not be applied after a request")
        else:
            if applied:
                response.call_on_close(lambda: tidy_quietly(backend))
    return response


def tidy_quietly(backend) -> None:
    """Merge a Whoosh index's small segments (PostgreSQL's autovacuum needs no help)."""
    from app.search.whoosh_backend import WhooshBackend

    if not isinstance(backend, WhooshBackend):
        return
    try:
        backend.tidy()
    except Exception:  # a later tidy, sync or rebuild does it
        log.exception("search index could not be tidied")


def check_index_once():
    """On a worker's first request: rebuild a missing or corrupt index from the database, and
    apply changes a previous worker queued but did not live to apply."""
    from flask import current_app

    if current_app.extensions.get(CHECKED_KEY):
        return None
    with _check_lock:
        if current_app.extensions.get(CHECKED_KEY):
            return None
        current_app.extensions[CHECKED_KEY] = True
        from app.search import SearchError, get_backend
        from app.search.outbox import apply_pending, ensure_index

        try:
            backend = get_backend(current_app)
            if ensure_index(backend):
                log.warning("search index was missing or unreadable and has been rebuilt")
            apply_pending(backend)
        except (SearchError, OperationalError, ProgrammingError) as problem:
            log.error("search index check failed; searches will say so: %s", problem)
    return None


def drain_outbox(app: Flask) -> None:
    from app.search import get_backend
    from app.search.outbox import drain

    drain(get_backend(app))


def register(app: Flask) -> None:
    from app.search.cli import register as register_commands

    register_commands(app)
    app.extensions["after_bulk_change"] = lambda: drain_outbox(app)
    app.before_request(check_index_once)
    app.after_request(apply_after_commit)
