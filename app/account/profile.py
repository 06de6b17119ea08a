"""A member's public profile: display name, bio, shown conditions and handle.

Functions change the session and flush; the request commits. Only these fields are ever
written here: role, verification and email are not a member's to set.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.auth.services import AccountError, username_problem
from app.cache import mark_public_content_changed
from app.content import render_markdown
from app.extensions import db
from app.models import MemberCondition, Post, SearchOutbox, Tag, User
from app.posts.queries import PUBLIC_STATUS

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
    """Save name, bio and conditions together, or raise ProfileError and change nothing."""
    name = clean_display_name(display_name)
    bio = bio.strip()
    if len(bio) > BIO_MAX:
        raise ProfileError("bio", f"Keep your bio to {BIO_MAX:,} characters (it has {len(bio):,}).")
    wanted = {}
    for tag in condition_tags():
        choice = conditions.get(condition_field(tag), "no")
        if choice not in CONDITION_CHOICES:
            raise ProfileError("conditions", f"Choose not listed, private or shown for {tag.name}.")
        wanted[tag.id] = choice
    member.display_name = name
    member.bio_source = bio
    member.bio_html = render_markdown(bio) if bio else ""
    _save_conditions(member, wanted)
    mark_public_content_changed(db.session)
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


def shown_conditions(member: User) -> list[Tag]:
    """The conditions a member chose to show on their public profile."""
    return list(
        db.session.scalars(
            select(Tag)
            .join(MemberCondition, MemberCondition.tag_id == Tag.id)
            .where(
                MemberCondition.user_id == member.id,
                MemberCondition.shown.is_(True),
                Tag.kind == "condition",
            )
            .order_by(Tag.name)
        )
    )


def change_handle(member: User, raw: str) -> None:
    """Give the member a new public handle; the old profile address stops working."""
    username = raw.strip().lower()
    if problem := username_problem(username):
        raise ProfileError("username", problem)
    if username == member.username:
        raise ProfileError("username", "That is already your handle.")
    taken = db.session.scalar(
        select(User.id).where(func.lower(User.username) == username, User.id != member.id)
    )
    if taken is not None:
        raise ProfileError("username", "That handle is taken; please choose another.")
    try:
        with db.session.begin_nested():
            member.username = username
    except IntegrityError:
        raise ProfileError(
            "username", "That handle was just taken; please choose another."
        ) from None
    # The search index knows posts by their author's handle.
    published = db.session.scalars(
        select(Post.id).where(Post.author_id == member.id, Post.status == PUBLIC_STATUS)
    )
    db.session.add_all(SearchOutbox(post_id=post_id, operation="index") for post_id in published)
    db.session.flush()
