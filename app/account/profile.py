"""A member's public profile: display name, bio, shown conditions, handle and the credentials
a provider applies with.

Every change passes app.moderation.gate (suspension, rate limit, screening). A display name
or bio that needs a look waits as a ProfileChange until a moderator approves it; the public
profile keeps the last approved text. Functions change the session and flush; the request
commits. Only these fields are ever written here: role, verification and email are not a
member's to set.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from app.auth.services import AccountError, username_problem
from app.content import render_markdown
from app.db import read, utcnow
from app.extensions import db
from app.models import (
    MemberCondition,
    ModerationEvent,
    Notification,
    ProfileChange,
    Tag,
    User,
)
from app.models.tags import tag_path
from app.moderation import gate
from app.moderation.service import MAX_REASON, ModerationError
from app.posts.cards import TagLabel

DISPLAY_NAME_MAX = 80
BIO_MAX = 5000
CONDITION_CHOICES = ("no", "private", "shown")


class ProfileError(AccountError):
    """Input that cannot be saved, keyed by the form field it concerns."""


@dataclass(frozen=True)
class ConditionChoice:
    tag: Tag
    choice: str  # one of CONDITION_CHOICES

    @property
    def field_name(self) -> str:
        return condition_field(self.tag)


def condition_field(tag: Tag) -> str:
    return f"condition-{tag.slug}"


def clean_display_name(raw: str) -> str:
    """Plain text on one line: control and format characters dropped, spaces folded."""
    kept = "".join(
        " " if char.isspace() else char
        for char in raw
        if char.isspace() or unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    name = " ".join(kept.split())
    if not name:
        raise ProfileError("display_name", "Enter a display name (1–80 characters).")
    if len(name) > DISPLAY_NAME_MAX:
        raise ProfileError(
            "display_name",
            f"Keep your display name to {DISPLAY_NAME_MAX} characters (it has {len(name)}).",
        )
    return name


def condition_tags() -> list[Tag]:
    return list(db.session.scalars(select(Tag).where(Tag.kind == "condition").order_by(Tag.name)))


def condition_choices(
    member: User, submitted: dict[str, str] | None = None
) -> list[ConditionChoice]:
    """Every condition tag with the member's choice: what they sent, else what is stored."""
    stored = {
        row.tag_id: ("shown" if row.shown else "private")
        for row in db.session.scalars(
            select(MemberCondition).where(MemberCondition.user_id == member.id)
        )
    }
    choices = []
    for tag in condition_tags():
        choice = stored.get(tag.id, "no")
        if submitted is not None:
            choice = submitted.get(condition_field(tag), choice)
        choices.append(ConditionChoice(tag, choice))
    return choices


def update_profile(member: User, *, display_name: str, bio: str, conditions: dict[str, str]):
    """Save name, bio and conditions together, or raise ProfileError and change nothing.

    A name or bio that needs a moderator's look waits as the member's pending change."""
    gate.ensure_not_suspended(member)
    name = clean_display_name(display_name)
    if name != member.display_name and (problem := gate.impersonation_problem(name)):
        raise ProfileError("display_name", problem)
    bio = bio.strip()
    if len(bio) > BIO_MAX:
        raise ProfileError("bio", f"Keep your bio to {BIO_MAX:,} characters (it has {len(bio):,}).")
    wanted = {}
    for tag in condition_tags():
        choice = conditions.get(condition_field(tag), "no")
        if choice not in CONDITION_CHOICES:
            raise ProfileError("conditions", f"Choose not listed, private or shown for {tag.name}.")
        wanted[tag.id] = choice
    gate.count_write(member, "profile")
    _publish_or_hold(member, name, bio)
    _save_conditions(member, wanted)
    db.session.flush()


def _publish_or_hold(member: User, name: str, bio: str) -> None:
    """Publish what may be public now; keep the rest as the member's one pending change."""
    held_name = held_bio = None
    found: list[dict] = []
    if name != member.display_name:
        name_findings = gate.findings(member, name)
        if name_findings:
            held_name, found = name, found + name_findings
        else:
            member.display_name = name
    if bio != member.bio_source:
        bio_html = render_markdown(bio) if bio else ""
        bio_findings = gate.rendered_findings(member, "", bio_html)
        if bio and gate.needs_review(member, bio_findings):
            held_bio, found = bio, found + bio_findings
        else:
            member.bio_source, member.bio_html = bio, bio_html
    pending = pending_change(member)
    if held_name is None and held_bio is None:
        if pending is not None:
            db.session.delete(pending)
        return
    if pending is None:
        pending = ProfileChange(user_id=member.id)
        db.session.add(pending)
    pending.display_name, pending.bio_source = held_name, held_bio
    pending.bio_html = render_markdown(held_bio) if held_bio else None
    pending.findings = json.dumps(found)
    pending.created_at = utcnow()


def pending_change(member: User) -> ProfileChange | None:
    """The member's display name or bio that waits for a moderator, if any."""
    return db.session.scalar(
        select(ProfileChange)
        .where(ProfileChange.user_id == member.id, ProfileChange.state == "pending")
        .order_by(ProfileChange.id.desc())
        .limit(1)
    )


def pending_changes() -> list[ProfileChange]:
    """Every profile change waiting for a moderator, oldest first, with its member."""
    return list(
        db.session.scalars(
            select(ProfileChange)
            .where(ProfileChange.state == "pending")
            .order_by(ProfileChange.created_at, ProfileChange.id)
        )
    )


PROFILE_DECISIONS = {"approve": ("approved", "published"), "reject": ("rejected", "rejected")}


def decide_change(change: ProfileChange, moderator: User, decision: str, reason: str) -> None:
    """A moderator publishes or turns down a pending change; logged, and the member told."""
    state, event_state = PROFILE_DECISIONS[decision]
    reason = (reason or "").strip()
    if decision == "reject" and not reason:
        raise ModerationError("Please give a reason; the member will see it.", 400)
    if len(reason) > MAX_REASON:
        raise ModerationError(f"Please keep the reason under {MAX_REASON} characters.", 400)
    moved = db.session.execute(
        update(ProfileChange)
        .where(ProfileChange.id == change.id, ProfileChange.state == "pending")
        .values(state=state, decided_by_id=moderator.id, decided_at=utcnow(), reason=reason)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise ModerationError(
            "This profile change was already decided or replaced. Reload the queue.", 409
        )
    member = db.session.get(User, change.user_id)
    if decision == "approve":
        if change.display_name is not None:
            member.display_name = change.display_name
        if change.bio_source is not None:
            member.bio_source, member.bio_html = change.bio_source, change.bio_html or ""
    db.session.add(
        ModerationEvent(
            actor_id=moderator.id,
            action=f"profile_{decision}",
            target_type="user",
            target_id=member.id,
            from_state="pending",
            to_state=event_state,
            reason=reason,
        )
    )
    message = (
        f"The change to your profile was {'approved' if decision == 'approve' else 'not approved'}."
    )
    if reason:
        message += f" Reason: {reason}"
    db.session.add(Notification(user_id=member.id, message=message[:1500], link="/me/profile"))
    db.session.flush()


def apply_as_provider(
    member: User, *, credentials: str, specialty: str, license_number: str
) -> None:
    """Credentials wait for a moderator's verification before anyone else sees them."""
    gate.admit(member, "credentials")
    member.credentials = credentials.strip()
    member.specialty = specialty.strip()
    member.license_number = license_number.strip()
    member.verification_state = "pending"
    db.session.flush()


def _save_conditions(member: User, wanted: dict[int, str]) -> None:
    rows = {
        row.tag_id: row
        for row in db.session.scalars(
            select(MemberCondition).where(MemberCondition.user_id == member.id)
        )
    }
    for tag_id, choice in wanted.items():
        row = rows.get(tag_id)
        if choice == "no":
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(
                MemberCondition(user_id=member.id, tag_id=tag_id, shown=choice == "shown")
            )
        else:
            row.shown = choice == "shown"


def shown_conditions(member: User) -> list[TagLabel]:
    """The conditions a member chose to show on their public profile."""
    rows = read(_shown_conditions(), {"member_id": member.id})
    return [TagLabel(tag_path(slug), name, kind) for slug, name, kind in rows]


@cache
def _shown_conditions() -> Select:
    return (
        select(Tag.slug, Tag.name, Tag.kind)
        .join(MemberCondition, MemberCondition.tag_id == Tag.id)
        .where(
            MemberCondition.user_id == bindparam("member_id"),
            MemberCondition.shown.is_(True),
            Tag.kind == "condition",
        )
        .order_by(Tag.name)
    )


def change_handle(member: User, raw: str) -> None:
    """Give the member a new public handle; the old profile address stops working."""
    gate.ensure_not_suspended(member)
    username = raw.strip().lower()
    if problem := username_problem(username) or gate.impersonation_problem(username):
        raise ProfileError("username", problem)
    if username == member.username:
        raise ProfileError("username", "That is already your handle.")
    if gate.findings(member, username):
        raise ProfileError(
            "username", "A handle is public: please leave out phone numbers and addresses."
        )
    taken = db.session.scalar(
        select(User.id).where(func.lower(User.username) == username, User.id != member.id)
    )
    if taken is not None:
        raise ProfileError("username", "That handle is taken; please choose another.")
    gate.count_write(member, "handle")
    try:
        with db.session.begin_nested():
            member.username = username
    except IntegrityError:
        raise ProfileError(
            "username", "That handle was just taken; please choose another."
        ) from None
    db.session.flush()
