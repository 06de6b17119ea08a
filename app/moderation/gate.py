"""The one gate every public write by a member passes: posts, replies, display name and bio,
handle, provider credentials and medical reviews.

It decides, in one place, whether the member may write now (not suspended, within the rate
limit for that kind of write), what the screen finds in the text, and whether what they wrote
waits for a moderator. Callers name the kind of write; the limits are the table below.
"""

from __future__ import annotations

import time
import unicodedata

from flask import current_app
from limits import parse_many
from werkzeug.exceptions import TooManyRequests

from app.content.screening import screen, screen_rendered
from app.extensions import limiter
from app.models import User
from app.moderation import service
from app.moderation.service import ModerationError

# Per member, per kind of write. An edit of a post counts apart from new posts.
WRITE_LIMITS = {
    "post": "10/hour",
    "post_edit": "30/hour",
    "reply": "30/hour",
    "profile": "10/hour",
    "handle": "3/day",
    "credentials": "5/day",
    "medical_review": "30/hour",
}


class WriteRateLimited(TooManyRequests):
    """Too many writes of one kind; answered as 429 with Retry-After by the error handler."""


def ensure_not_suspended(member: User) -> None:
    if member.is_suspended():
        until = member.suspended_until.strftime("%-d %B %Y")
        raise ModerationError(
            f"Your account is suspended until {until}: {member.suspension_reason or 'no reason'}. "
            "You can read, but not post, reply, flag or change your public profile until then.",
            403,
        )


def admit(member: User, kind: str) -> None:
    """May this member make this kind of public write now? Raises when not; counts it when so."""
    ensure_not_suspended(member)
    count_write(member, kind)


def count_write(member: User, kind: str) -> None:
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    strategy = limiter.limiter
    identifiers = ("write", kind, f"member:{member.id}")
    for limit in parse_many(WRITE_LIMITS[kind]):
        if not strategy.hit(limit, *identifiers):
            reset_at = strategy.get_window_stats(limit, *identifiers).reset_time
            wait = max(1, int(reset_at - time.time()))
            raise WriteRateLimited(
                f"You have made many changes of this kind recently ({limit}). "
                f"Please try again in {max(1, wait // 60)} minute(s); nothing was saved.",
                retry_after=wait,
            )


def findings(member: User, *texts: str) -> list[dict]:
    """What the personal-information screen finds in plain text others will read."""
    include_links = not service.is_trusted(member)
    text = "\n".join(part for part in texts if part)
    return [finding.as_dict() for finding in screen(text, include_links=include_links)]


def rendered_findings(member: User, title: str, html: str) -> list[dict]:
    """The same screen over rendered Markdown: the text readers see and the links' targets."""
    include_links = not service.is_trusted(member)
    return [f.as_dict() for f in screen_rendered(title, html, include_links=include_links)]


def needs_review(member: User, found: list[dict]) -> bool:
    """Held for a moderator: whatever the screen found, and all an untrusted member writes."""
    return bool(found) or not service.is_trusted(member)


# Names that pose as a badge or a role ------------------------------------------------------

ROLE_WORDS = frozenset(
    {
        "admin",
        "admins",
        "administrator",
        "administrators",
        "sysadmin",
        "mod",
        "mods",
        "moderator",
        "moderators",
        "moderation",
        "modteam",
        "verified",
        "verification",
        "provider",
        "providers",
        "staff",
        "official",
        "officials",
    }
)
# Long enough that finding them inside a longer word is no accident ("JaneModerator").
ROLE_WORDS_INSIDE = ("administrator", "moderator", "verified", "provider", "official")
BADGE_SYMBOLS = frozenset("✓✔☑✅🗸🗹🛡⚕")
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")
# Latin letters' lookalikes from Cyrillic and Greek (after casefolding).
LOOKALIKES = str.maketrans(
    "аеорсухіјѕмкнтвԁɡαοριεκντυ",
    "aeopcyxijsmkhtbdgaopiekvtu",
)
DIGIT_SPELLINGS = (
    str.maketrans("013457", "oieast"),
    str.maketrans("013457", "oleast"),
)


def _letters_and_gaps(name: str) -> str:
    """The name as a reader sees it: compatibility forms, accents, case and lookalikes folded,
    zero-width characters gone, camelCase words split, everything else a gap."""
    folded = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", name))
    folded = "".join(
        char
        for char in folded
        if char not in ZERO_WIDTH and not unicodedata.category(char).startswith("M")
    )
    spaced = "".join(
        f" {char}" if char.isupper() and index and folded[index - 1].islower() else char
        for index, char in enumerate(folded)
    )
    return spaced.casefold().translate(LOOKALIKES)


def _words(shape: str, digits: dict) -> list[str]:
    """The words of a name, and each run of single letters read as one word."""
    spelled = "".join(char if char.isalpha() else " " for char in shape.translate(digits))
    words = spelled.split()
    joined, run = [], ""
    for word in words:  # "m o d e r a t o r" and "M.O.D" are read as one word
        if len(word) == 1:
            run += word
            continue
        if run:
            joined.append(run)
            run = ""
    if run:
        joined.append(run)
    return words + joined


def impersonation_problem(name: str) -> str | None:
    """Why a display name or handle could be taken for a badge or a role, or None."""
    if any(char in BADGE_SYMBOLS for char in name):
        return (
            "A check mark could be taken for a badge or a role; badges are shown by the site. "
            "Please leave it out."
        )
    shape = _letters_and_gaps(name)
    for digits in DIGIT_SPELLINGS:
        words = _words(shape, digits)
        squeezed = "".join(char for char in shape.translate(digits) if char.isalpha())
        if (
            squeezed in ROLE_WORDS
            or any(word in ROLE_WORDS for word in words)
            or any(role in squeezed for role in ROLE_WORDS_INSIDE)
        ):
            return (
                "That name could be taken for a badge or a role (moderator, admin, verified, "
                "provider, staff, official). Roles and badges are shown by the site; please "
                "choose another name."
            )
    return None
