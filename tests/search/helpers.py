"""Documents and small checks shared by the search tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from app.search import SearchBackend, SearchDocument, SearchQuery
from app.search.postgres_backend import DOCUMENTS, WORDS, PostgresBackend


def doc(
    post_id: int,
    title: str,
    body: str = "",
    *,
    tags: tuple[str, ...] = (),
    kind: str = "experience",
    role: str = "patient",
    days_ago: float = 1,
    username: str = "member",
) -> SearchDocument:
    return SearchDocument(
        post_id=post_id,
        title=title,
        body_text=body,
        tags=list(tags),
        tag_names=[tag.replace("-", " ").title() for tag in tags],
        kind=kind,
        author_role=role,
        author_username=username,
        published_at=datetime.now(UTC) - timedelta(days=days_ago),
    )


def found(backend: SearchBackend, text: str, **options) -> list[int]:
    """Post ids of the first page of a search, best first."""
    return backend.search(SearchQuery(text, **options)).post_ids


def stored_bytes(backend: SearchBackend, index_dir: Path) -> bytes:
    """Everything the index keeps: its files, or its tables' rows as text."""
    if isinstance(backend, PostgresBackend):
        with backend.engine.connect() as connection:
            rows = [
                connection.scalar(
                    sa.text(f"SELECT coalesce(string_agg(t::text, ' '), '') FROM {table} AS t")
                )
                for table in (DOCUMENTS, WORDS)
            ]
        return " ".join(rows).encode()
    return b"".join(path.read_bytes() for path in index_dir.rglob("*") if path.is_file())
