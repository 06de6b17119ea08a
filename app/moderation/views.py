from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.account.profile import PROFILE_DECISIONS, decide_change, pending_changes
from app.auth.access import moderator_required
from app.db import utcnow
from app.extensions import db
from app.models import Comment, ModerationEvent, Notification, Post, ProfileChange, User
from app.moderation import service
from app.moderation.flags import FLAG_REASON_LABELS
from app.moderation.forms import ACTION_LABELS, SuspendForm
from app.moderation.queue import load_queue, pending_providers
from app.moderation.service import ModerationError
from app.moderation.states import MODERATOR_ACTIONS, actions_for
from app.web import page_number

bp = Blueprint("moderation", __name__, url_prefix="/moderation")

LOG_PER_PAGE = 50


QUEUE_PER_PAGE = 50


@bp.get("/")
@moderator_required
def queue():
    queue_page = load_queue(page_number(), QUEUE_PER_PAGE)
    return render_template(
        "moderation/queue.html",
        items=queue_page.items,
        total=queue_page.total,
        page=queue_page.page,
        has_next=queue_page.has_next,
        providers=pending_providers(),
        profile_changes=pending_changes(),
        labels=ACTION_LABELS,
        flag_labels=FLAG_REASON_LABELS,
        actions_for=moderator_actions,
        hide_threshold=current_app.config["FLAG_HIDE_THRESHOLD"],
    )


def moderator_actions(state: str) -> list[str]:
    return [a for a in actions_for(state, "moderator") if a in MODERATOR_ACTIONS]


@bp.post("/posts/<int:post_id>/<action>")
@moderator_required
def act_on_post(post_id: int, action: str):
    return act(db.session.get(Post, post_id), action)


@bp.post("/comments/<int:comment_id>/<action>")
@moderator_required
def act_on_comment(comment_id: int, action: str):
    return act(db.session.get(Comment, comment_id), action)


def act(item: Post | Comment | None, action: str):
    if item is None or item.status in ("deleted", "draft"):
        abort(404)
    if action not in MODERATOR_ACTIONS:
        abort(404, description=f"Unknown moderation action {action!r}.")
    try:
        service.apply(item, action, current_user, request.form.get("reason", ""))
    except ModerationError as error:
        db.session.rollback()
        return not_taken(error)
    db.session.commit()
    flash(f"Done: {ACTION_LABELS[action].lower()}.", "success")
    return redirect(url_for("moderation.queue"))


def not_taken(error: ModerationError):
    return render_template(
        "errors/error.html",
        code=error.status,
        title="That action was not taken",
        message=str(error),
    ), error.status


@bp.post("/posts/<int:post_id>/dismiss-flags")
@moderator_required
def dismiss_post_flags(post_id: int):
    return dismiss_flags(db.session.get(Post, post_id))


@bp.post("/comments/<int:comment_id>/dismiss-flags")
@moderator_required
def dismiss_comment_flags(comment_id: int):
    return dismiss_flags(db.session.get(Comment, comment_id))


def dismiss_flags(item: Post | Comment | None):
    if item is None or item.status == "deleted":
        abort(404)
    try:
        service.dismiss_flags(item, current_user)
    except ModerationError as error:
        db.session.rollback()
        return not_taken(error)
    db.session.commit()
    flash("Done: the item stays published and its flags are dismissed.", "success")
    return redirect(url_for("moderation.queue"))


@bp.post("/profiles/<int:change_id>/<decision>")
@moderator_required
def decide_profile_change(change_id: int, decision: str):
    change = db.session.get(ProfileChange, change_id)
    if change is None or decision not in PROFILE_DECISIONS:
        abort(404)
    try:
        decide_change(change, current_user, decision, request.form.get("reason", ""))
    except ModerationError as error:
        db.session.rollback()
        return not_taken(error)
    db.session.commit()
    flash(f"Profile change {decision}d.", "success")
    return redirect(url_for("moderation.queue"))


@bp.get("/log")
@moderator_required
def log():
    query = select(ModerationEvent).order_by(
        ModerationEvent.created_at.desc(), ModerationEvent.id.desc()
    )
    filters = {
        name: request.args.get(name, "").strip().lower()
        for name in ("moderator", "member", "action")
    }
    if filters["moderator"]:
        query = query.where(ModerationEvent.actor_id == user_id_or_none(filters["moderator"]))
    if filters["member"]:
        member_id = user_id_or_none(filters["member"])
        query = query.where(
            ((ModerationEvent.target_type == "user") & (ModerationEvent.target_id == member_id))
            | (
                (ModerationEvent.target_type == "post")
                & ModerationEvent.target_id.in_(select(Post.id).where(Post.author_id == member_id))
            )
            | (
                (ModerationEvent.target_type == "comment")
                & ModerationEvent.target_id.in_(
                    select(Comment.id).where(Comment.author_id == member_id)
                )
            )
        )
    if filters["action"]:
        query = query.where(ModerationEvent.action == filters["action"])
    page = page_number()
    events = db.session.scalars(
        query.limit(LOG_PER_PAGE + 1).offset((page - 1) * LOG_PER_PAGE)
    ).all()
    actor_ids = {event.actor_id for event in events if event.actor_id}
    actors = {
        user.id: user for user in db.session.scalars(select(User).where(User.id.in_(actor_ids)))
    }
    return render_template(
        "moderation/log.html",
        events=events[:LOG_PER_PAGE],
        actors=actors,
        filters=filters,
        page=page,
        has_next=len(events) > LOG_PER_PAGE,
    )


def user_id_or_none(username: str) -> int | None:
    return db.session.scalar(select(User.id).where(User.username == username))


@bp.route("/users/<username>", methods=["GET", "POST"])
@moderator_required
def member(username: str):
    user = db.session.scalar(select(User).where(User.username == username.lower()))
    if user is None:
        abort(404)
    form = SuspendForm()
    if form.validate_on_submit():
        if user.is_moderator:
            abort(403, description="Moderators and admins cannot be suspended here.")
        user.suspended_until = utcnow() + timedelta(days=form.days.data)
        user.suspension_reason = form.reason.data.strip()
        record_member_event(user, "suspend", f"{form.days.data} days: {user.suspension_reason}")
        db.session.commit()
        flash(f"@{user.username} is suspended for {form.days.data} days.", "success")
        return redirect(url_for("moderation.member", username=user.username))
    return render_template("moderation/member.html", member=user, form=form), (
        400 if form.is_submitted() else 200
    )


@bp.post("/users/<username>/unsuspend")
@moderator_required
def unsuspend(username: str):
    user = db.session.scalar(select(User).where(User.username == username.lower()))
    if user is None:
        abort(404)
    user.suspended_until = None
    user.suspension_reason = None
    record_member_event(user, "unsuspend", request.form.get("reason", ""))
    db.session.commit()
    flash(f"@{user.username} can post again.", "success")
    return redirect(url_for("moderation.member", username=user.username))


@bp.post("/providers/<username>/<decision>")
@moderator_required
def decide_provider(username: str, decision: str):
    user = db.session.scalar(select(User).where(User.username == username.lower()))
    if user is None or decision not in ("verify", "decline"):
        abort(404)
    if user.verification_state != "pending":
        return render_template(
            "errors/error.html",
            code=409,
            title="Already decided",
            message="This application was already decided.",
        ), 409
    reason = request.form.get("reason", "").strip()[:500]
    if decision == "decline" and not reason:
        return render_template(
            "errors/error.html",
            code=400,
            title="Reason needed",
            message="Give a reason; the applicant sees it.",
        ), 400
    if decision == "verify":
        user.role = "provider"
        user.verification_state = "verified"
        user.verified_by_id = current_user.id
        user.verified_at = utcnow()
        message = "Your provider verification was approved; your posts now carry the badge."
    else:
        user.verification_state = "unverified"
        message = f"Your provider verification was declined. Reason: {reason}"
    record_member_event(user, f"provider_{decision}", reason)
    db.session.add(Notification(user_id=user.id, message=message, link=url_for("account.provider")))
    db.session.commit()
    flash(f"@{user.username}: {decision} recorded.", "success")
    return redirect(url_for("moderation.queue"))


def record_member_event(user: User, action: str, reason: str) -> None:
    db.session.add(
        ModerationEvent(
            actor_id=current_user.id,
            action=action,
            target_type="user",
            target_id=user.id,
            reason=reason,
        )
    )
