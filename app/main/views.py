from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from sqlalchemy import or_, select

from app.extensions import db
from app.models import Post, Tag
from app.posts.queries import latest_published, paginate, published_counts_by_tag, published_posts
from app.web import page_number

bp = Blueprint("main", __name__)

HOME_POST_COUNT = 15
MAX_QUERY_LENGTH = 200


@bp.get("/")
def home():
    tags = db.session.scalars(select(Tag).order_by(Tag.kind, Tag.name)).all()
    return render_template(
        "main/home.html",
        posts=latest_published(HOME_POST_COUNT),
        tags=tags,
        tag_counts=published_counts_by_tag(),
    )


@bp.get("/search")
def search():
    """Title and body matching over published posts, until the full-text index arrives."""
    query = request.args.get("q", "").strip()
    page = page_number()
    if len(query) > MAX_QUERY_LENGTH:
        return render_template(
            "main/search.html",
            query=query[:MAX_QUERY_LENGTH],
            results=None,
            error=f"Please shorten your search to {MAX_QUERY_LENGTH} characters.",
        ), 400
    results = None
    if query:
        words = [w for w in query.split() if w][:8]
        conditions = [
            or_(
                Post.title.icontains(word, autoescape=True),
                Post.body_source.icontains(word, autoescape=True),
            )
            for word in words
        ]
        results = paginate(published_posts().where(*conditions), page, 20)
    return render_template("main/search.html", query=query, results=results, error=None)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")
