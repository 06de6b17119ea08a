"""One search as both the page and the API see it: parse the arguments, ask the backend, and
join the hits to the database through the visibility rules (the index is only a cache)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from markupsafe import Markup
from sqlalchemy import select

from app.content import plain_text
from app.extensions import db
from app.models import Post, Tag
from app.models.enums import POST_KINDS, ROLES
from app.posts.queries import published_with_ids
from app.search import (
    MAX_QUERY_LENGTH,
    SORTS,
    SearchQuery,
    clean_query_text,
    get_backend,
)

PER_PAGE = 10
MAX_PAGE = 1000
SUGGESTED_TAG_COUNT = 8


class BadSearch(ValueError):
    """A parameter that cannot be searched with; the message says which and why (400)."""


@dataclass
class ResultRow:
    """Highlights are escaped by the search layer except for its own <mark> tags."""

    post: Post
    title_html: Markup
    snippet_html: Markup


@dataclass
class SearchResults:
    query: SearchQuery
    rows: list[ResultRow] = field(default_factory=list)
    total: int = 0
    suggestion: str | None = None
    relaxed: bool = False
    total_is_estimate: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.per_page))


def parse_search_args(args, max_per_page: int = PER_PAGE) -> SearchQuery:
    """A SearchQuery from request arguments, or BadSearch with a message for the person."""
    raw = args.get("q", "")
    if len(raw) > MAX_QUERY_LENGTH:
        raise BadSearch(f"Please shorten your search to {MAX_QUERY_LENGTH} characters.")
    text = clean_query_text(raw)
    tag = args.get("tag", "").strip().lower() or None
    kind = args.get("kind", "").strip().lower() or None
    role = args.get("role", "").strip().lower() or None
    sort = args.get("sort", "").strip().lower() or "relevance"
    if kind is not None and kind not in POST_KINDS:
        raise BadSearch(f"kind must be one of {', '.join(POST_KINDS)}.")
    if role is not None and role not in ROLES:
        raise BadSearch(f"role must be one of {', '.join(ROLES)}.")
    if sort not in SORTS:
        raise BadSearch(f"sort must be one of {', '.join(SORTS)}.")
    if tag is not None and db.session.scalar(select(Tag.id).where(Tag.slug == tag)) is None:
        raise BadSearch(f"There is no tag {tag!r}.")
    page = _whole_number(args.get("page", "1"), "page", 1, MAX_PAGE)
    per_page = _whole_number(args.get("per_page", str(PER_PAGE)), "per_page", 1, max_per_page)
    return SearchQuery(
        text=text, tag=tag, kind=kind, role=role, sort=sort, page=page, per_page=per_page
    )


def _whole_number(raw: str, name: str, low: int, high: int) -> int:
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise BadSearch(f"{name} must be a whole number from {low} to {high}.")
    return int(raw)


def search(query: SearchQuery) -> SearchResults:
    """Run the search; posts that are no longer published are dropped, never shown or counted,
    and titles and snippets come from the posts as they are now (the index may lag behind)."""
    if not query.text:
        return SearchResults(query=query)
    backend = get_backend(current_app)
    page = backend.search(query)
    posts = published_with_ids(page.post_ids)
    rows = []
    for hit in page.hits:
        post = posts.get(hit.post_id)
        if post is None:
            continue
        rows.append(
            ResultRow(
                post=post,
                title_html=Markup(backend.highlight_title(post.title, query)),
                snippet_html=Markup(backend.highlight_body(plain_text(post.body_html), query)),
            )
        )
    return SearchResults(
        query=query,
        rows=rows,
        total=max(0, page.total - (len(page.hits) - len(rows))),
        suggestion=page.suggestion,
        relaxed=page.relaxed,
        total_is_estimate=page.total_is_estimate,
    )


def suggested_tags() -> list[Tag]:
    return list(
        db.session.scalars(select(Tag).order_by(Tag.kind, Tag.name).limit(SUGGESTED_TAG_COUNT))
    )
