"""JSON API v1: read-only, published content only. Errors are JSON (see app/errors.py)."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from app.models import Post, User
from app.search import SearchError
from app.search.results import BadSearch, parse_search_args
from app.search.results import search as run_search

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_PER_PAGE = 100


def author_json(user: User) -> dict:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "verified": user.is_verified_provider,
    }


def post_url(post: Post) -> str:
    return post.path


@bp.get("/search")
def search():
    try:
        results = run_search(parse_search_args(request.args, MAX_PER_PAGE))
    except BadSearch as problem:
        abort(400, description=str(problem))
    except SearchError:
        abort(503, description="Search is temporarily unavailable while its index is repaired.")
    query = results.query
    return jsonify(
        {
            "total": results.total,
            "page": query.page,
            "per_page": query.per_page,
            "suggestion": results.suggestion,
            "results": [
                {
                    "id": row.post.id,
                    "title": row.post.title,
                    "url": post_url(row.post),
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


@bp.after_request
def read_only_cors(response):
    if request.method in ("GET", "HEAD", "OPTIONS"):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Methods"] = "GET"
    return response
