"""A member's own pages: their posts and where each stands, notifications, verification,
and their public profile."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, fresh_login_required, login_required, logout_user
from sqlalchemy import select, update

from app.account.forms import DeleteAccountForm, HandleForm, ProfileForm
from app.account.privacy import (
    erase_account,
    export_member_data,
    purge_from_search,
    scrub_database_files,
)
from app.account.profile import (
    ProfileError,
    apply_as_provider,
    change_handle,
    condition_choices,
    pending_change,
    update_profile,
)
from app.auth.passwords import verify_password
from app.db import utcnow
from app.errors import DomainError, refusal_handler
from app.extensions import db
from app.models import Notification
from app.moderation.forms import ProviderApplicationForm
from app.posts.queries import paginate, posts_by_author_any_status
from app.web import add_form_error, page_number

bp = Blueprint("account", __name__, url_prefix="/me")
bp.register_error_handler(DomainError, refusal_handler("That was not saved"))


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
        apply_as_provider(
            current_user,
            credentials=form.credentials.data,
            specialty=form.specialty.data,
            license_number=form.license_number.data,
        )
        db.session.commit()
        flash("Thank you. A moderator will check your registration.", "success")
        return redirect(url_for("account.provider"))
    return render_template("account/provider.html", form=form), (
        400 if form.is_submitted() and form.errors else 200
    )


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    if request.method == "GET":
        pending = pending_change(current_user)
        form = ProfileForm(
            display_name=pending.display_name
            if pending and pending.display_name is not None
            else current_user.display_name,
            bio=pending.bio_source
            if pending and pending.bio_source is not None
            else current_user.bio_source,
            formdata=None,
        )
        return render_profile_form(form, condition_choices(current_user), pending=pending)
    form = ProfileForm()
    submitted = {
        name: value for name, value in request.form.items() if name.startswith("condition-")
    }
    if not form.validate_on_submit():
        return render_profile_form(form, condition_choices(current_user, submitted)), 400
    try:
        update_profile(
            current_user,
            display_name=form.display_name.data or "",
            bio=form.bio.data or "",
            conditions=submitted,
        )
    except ProfileError as error:
        db.session.rollback()
        condition_errors = []
        if error.field == "conditions":
            condition_errors.append(str(error))
        else:
            add_form_error(form, error.field, str(error))
        choices = condition_choices(current_user, submitted)
        return render_profile_form(form, choices, condition_errors), 400
    db.session.commit()
    if pending_change(current_user) is not None:
        flash(
            "Saved. Your new name or bio appears once a moderator has looked at it; "
            "until then only you and the moderators see it.",
            "info",
        )
    else:
        flash("Your profile is saved.", "success")
    return redirect(url_for("account.profile"))


def render_profile_form(form: ProfileForm, conditions, condition_errors=(), pending=None):
    return render_template(
        "account/profile.html",
        form=form,
        conditions=conditions,
        condition_errors=list(condition_errors),
        pending=pending,
    )


@bp.route("/handle", methods=["GET", "POST"])
@login_required
def handle():
    form = HandleForm()
    if request.method == "GET":
        return render_template("account/handle.html", form=form)
    if not form.validate_on_submit():
        return render_template("account/handle.html", form=form), 400
    try:
        change_handle(current_user, form.username.data or "")
    except ProfileError as error:
        db.session.rollback()
        add_form_error(form, error.field, str(error))
        return render_template("account/handle.html", form=form), 400
    db.session.commit()
    flash(f"Your handle is now @{current_user.username}.", "success")
    return redirect(url_for("authors.show", username=current_user.username))


@bp.get("/export")
@fresh_login_required
def export():
    data = export_member_data(current_user._get_current_object())
    response = Response(json.dumps(data, indent=2, ensure_ascii=False), mimetype="application/json")
    response.headers["Content-Disposition"] = "attachment; filename=my-data.json"
    return response


@bp.route("/delete", methods=["GET", "POST"])
@fresh_login_required
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not verify_password(user.password_hash, form.password.data):
            add_form_error(form, "password", "That is not your password.")
        else:
            erase_account(user, keep_posts=form.writing.data == "keep")
            db.session.commit()
            scrub_database_files()
            purge_from_search()
            logout_user()
            session.clear()
            flash(
                "Your account is erased. Thank you for having been part of the community.", "info"
            )
            return redirect(url_for("main.home"))
    status = 400 if form.is_submitted() else 200
    return render_template("account/delete.html", form=form), status
