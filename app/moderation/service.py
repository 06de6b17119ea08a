"""The only code that changes the status of a post or comment.

It checks the transition table, refuses a change when the item moved meanwhile, writes the
append-only ModerationEvent and tells the author, all in the caller's transaction (nothing here
commits); app.posts.changes follows the status change into search, listings and the cache.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from app.db import utcnow
from app.errors import DomainError
from app.extensions import db
from app.mailings import replies
from app.models import Comment, Flag, ModerationEvent, Notification, Post, User
from app.moderation import standing
from app.moderation.states import PAST_PARTICIPLES, transition
from app.posts import changes

Item = Post | Comment
MAX_REASON = 1000
ACTION_WORDS = {
    "approve": "approved",
    "reject": "not approved",
    "request_changes": "sent back to you with a request for changes",
    "hide": "hidden while a moderator takes a look",
    "restore": "restored",
    "remove": "removed",
}


class ModerationError(DomainError):
    """An action that cannot be taken; `status` is the HTTP status that fits."""


@dataclass(frozen=True)
class Outcome:
    item: Item
    from_state: str
    to_state: str
    event: ModerationEvent


def target_type(item: Item) -> str:
    return "post" if isinstance(item, Post) else "comment"


def actor_role(item: Item, action: str, actor: User | None) -> str:
    """Which column of the table the actor acts under for this action."""
    if actor is None:
        return "system"
    step = transition(item.status, action)
    if step and "author" in step.actors and actor.id == item.author_id:
        return "author"
    if actor.is_moderator:
        return "moderator"
    return "author" if actor.id == item.author_id else "member"


def apply(item: Item, action: str, actor: User | None, reason: str = "") -> Outcome:
    from_state = item.status
    step = transition(from_state, action)
    if step is None:
        raise ModerationError(
            f"This {target_type(item)} is {from_state}; it cannot be "
            f"{PAST_PARTICIPLES[action]} now. It may have changed since you loaded the page.",
            409,
        )
    role = actor_role(item, action, actor)
    if role not in step.actors:
        raise ModerationError("You are not allowed to do that.", 403)
    reason = (reason or "").strip()
    if step.needs_reason and not reason:
        raise ModerationError("Please give a reason; the author will see it.", 400)
    if len(reason) > MAX_REASON:
        raise ModerationError(f"Please keep the reason under {MAX_REASON} characters.", 400)

    _change_status(item, from_state, step.to_state, reason if step.needs_reason else None)
    event = ModerationEvent(
        actor_id=actor.id if actor else None,
        action=action,
        target_type=target_type(item),
        target_id=item.id,
        from_state=from_state,
        to_state=step.to_state,
        reason=reason,
    )
    db.session.add(event)
    _after_transition(item, action, role, from_state, step.to_state, actor)
    db.session.flush()
    return Outcome(item, from_state, step.to_state, event)


def _change_status(item: Item, from_state: str, to_state: str, reason: str | None) -> None:
    """Compare-and-set, so two moderators acting at once cannot both succeed."""
    model = type(item)
    values: dict = {"status": to_state, "status_reason": reason, "updated_at": utcnow()}
    if to_state == "published" and item.published_at is None:
        values["published_at"] = utcnow()
    statement = (
        update(model)
        .where(model.id == item.id, model.status == from_state)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    with changes.bulk_change(db.session, model, [item.id]):
        _compare_and_set(item, statement)
    for name, value in values.items():
        set_committed_value(item, name, value)


def _compare_and_set(item: Item, statement) -> None:
    result = db.session.execute(statement)
    if result.rowcount != 1:
        db.session.expire(item)
        raise ModerationError(
            f"This {target_type(item)} changed while you were looking at it "
            f"(it is now {item.status}). Reload the page to see its current state.",
            409,
        )


def _after_transition(
    item: Item, action: str, role: str, from_state: str, to_state: str, actor: User | None
) -> None:
    if "published" in (from_state, to_state):
        standing.recount(db.session, [item.author_id])
    if action == "restore":
        _close_flags(item, "dismissed", actor)
    elif action == "remove" and role == "moderator":
        _close_flags(item, "upheld", actor)
    if role != "author" and action in ACTION_WORDS:
        notify_author(item, action)
    if isinstance(item, Comment) and to_state == "published":
        replies.reply_published(item, action)


def _close_flags(item: Item, state: str, actor: User | None) -> None:
    column = Flag.post_id if isinstance(item, Post) else Flag.comment_id
    db.session.execute(
        update(Flag)
        .where(column == item.id, Flag.state == "open")
        .values(state=state, resolved_by_id=actor.id if actor else None, resolved_at=utcnow())
    )


def notify_author(item: Item, action: str) -> None:
    post = item if isinstance(item, Post) else db.session.get(Post, item.post_id)
    what = (
        f"Your post “{post.title}”"
        if isinstance(item, Post)
        else (f"Your comment on “{post.title}”")
    )
    message = f"{what} was {ACTION_WORDS[action]}."
    if item.status_reason:
        message += f" Reason: {item.status_reason}"
    db.session.add(
        Notification(
            user_id=item.author_id,
            message=message[:1500],
            link=post.path + ("" if isinstance(item, Post) else f"#comment-{item.id}"),
        )
    )


def is_trusted(user: User) -> bool:
    """Publishes without waiting in the queue (still moderated by flags); see standing."""
    return standing.is_trusted(user)


def dismiss_flags(item: Item, actor: User) -> ModerationEvent:
    """A moderator keeps a flagged item as it is: its open flags are dismissed."""
    if not item.is_public or not has_open_flags(item):
        raise ModerationError(
            f"This {target_type(item)} has no open flags to dismiss. "
            "It may have changed since you loaded the page.",
            409,
        )
    _close_flags(item, "dismissed", actor)
    event = ModerationEvent(
        actor_id=actor.id,
        action="dismiss_flags",
        target_type=target_type(item),
        target_id=item.id,
        from_state=item.status,
        to_state=item.status,
    )
    db.session.add(event)
    db.session.flush()
    return event


def has_open_flags(item: Item) -> bool:
    column = Flag.post_id if isinstance(item, Post) else Flag.comment_id
    return (
        db.session.scalar(select(Flag.id).where(column == item.id, Flag.state == "open").limit(1))
        is not None
    )
