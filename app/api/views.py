"""JSON API v1: read-only, published content only. Errors are JSON (see app/errors.py)."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request, url_for
from sqlalchemy import select

from app import ratelimits
from app.answers.services import ANSWERED_CHOICES
from app.api import params
from app.api.listing import listed_posts, listing
from app.api.openapi import openapi_document
from app.api.presenters import (
    author_json,
    author_profile_json,
    listed_post_json,
    page_json,
    post_detail_json,
    tag_detail_json,
    tag_json,
)
from app.experiences.reports import tag_report
from app.experiences.services import facts_of
from app.models import Tag, User
from app.models.enums import POST_KINDS, TAG_KINDS
from app.posts.queries import (
    Page,
    counted_total,
    paginate,
    paginate_cards,
    published_count_in_tag,
    published_counts_by_tag,
    viewable_post,
)
from app.posts.references import load_references
from app.search import SearchError
from app.search.insights import record_search
from app.search.results import BadSearch, parse_search_args
from app.search.results import search as run_search

bp = Blueprint("api", __name__, url_prefix="/api/v1")
ratelimits.api_calls(bp)

MAX_PER_PAGE = params.MAX_PER_PAGE
READ_METHODS = ("GET", "HEAD", "OPTIONS")


def next_url(page: Page, **filters) -> str | None:
    """Root-relative URL of the following page, keeping the filters, or None on the last."""
    if not page.has_next:
        return None
    kept = {name: value for name, value in filters.items() if value is not None}
    return url_for(request.endpoint, page=page.page + 1, per_page=page.per_page, **kept)


@bp.get("/posts")
def list_posts():
    paging = params.page_args()
    kind = params.choice("kind", POST_KINDS)
    tagged = params.tag_filter(kind)
    tag = tagged[0] if tagged is not None else None
    author = params.author_filter()
    answered = params.choice("answered", ANSWERED_CHOICES)
    if answered is not None:
        total = None  # the counters do not know which questions are answered: count the rows
    elif tagged is not None and author is None:
        total = tagged[1]
    else:
        total = counted_total(tag, author, kind)
    page = paginate_cards(
        listing(tag is not None, author is not None, kind, answered),
        listing_values(tag, author),
        paging.page,
        paging.per_page,
        total,
        items_of=listed_posts,
    )
    filters = {
        "tag": tag.slug if tag else None,
        "author": author.username if author else None,
        "kind": kind,
        "answered": answered,
    }
    return jsonify(page_json(page, listed_post_json, next_url(page, **filters)))


def listing_values(tag: Tag | None, author: User | None) -> dict:
    values = {"listed_tag_id": tag.id} if tag is not None else {}
    return values | ({"listed_author_id": author.id} if author is not None else {})


@bp.get("/posts/<post_id>")
def show_post(post_id: str):
    number = params.id_number(post_id)
    post = viewable_post(number, None) if number is not None else None
    if post is None:
        abort(404, description="There is no published post with that id.")
    facts = facts_of(post.id) if post.kind == "experience" else None
    return jsonify(post_detail_json(post, load_references(post), facts))


@bp.get("/tags")
def list_tags():
    paging = params.page_args()
    kind = params.choice("kind", TAG_KINDS)
    query = select(Tag).order_by(Tag.name, Tag.id)
    if kind is not None:
        query = query.where(Tag.kind == kind)
    page = paginate(query, paging.page, paging.per_page)
    counts = published_counts_by_tag()
    return jsonify(
        page_json(page, lambda tag: tag_json(tag, counts.get(tag.id, 0)), next_url(page, kind=kind))
    )


@bp.get("/tags/<slug>")
def show_tag(slug: str):
    tag = params.find_tag(slug)
    if tag is None:
        abort(404, description=f"There is no tag {slug!r}.")
    return jsonify(tag_detail_json(tag, published_count_in_tag(tag)))


@bp.get("/tags/<slug>/reports")
def tag_reports(slug: str):
    tag = params.find_tag(slug)
    if tag is None:
        abort(404, description=f"There is no tag {slug!r}.")
    return jsonify(tag_report(tag).as_json(tag))


@bp.get("/authors/<username>")
def show_author(username: str):
    found = params.public_author(username)
    if found is None:
        abort(404, description=f"There is no author {username!r}.")
    return jsonify(author_profile_json(*found))


@bp.get("/search")
def search():
    try:
        results = run_search(parse_search_args(request.args, MAX_PER_PAGE))
    except BadSearch as problem:
        abort(400, description=str(problem))
    except SearchError:
        abort(503, description="Search is temporarily unavailable while its index is repaired.")
    query = results.query
    response = jsonify(
        {
            "total": results.total,
            "total_is_estimate": results.total_is_estimate,
            "page": query.page,
            "per_page": query.per_page,
            "suggestion": results.suggestion,
            "results": [
                {
                    "id": row.post.id,
                    "title": row.post.title,
                    "url": row.post.path,
                    "snippet": str(row.snippet_html),
                    "author": author_json(row.post.author),
                    "tags": [tag.slug for tag in row.post.tags],
                    "kind": row.post.kind,
                    "published_at": row.post.published_at.isoformat(),
                }
                for row in results.rows
            ],
        }
    )
    record_search(results)
    return response


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.after_app_request
def read_only_cors(response):
    """Any origin may read the API (no credentials); nothing may write to it."""
    if request.path.startswith(bp.url_prefix + "/") and request.method in READ_METHODS:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Methods"] = "GET"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Max-Age"] = "86400"
    return response
