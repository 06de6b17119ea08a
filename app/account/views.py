"""A member's own pages: their posts and where each stands, notifications, verification."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select, update

from app.db import utcnow
from app.extensions import db
from app.models import Notification
from app.moderation.forms import ProviderApplicationForm
from app.posts.queries import paginate, posts_by_author_any_status
from app.web import page_number

bp = Blueprint("account", __name__, url_prefix="/me")


@bp.get("/posts")
@login_required
def my_posts():
    posts = paginate(posts_by_author_any_status(current_user), page_number(), 30)
    return render_template("account/posts.html", posts=posts)


@bp.get("/notifications")
@login_required
def notifications():
    items = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(100)
    ).all()
    return render_template("account/notifications.html", notifications=items)


@bp.post("/notifications/read")
@login_required
def mark_read():
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    return redirect(url_for("account.notifications"))


@bp.route("/provider", methods=["GET", "POST"])
@login_required
def provider():
    form = ProviderApplicationForm(obj=current_user)
    if current_user.verification_state == "unverified" and form.validate_on_submit():
        current_user.credentials = form.credentials.data.strip()
        current_user.specialty = form.specialty.data.strip()
        current_user.license_number = form.license_number.data.strip()
        current_user.verification_state = "pending"
        db.session.commit()
        flash("Thank you. A moderator will check your registration.", "success")
        return redirect(url_for("account.provider"))
    return render_template("account/provider.html", form=form), (
        400 if form.is_submitted() and form.errors else 200
    )
