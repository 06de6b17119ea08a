from __future__ import annotations

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from app.extensions import db
from app.models import Tag
from app.models.enums import TAG_KINDS
from app.posts.queries import paginate, published_counts_by_tag, published_in_tag
from app.web import page_number

bp = Blueprint("tags", __name__, url_prefix="/tags")

POSTS_PER_PAGE = 20


@bp.get("/")
def index():
    tags = db.session.scalars(select(Tag).order_by(Tag.name)).all()
    grouped = {kind: [tag for tag in tags if tag.kind == kind] for kind in TAG_KINDS}
    return render_template("tags/index.html", grouped=grouped, counts=published_counts_by_tag())


@bp.get("/<slug>")
def show(slug: str):
    tag = db.session.scalar(select(Tag).where(Tag.slug == slug))
    if tag is None:
        abort(404)
    posts = paginate(published_in_tag(tag), page_number(), POSTS_PER_PAGE)
    if posts.page > posts.pages:
        abort(404)
    return render_template("tags/show.html", tag=tag, posts=posts)
