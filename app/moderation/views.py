from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.account.profile import PROFILE_DECISIONS, decide_change, pending_changes
from app.auth.access import moderator_or_verified_provider_required, moderator_required
from app.db import today
from app.errors import DomainError, refusal_handler
from app.extensions import db
from app.models import Comment, ModerationEvent, Post, ProfileChange, User
from app.moderation import members, service
from app.moderation.flags import FLAG_REASON_LABELS
from app.moderation.forms import ACTION_LABELS, SuspendForm
from app.moderation.queue import load_queue, pending_providers
from app.moderation.states import MODERATOR_ACTIONS, PAST_PARTICIPLES, actions_for
from app.web import page_number

bp = Blueprint("moderation", __name__, url_prefix="/moderation")
bp.register_error_handler(DomainError, refusal_handler("That action was not taken"))

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


PROFILE_DECISION_WORDS = {"approve": "published", "reject": "turned down"}
PROVIDER_DECISION_MESSAGES = {
    "verify": "Done: @{username} is a verified provider.",
    "decline": "Done: @{username}'s provider application is declined.",
}


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
    service.apply(item, action, current_user, request.form.get("reason", ""))
    db.session.commit()
    flash(f"Done: the {service.target_type(item)} is {PAST_PARTICIPLES[action]}.", "success")
    return redirect(url_for("moderation.queue"))


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
    service.dismiss_flags(item, current_user)
    db.session.commit()
    flash(
        f"Done: the {service.target_type(item)} stays published and its flags are dismissed.",
        "success",
    )
    return redirect(url_for("moderation.queue"))


@bp.post("/profiles/<int:change_id>/<decision>")
@moderator_required
def decide_profile_change(change_id: int, decision: str):
    change = db.session.get(ProfileChange, change_id)
    if change is None or decision not in PROFILE_DECISIONS:
        abort(404)
    decide_change(change, current_user, decision, request.form.get("reason", ""))
    db.session.commit()
    flash(f"Done: the profile change is {PROFILE_DECISION_WORDS[decision]}.", "success")
    return redirect(url_for("moderation.queue"))


@bp.get("/search-insights")
@moderator_or_verified_provider_required
def search_insights():
    from app.search import insights

    return render_template(
        "moderation/search_insights.html",
        insights=insights.insights(),
        window_days=insights.WINDOW_DAYS,
        shown_from=insights.SHOWN_FROM,
        few_results=insights.FEW_RESULTS,
    )


@bp.get("/overdue-articles")
@moderator_required
def overdue_articles():
    from app.posts import references

    on = today()
    articles, total = references.overdue_articles(on, references.OVERDUE_LIST_LIMIT)
    return render_template(
        "moderation/overdue_articles.html", articles=articles, total=total, today=on
    )


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
    user = member_or_404(username)
    form = SuspendForm()
    if form.validate_on_submit():
        members.suspend(user, current_user, form.days.data, form.reason.data)
        db.session.commit()
        flash(f"Done: @{user.username} is suspended for {form.days.data} days.", "success")
        return redirect(url_for("moderation.member", username=user.username))
    return render_template("moderation/member.html", member=user, form=form), (
        400 if form.is_submitted() else 200
    )


@bp.post("/users/<username>/unsuspend")
@moderator_required
def unsuspend(username: str):
    user = member_or_404(username)
    members.lift_suspension(user, current_user, request.form.get("reason", ""))
    db.session.commit()
    flash(f"Done: @{user.username} can post again.", "success")
    return redirect(url_for("moderation.member", username=user.username))


@bp.post("/providers/<username>/<decision>")
@moderator_required
def decide_provider(username: str, decision: str):
    user = member_or_404(username)
    if decision not in members.PROVIDER_DECISIONS:
        abort(404)
    members.decide_provider(user, current_user, decision, request.form.get("reason", ""))
    db.session.commit()
    flash(PROVIDER_DECISION_MESSAGES[decision].format(username=user.username), "success")
    return redirect(url_for("moderation.queue"))


def member_or_404(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username.lower()))
    if user is None:
        abort(404)
    return user
