from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from app.account.profile import pending_change
from app.auth.services import PUBLIC_PAGE_ROLES
from app.models import User
from app.posts.queries import author_named, cards_by_an_author, paginate_cards
from app.web import page_number

bp = Blueprint("authors", __name__, url_prefix="/authors")

POSTS_PER_PAGE = 20


def profile_is_public(author: User, published_total: int) -> bool:
    """Membership alone hints at a health condition: a silent member has no public page."""
    if current_user.is_authenticated and current_user.id == author.id:
        return True
    return published_total > 0 or author.role in PUBLIC_PAGE_ROLES


@bp.get("/<username>")
def show(username: str):
    author = author_named(username.lower())
    if author is None:
        abort(404)
    total = author.published_post_count
    listing, values = cards_by_an_author(), {"listed_author_id": author.id}
    posts = paginate_cards(listing, values, page_number(), POSTS_PER_PAGE, total)
    if not profile_is_public(author, posts.total) or posts.page > posts.pages:
        abort(404)
    pending = pending_change(author) if sees_pending_profile(author) else None
    return render_template("authors/show.html", author=author, posts=posts, pending=pending)


def sees_pending_profile(author: User) -> bool:
    """A profile change that waits is shown to its member and to moderators only."""
    return current_user.is_authenticated and (
        current_user.id == author.id or current_user.is_moderator
    )
