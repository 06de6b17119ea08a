from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user

from app.posts.queries import viewable_post

bp = Blueprint("posts", __name__, url_prefix="/posts")


@bp.get("/<int:post_id>")
@bp.get("/<int:post_id>/<slug>")
def show(post_id: int, slug: str | None = None):
    post = viewable_post(post_id, current_user)
    if post is None:
        abort(404)
    if slug != post.slug:
        return redirect(url_for("posts.show", post_id=post.id, slug=post.slug), 301)
    return render_template("posts/show.html", post=post)
