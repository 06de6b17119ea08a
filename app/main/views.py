from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request

from app import ratelimits
from app.posts.queries import latest_cards
from app.tags.queries import every_tag_with_counts

bp = Blueprint("main", __name__)

HOME_POST_COUNT = 15
MAX_QUERY_ECHO = 500


@bp.get("/")
def home():
    tags, counts = every_tag_with_counts()
    return render_template(
        "main/home.html", posts=latest_cards(HOME_POST_COUNT), tags=tags, tag_counts=counts
    )


@bp.get("/search")
@ratelimits.searching
def search():
    from app.search import SearchError
    from app.search.insights import record_search
    from app.search.results import BadSearch, parse_search_args, suggested_tags
    from app.search.results import search as run_search

    context = {
        "query_text": request.args.get("q", "")[:MAX_QUERY_ECHO],
        "results": None,
        "error": None,
        "args": request.args,
        "tags": suggested_tags(),
    }
    try:
        context["results"] = run_search(parse_search_args(request.args))
    except BadSearch as problem:
        context["error"] = str(problem)
        return render_template("main/search.html", **context), 400
    except SearchError:
        context["error"] = (
            "Search is unavailable for a moment while its index is repaired. "
            "Please try again shortly; browsing by topic still works."
        )
        return render_template("main/search.html", **context), 503
    page = render_template("main/search.html", **context)
    record_search(context["results"])
    return page


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    from app.main.readiness import readiness

    checks = readiness()
    ready = all(result == "ok" for result in checks.values())
    return jsonify(status="ready" if ready else "not ready", checks=checks), (200 if ready else 503)
