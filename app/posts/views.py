from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import ratelimits
from app.answers.services import ordered_replies
from app.cache import expire_cached_page_at
from app.db import today
from app.experiences.facts import FactInputError
from app.experiences.services import facts_of
from app.extensions import db
from app.models import Comment, Post, Revision, Tag
from app.moderation.flags import flag
from app.posts import references, services
from app.posts.forms import CommentForm, FlagForm, PostForm
from app.posts.queries import tags_of, viewable_post, visible_comments
from app.posts.related import read_next
from app.posts.services import PostInputError
from app.web import add_form_error

bp = Blueprint("posts", __name__, url_prefix="/posts")

STATUS_MESSAGES = {
    "published": ("Your post is published.", "success"),
    "pending": (
        "Thank you. A moderator will review your post before it appears; "
        "you will get a notification.",
        "info",
    ),
    "draft": ("Draft saved. Only you can see it.", "info"),
}


def post_url(post: Post) -> str:
    return url_for("posts.show", post_id=post.id, slug=post.slug)


def post_or_404(post_id: int, *, with_tags: bool = True) -> Post:
    post = viewable_post(post_id, current_user, with_tags=with_tags)
    if post is None:
        abort(404)
    return post


@bp.get("/<int:post_id>")
@bp.get("/<int:post_id>/<slug>")
def show(post_id: int, slug: str | None = None):
    post = post_or_404(post_id, with_tags=False)
    if slug != post.slug:
        return redirect(post_url(post), 301)
    tags = tags_of(post.id)
    next_reads = read_next(post, tags)
    return render_template(
        "posts/show.html",
        post=post,
        tags=tags,
        facts=facts_of(post.id) if post.kind == "experience" else None,
        comments=ordered_replies(post, visible_comments(post, current_user)),
        comment_form=CommentForm() if current_user.is_authenticated else None,
        flag_form=FlagForm() if current_user.is_authenticated else None,
        related=next_reads.related,
        neighbours=next_reads.neighbours,
        **article_extras(post),
    )


def article_extras(post: Post) -> dict:
    """An article's references and review date; a cached copy of its page lasts only until
    the review falls due, when the page starts to say so."""
    due = post.review_due
    overdue = references.is_overdue(due, today())
    if due is not None and not overdue:
        expire_cached_page_at(references.start_of(due))
    return {
        "references": references.load_references(post),
        "review_due": due,
        "review_overdue": overdue,
    }


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = PostForm().for_author(current_user)
    if request.method == "GET":
        return render_post_form(form, None)
    return save_post_form(form, None)


@bp.route("/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int):
    post = post_or_404(post_id)
    if post.author_id != current_user.id:
        abort(
            403,
            description="Only the author can edit a post. Moderators can hide or "
            "remove it, with a reason the author sees.",
        )
    if request.method == "GET":
        form = PostForm(
            obj=post,
            tags=", ".join(tag.slug for tag in post.tags),
            references=references.references_text(references.load_references(post)),
        )
        form.show_facts(facts_of(post.id))
        return render_post_form(form.for_author(current_user), post)
    return save_post_form(PostForm().for_author(current_user), post)


def save_post_form(form: PostForm, post: Post | None):
    intent = request.form.get("intent", "submit")
    title, body = form.title.data or "", form.body.data or ""
    article = {
        "references": form.references.data or "",
        "review_due": form.review_due_on.data or "",
    }
    try:
        tags = services.resolve_tags(form.tags.data or "")
        facts = form.facts()
        if intent == "preview":
            services.check_post_input(current_user, form.kind.data, title.strip(), body.strip())
            services.check_article_extras(
                form.kind.data, article["references"], article["review_due"], post
            )
            preview = services.render_for(current_user, title, body)
            return render_post_form(form, post, preview=preview, preview_tags=tags)
        if post is None:
            duplicate = services.recent_duplicate(current_user, title.strip(), body.strip())
            if duplicate is not None:
                add_form_error(form, "body", "You already sent this post a moment ago.")
                return render_post_form(form, None, duplicate=duplicate), 409
            post = services.create_post(
                author=current_user,
                kind=form.kind.data,
                title=title,
                body=body,
                tags=tags,
                submit=intent == "submit",
                **article,
                facts=facts,
            )
        else:
            services.update_post(
                post,
                editor=current_user,
                kind=form.kind.data,
                title=title,
                body=body,
                tags=tags,
                submit=intent == "submit",
                **article,
                facts=facts,
            )
    except PostInputError as error:
        for message in error.messages:
            add_form_error(form, error.field, message)
        db.session.rollback()
        return render_post_form(form, post), 400
    except FactInputError as error:
        add_form_error(form, f"fact_{error.field}", str(error))
        db.session.rollback()
        return render_post_form(form, post), 400
    db.session.commit()
    flash(*STATUS_MESSAGES.get(post.status, ("Saved.", "info")))
    return redirect(post_url(post))


def render_post_form(form: PostForm, post: Post | None, **extra):
    tags = db.session.scalars(select(Tag).order_by(Tag.kind, Tag.name)).all()
    return render_template("posts/form.html", form=form, post=post, all_tags=tags, **extra)


@bp.post("/<int:post_id>/withdraw")
@login_required
def withdraw(post_id: int):
    post = post_or_404(post_id)
    services.withdraw(post, current_user)
    db.session.commit()
    flash("Your post is withdrawn. It is no longer visible to anyone.", "info")
    return redirect(url_for("account.my_posts"))


@bp.post("/<int:post_id>/review")
@login_required
def review(post_id: int):
    post = post_or_404(post_id)
    services.record_medical_review(post, current_user)
    db.session.commit()
    flash("Thank you: your medical review is recorded on the article.", "success")
    return redirect(post_url(post))


@bp.get("/<int:post_id>/history")
@login_required
def history(post_id: int):
    post = post_or_404(post_id)
    if not (current_user.is_moderator or post.author_id == current_user.id):
        abort(403)
    revisions = db.session.scalars(
        select(Revision).where(Revision.post_id == post.id).order_by(Revision.created_at.desc())
    ).all()
    return render_template("posts/history.html", post=post, revisions=revisions)


@bp.post("/<int:post_id>/flag")
@login_required
@ratelimits.flagging
def flag_post(post_id: int):
    post = post_or_404(post_id)
    return submit_flag(post, post)


def submit_flag(item, post: Post):
    form = FlagForm()
    services.ensure_can_write(current_user)
    flag(item, current_user, form.reason.data or "", form.note.data or "")
    db.session.commit()
    flash("Thank you. The moderators will take a look.", "success")
    return redirect(post_url(post))


@bp.post("/<int:post_id>/comments")
@login_required
def comment(post_id: int):
    post = post_or_404(post_id)
    form = CommentForm()
    try:
        created = services.create_comment(post=post, author=current_user, body=form.body.data or "")
    except PostInputError as error:
        db.session.rollback()
        add_form_error(form, "body", str(error))
        return render_template(
            "posts/show.html",
            post=post,
            tags=tags_of(post.id),
            comments=ordered_replies(post, visible_comments(post, current_user)),
            comment_form=form,
            flag_form=FlagForm(),
            **article_extras(post),
        ), 400
    db.session.commit()
    if created.is_public:
        flash("Your reply is published.", "success")
    else:
        flash("Thank you. Your reply will appear once a moderator has looked at it.", "info")
    return redirect(post_url(post) + f"#comment-{created.id}")


@bp.post("/comments/<int:comment_id>/flag")
@login_required
@ratelimits.flagging
def flag_comment(comment_id: int):
    comment, post = comment_and_post(comment_id)
    return submit_flag(comment, post)


@bp.post("/comments/<int:comment_id>/withdraw")
@login_required
def withdraw_comment(comment_id: int):
    comment, post = comment_and_post(comment_id)
    services.withdraw(comment, current_user)
    db.session.commit()
    flash("Your reply is withdrawn.", "info")
    return redirect(post_url(post))


def comment_and_post(comment_id: int) -> tuple[Comment, Post]:
    comment = db.session.scalar(
        select(Comment).where(Comment.id == comment_id).options(selectinload(Comment.author))
    )
    if comment is None:
        abort(404)
    post = post_or_404(comment.post_id)
    if comment not in visible_comments(post, current_user):
        abort(404)
    return comment, post
