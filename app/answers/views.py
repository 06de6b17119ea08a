"""Accepting the reply that answered a question, and the providers' list of open questions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.answers import services
from app.extensions import db
from app.models import Comment
from app.posts.queries import paginate
from app.web import page_number

bp = Blueprint("answers", __name__)

QUESTIONS_PER_PAGE = 20


@bp.post("/comments/<int:comment_id>/accept")
@login_required
def accept(comment_id: int):
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.status == "deleted":
        abort(404, description="There is no reply with that number.")
    raw = request.form.get("post_id", "")
    post_id = int(raw) if raw.isascii() and raw.isdigit() else None
    post = services.accept(comment, post_id, current_user)
    db.session.commit()
    flash("Marked as the reply that answered your question.", "success")
    return redirect(
        url_for("posts.show", post_id=post.id, slug=post.slug) + f"#comment-{comment.id}"
    )


@bp.get("/providers/questions")
@login_required
def provider_questions():
    if not current_user.is_verified_provider:
        abort(403, description="This page is for verified providers.")
    query = services.unanswered_in_followed_tags(current_user)
    questions = paginate(query, page_number(), QUESTIONS_PER_PAGE)
    if questions.page > questions.pages:
        abort(404)
    return render_template("answers/provider_questions.html", questions=questions)
