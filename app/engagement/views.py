"""Helpful reactions, bookmarks, follows and the personal feed."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from app import ratelimits
from app.account.profile import shown_conditions
from app.authors.views import profile_is_public
from app.engagement import services
from app.extensions import db
from app.models import Post, Tag, User
from app.posts.queries import paginate, published_count_by, viewable_post
from app.security import safe_next
from app.web import page_number

bp = Blueprint("engagement", __name__)

POSTS_PER_PAGE = 20


def back_to(fallback: str):
    return redirect(safe_next(request.form.get("next"), fallback))


def post_or_404(post_id: int) -> Post:
    post = viewable_post(post_id, current_user)
    if post is None:
        abort(404)
    return post


def public_author_or_404(username: str) -> User:
    author = db.session.scalar(select(User).where(User.username == username.lower()))
    if author is None or not profile_is_public(author, published_count_by(author)):
        abort(404)
    return author


@bp.post("/posts/<int:post_id>/helpful")
@login_required
@ratelimits.engaging
def helpful(post_id: int):
    post = post_or_404(post_id)
    marked = services.toggle_helpful(post, current_user)
    db.session.commit()
    if marked:
        flash("Thank you: you marked this post as helpful.", "success")
    else:
        flash("You took back your helpful mark.", "info")
    return back_to(post.path + "#helpful")


@bp.post("/posts/<int:post_id>/bookmark")
@login_required
@ratelimits.engaging
def bookmark(post_id: int):
    post = post_or_404(post_id)
    saved = services.toggle_bookmark(post, current_user)
    db.session.commit()
    if saved:
        flash("Saved. You will find it under Saved.", "success")
    else:
        flash("Removed from your saved posts.", "info")
    return back_to(post.path)


@bp.post("/tags/<slug>/follow")
@login_required
@ratelimits.engaging
def follow_tag(slug: str):
    tag = db.session.scalar(select(Tag).where(Tag.slug == slug))
    if tag is None:
        abort(404)
    following = services.toggle_follow_tag(tag, current_user)
    db.session.commit()
    if following:
        flash(f"You follow {tag.name}. New posts appear in your feed.", "success")
    else:
        flash(f"You no longer follow {tag.name}.", "info")
    return back_to(url_for("tags.show", slug=tag.slug))


@bp.post("/authors/<username>/follow")
@login_required
@ratelimits.engaging
def follow_author(username: str):
    author = public_author_or_404(username)
    following = services.toggle_follow_author(author, current_user)
    db.session.commit()
    if following:
        flash(f"You follow {author.display_name}. Their posts appear in your feed.", "success")
    else:
        flash(f"You no longer follow {author.display_name}.", "info")
    return back_to(url_for("authors.show", username=author.username))


@bp.get("/me/saved")
@login_required
def saved():
    posts = paginate(services.saved_posts(current_user), page_number(), POSTS_PER_PAGE)
    return render_template("engagement/saved.html", posts=posts)


@bp.get("/me/feed")
@login_required
def feed():
    posts = paginate(services.feed_posts(current_user), page_number(), POSTS_PER_PAGE)
    return render_template(
        "engagement/feed.html",
        posts=posts,
        tags=services.followed_tags(current_user),
        authors=services.followed_authors(current_user),
        suggestions=services.suggested_tags(current_user) if posts.total == 0 else [],
    )


@bp.app_template_global()
def engagement_state(post: Post) -> dict:
    """For the post page: whether the viewer marked the post helpful and saved it."""
    helpful, saved = services.helpful_and_saved(post, current_user)
    return {"helpful": helpful, "saved": saved}


@bp.app_template_global()
def author_engagement(author: User) -> dict:
    """For the author page: follower count, whether the viewer follows, shown conditions."""
    return {
        "followers": services.follower_count(author),
        "following": services.is_following_author(author, current_user),
        "conditions": shown_conditions(author),
    }


@bp.app_template_global()
def following_tag(tag: Tag) -> bool:
    return services.is_following_tag(tag, current_user)
