"""A member's standing, derived from what of theirs is published now.

`users.approved_post_count` is the number of the member's distinct posts and replies that are
published right now (each was approved by a moderator or published by a member who was already
trusted). Nothing adds to it: `recount` sets it from the posts and comments tables, in the
transaction of every change that moves one of the member's items into or out of "published"
(the moderation service calls it for the status changes it makes in SQL; the flush hook below
covers the ORM). So re-approving an edited post counts it once, and a removed, hidden or
withdrawn item lowers the figure at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import Connection, bindparam, event, func, inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from app.models import Comment, Post, User
from app.models.visibility import status_is_public

GOOD_STANDING = 1  # contributions published now that make a member's flags count
PENDING_KEY = "standing_pending"


def is_trusted(user: User) -> bool:
    """Publishes without waiting in the queue (still moderated by flags)."""
    return (
        user.is_moderator
        or user.is_verified_provider
        or user.approved_post_count >= current_app.config["TRUSTED_PUBLISH_THRESHOLD"]
    )


def in_good_standing(user: User) -> bool:
    """A moderator, or a member with at least one contribution published now."""
    return user.is_moderator or user.approved_post_count >= GOOD_STANDING


def published_contributions(connection: Connection, member_ids: Iterable[int]) -> dict[int, int]:
    """Each member's posts and replies that are published now, counted from the tables."""
    ids = sorted(set(member_ids))
    counts: Counter[int] = Counter()
    for model in (Post, Comment):
        counts.update(
            dict(
                connection.execute(
                    select(model.author_id, func.count())
                    .where(model.author_id.in_(ids), model.is_public)
                    .group_by(model.author_id)
                ).all()
            )
        )
    return {member_id: counts[member_id] for member_id in ids}


def recount(session: Session, member_ids: Iterable[int | None]) -> None:
    """Set these members' figures from the data, in the session's transaction."""
    ids = sorted({member_id for member_id in member_ids if member_id is not None})
    if not ids:
        return
    connection = session.connection()
    # Lock the members' rows before counting (PostgreSQL): a transaction changing another of
    # their items commits first, and the count below, a new statement, sees its change.
    connection.execute(select(User.id).where(User.id.in_(ids)).order_by(User.id).with_for_update())
    figures = published_contributions(connection, ids)
    users = User.__table__
    connection.execute(
        update(users)
        .where(users.c.id == bindparam("member"))
        .values(approved_post_count=bindparam("figure")),
        [{"member": member_id, "figure": figure} for member_id, figure in figures.items()],
    )
    for member_id, figure in figures.items():
        loaded = session.identity_map.get(identity_key(User, member_id))
        if loaded is not None:
            set_committed_value(loaded, "approved_post_count", figure)


def _moves_publication(item: Post | Comment) -> bool:
    history = inspect(item).attrs.status.history
    return any(status_is_public(status) for status in (*history.added, *history.deleted))


@event.listens_for(Session, "before_flush")
def _note_publication_changes(session: Session, flush_context, instances) -> None:
    items = [
        item
        for item in (*session.new, *session.dirty, *session.deleted)
        if isinstance(item, Post | Comment)
        and (
            (item in session.deleted and item.is_public)
            or (item not in session.deleted and _moves_publication(item))
        )
    ]
    if items:
        session.info[PENDING_KEY] = items
    else:
        session.info.pop(PENDING_KEY, None)


@event.listens_for(Session, "after_flush")
def _recount_their_authors(session: Session, flush_context) -> None:
    items = session.info.pop(PENDING_KEY, None)
    if items:
        recount(session, (item.author_id for item in items))
