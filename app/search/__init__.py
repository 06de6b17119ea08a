"""Full-text search: one interface, chosen by SEARCH_BACKEND, fed from the SearchOutbox.

The database is the truth and the index is a cache of published posts only. Views build a
SearchQuery, call `get_backend(app).search(query)`, load the hits' posts through the visibility
helpers and ask the backend for snippets of their current titles and bodies (`highlight_title`,
`highlight_body`), never the index's copy, which may lag behind an edit.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from flask import Flask

    from app.models import Post

MAX_QUERY_LENGTH = 500
MAX_PER_PAGE = 100
SORTS = ("relevance", "newest")
EXTENSION_KEY = "search"

_backend_lock = threading.Lock()


class SearchError(RuntimeError):
    """Base class of every error the search layer raises on purpose."""


class SearchUnavailable(SearchError):
    """The index is missing, corrupt or built by another schema: rebuild it."""


class IndexBusy(SearchError):
    """Another process holds the index write lock; leave the change queued and retry."""


class QueryTooLong(SearchError, ValueError):
    """The query text is longer than MAX_QUERY_LENGTH; the caller answers 400."""


@dataclass(frozen=True)
class SearchQuery:
    text: str
    tag: str | None = None
    kind: str | None = None
    role: str | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10


@dataclass
class SearchHit:
    post_id: int
    score: float
    highlights: dict[str, str] = field(default_factory=dict)


@dataclass
class SearchPage:
    hits: list[SearchHit]
    total: int
    page: int
    per_page: int
    suggestion: str | None = None
    relaxed: bool = False
    # True when `total` is an estimate (a very common query): show it as "about N".
    total_is_estimate: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def post_ids(self) -> list[int]:
        return [hit.post_id for hit in self.hits]


@dataclass(frozen=True)
class SearchDocument:
    """What the index may know about a post: public fields only, never an email."""

    post_id: int
    title: str
    body_text: str
    tags: list[str]
    tag_names: list[str]
    kind: str
    author_role: str
    author_username: str
    published_at: datetime


class SearchBackend(Protocol):
    """What every backend offers; tests/search/test_contract.py is its specification."""

    def outbox_lock(self, *, wait: bool) -> AbstractContextManager[bool]:
        """Held while outbox rows are applied or the index rebuilt: True once held, False at
        once when another process holds it and not `wait`."""
        ...

    def index_writes(self) -> AbstractContextManager[object]:
        """Where the writes made inside it go: an index in the app's database joins the
        session's transaction (in a savepoint), others write on their own."""
        ...

    def index(self, docs: Iterable[SearchDocument]) -> None: ...

    def remove(self, post_ids: Iterable[int]) -> None: ...

    def search(self, query: SearchQuery) -> SearchPage: ...

    def highlight_body(self, text: str, query: SearchQuery) -> str: ...

    def highlight_title(self, title: str, query: SearchQuery) -> str: ...

    def rebuild(self, docs: Iterable[SearchDocument]) -> int: ...

    def doc_count(self) -> int: ...

    def check(self) -> None: ...

    def compact(self) -> None: ...

    def reload_synonyms(self) -> int: ...

    def close(self) -> None: ...


def clean_query_text(text: str) -> str:
    """Query text with control characters turned into spaces; QueryTooLong past the limit."""
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryTooLong(f"Search text is limited to {MAX_QUERY_LENGTH} characters.")
    cleaned = "".join(" " if _is_control(char) else char for char in text)
    return " ".join(cleaned.split())


def _is_control(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn")


def validate_paging(query: SearchQuery) -> None:
    if query.page < 1:
        raise ValueError("page must be 1 or more")
    if not 1 <= query.per_page <= MAX_PER_PAGE:
        raise ValueError(f"per_page must be between 1 and {MAX_PER_PAGE}")
    if query.sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}")


def get_backend(app: Flask) -> SearchBackend:
    """The process's backend for this app, built once and kept in app.extensions."""
    backend = app.extensions.get(EXTENSION_KEY)
    if backend is None:
        with _backend_lock:
            backend = app.extensions.get(EXTENSION_KEY)
            if backend is None:
                with app.app_context():
                    backend = build_backend(app.config)
                app.extensions[EXTENSION_KEY] = backend
    return backend


def close_backend(app: Flask) -> None:
    backend = app.extensions.pop(EXTENSION_KEY, None)
    if backend is not None:
        backend.close()


def build_backend(config: dict) -> SearchBackend:
    """The backend SEARCH_BACKEND names; PostgreSQL's uses the app's engine (an app context)."""
    choice = config.get("SEARCH_BACKEND", "whoosh")
    if choice == "whoosh":
        from app.search.whoosh_backend import WhooshBackend

        return WhooshBackend(
            config["SEARCH_INDEX_DIR"], synonyms_path=config.get("SEARCH_SYNONYMS_FILE")
        )
    if choice == "postgres":
        from app.search.postgres_backend import PostgresBackend

        url = config.get("SQLALCHEMY_DATABASE_URI") or config.get("DATABASE_URL") or ""
        if not url.startswith("postgresql"):
            raise SearchUnavailable(
                "SEARCH_BACKEND=postgres needs a PostgreSQL DATABASE_URL; "
                "use SEARCH_BACKEND=whoosh with SQLite."
            )
        from app.extensions import db

        return PostgresBackend(db.engine, synonyms_path=config.get("SEARCH_SYNONYMS_FILE"))
    raise SearchUnavailable(f"Unknown SEARCH_BACKEND {choice!r}.")


def document_for(post: Post) -> SearchDocument:
    """The index document of a published post (author and tags must be loaded)."""
    from app.content import plain_text

    if post.published_at is None:
        raise ValueError(f"post {post.id} has no published_at; only published posts are indexed")
    return SearchDocument(
        post_id=post.id,
        title=post.title,
        body_text=plain_text(post.body_html),
        tags=[tag.slug for tag in post.tags],
        tag_names=[tag.name for tag in post.tags],
        kind=post.kind,
        author_role=post.author.role,
        author_username=post.author.username,
        published_at=post.published_at,
    )


__all__ = [
    "MAX_QUERY_LENGTH",
    "IndexBusy",
    "QueryTooLong",
    "SearchBackend",
    "SearchDocument",
    "SearchError",
    "SearchHit",
    "SearchPage",
    "SearchQuery",
    "SearchUnavailable",
    "clean_query_text",
    "close_backend",
    "document_for",
    "get_backend",
]
