"""Members' flags, what each one weighs, and hiding an item once the weight is enough.

A flag counts toward hiding only when its reporter is in good standing (a moderator, or a
member with a contribution published now; see standing) and weighs by the reporter's flag
accuracy, from their flags moderators already decided (Discourse's idea):

    weight = min(1, 2 * (upheld + 1) / (upheld + dismissed + 2))

so a member with no decided flags, or as many upheld as dismissed, weighs 1.0; each dismissal
beyond that lowers it (1 dismissed: 0.67, 2: 0.5, 4: 0.33, 10: 0.17). Moderators weigh 1.0.
Other flags are recorded and ranked in the queue but weigh 0. An item is hidden when its open
flags weigh FLAG_HIDE_THRESHOLD or more, unless its author is protected (a verified provider,
a moderator or an admin): flags on their writing go to the top of the queue instead. Flags a
moderator dismissed (a restore, or "keep it") stay dismissed, and the unique (reporter, item)
constraint stops the same member flagging the item again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Comment, Flag, Post, User
from app.models.enums import FLAG_REASONS
from app.moderation import service, standing
from app.moderation.service import ModerationError

FLAG_REASON_LABELS = {
    "unsafe_medical_advice": "Unsafe medical advice",
    "misinformation": "Medical misinformation",
    "personal_information": "Personal information exposed",
    "spam": "Spam or advertising",
    "harassment": "Harassment or abuse",
    "other": "Something else",
}
URGENT_REASONS = frozenset({"unsafe_medical_advice", "personal_information"})
MAX_NOTE = 1000


def flag(item: Post | Comment, reporter: User, reason: str, note: str = "") -> Flag:
    """Record one member's flag; hide the item when distinct flags reach the threshold."""
    if reason not in FLAG_REASONS:
        raise ModerationError("Choose one of the listed reasons for flagging.", 400)
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ModerationError(f"Please keep the note under {MAX_NOTE} characters.", 400)
    if not item.is_public:
        raise ModerationError("Only published posts and comments can be flagged.", 409)
    if item.author_id == reporter.id:
        raise ModerationError("You cannot flag your own writing; edit or withdraw it instead.", 400)
    target = {"post_id": item.id} if isinstance(item, Post) else {"comment_id": item.id}
    if already_flagged(item, reporter):
        raise ModerationError("You have already flagged this; moderators will look at it.", 409)
    new_flag = Flag(reporter_id=reporter.id, reason=reason, note=note, **target)
    try:
        with db.session.begin_nested():
            db.session.add(new_flag)
    except IntegrityError:
        raise ModerationError(
            "You have already flagged this; moderators will look at it.", 409
        ) from None
    hide_when_flagged_enough(item)
    return new_flag


def hide_when_flagged_enough(item: Post | Comment) -> None:
    author = db.session.get(User, item.author_id)
    if author is None or is_protected(author):
        return
    threshold = current_app.config["FLAG_HIDE_THRESHOLD"]
    if open_flag_weight(item) >= threshold:
        service.apply(
            item,
            "hide",
            None,
            f"Hidden automatically: flags from members in good standing reached {threshold}.",
        )


def is_protected(author: User) -> bool:
    """Whose writing flags never hide automatically."""
    return author.is_moderator or author.is_verified_provider


@dataclass(frozen=True)
class FlaggerStanding:
    """What one reporter's flag weighs, and why."""

    username: str
    moderator: bool
    published: int
    upheld: int
    dismissed: int

    @property
    def counts(self) -> bool:
        return self.moderator or self.published >= standing.GOOD_STANDING

    @property
    def weight(self) -> float:
        if self.moderator:
            return 1.0
        if not self.counts:
            return 0.0
        return min(1.0, 2 * (self.upheld + 1) / (self.upheld + self.dismissed + 2))


def flagger_standings(reporter_ids) -> dict[int, FlaggerStanding]:
    """Each reporter's standing and flag record, in two queries whatever their number."""
    ids = sorted(set(reporter_ids))
    if not ids:
        return {}
    decided: dict[int, dict[str, int]] = defaultdict(dict)
    for reporter_id, state, count in db.session.execute(
        select(Flag.reporter_id, Flag.state, func.count())
        .where(Flag.reporter_id.in_(ids), Flag.state.in_(("upheld", "dismissed")))
        .group_by(Flag.reporter_id, Flag.state)
    ):
        decided[reporter_id][state] = count
    rows = db.session.execute(
        select(User.id, User.username, User.role, User.approved_post_count).where(User.id.in_(ids))
    )
    return {
        member_id: FlaggerStanding(
            username=username,
            moderator=role in ("moderator", "admin"),
            published=published,
            upheld=decided[member_id].get("upheld", 0),
            dismissed=decided[member_id].get("dismissed", 0),
        )
        for member_id, username, role, published in rows
    }


def open_flag_weight(item: Post | Comment) -> float:
    """What the item's open flags weigh toward hiding it."""
    column = Flag.post_id if isinstance(item, Post) else Flag.comment_id
    reporters = db.session.scalars(
        select(Flag.reporter_id).where(column == item.id, Flag.state == "open")
    ).all()
    standings = flagger_standings(reporters)
    return round(sum(standings[r].weight for r in set(reporters) if r in standings), 6)


def already_flagged(item: Post | Comment, reporter: User) -> bool:
    column = Flag.post_id if isinstance(item, Post) else Flag.comment_id
    return (
        db.session.scalar(select(Flag.id).where(column == item.id, Flag.reporter_id == reporter.id))
        is not None
    )
