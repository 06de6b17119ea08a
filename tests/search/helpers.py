"""Documents and small checks shared by the search tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.search import SearchBackend, SearchDocument, SearchQuery


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
