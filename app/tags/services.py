"""Creating and editing tags. Functions change the session and flush; the caller commits."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.content import render_markdown, slugify
from app.extensions import db
from app.models import Tag
from app.models.enums import TAG_KINDS

NAME_MIN, NAME_MAX = 2, 80
SLUG_MIN, SLUG_MAX = 2, 60
DESCRIPTION_MAX = 20_000
SYNONYM_MAX, SYNONYMS_MAX_COUNT = 80, 40
SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Paths under /tags/ that a tag slug would shadow.
RESERVED_SLUGS = frozenset({"new"})


class TagInputError(ValueError):
    """Input that cannot be saved: a message for each form field that needs a change."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class TagInput:
    name: str
    slug: str
    kind: str
    description: str
    synonyms: str


def clean_tag_input(
    *, name: str, slug: str, kind: str, description: str, synonyms: str, tag: Tag | None = None
) -> TagInput:
    """Checked, normalized fields for `tag` (None for a new tag), or TagInputError."""
    errors: dict[str, str] = {}
    name = " ".join(name.split())
    if not NAME_MIN <= len(name) <= NAME_MAX:
        errors["name"] = f"Use {NAME_MIN} to {NAME_MAX} characters for the name."
    elif has_control_characters(name):
        errors["name"] = "The name must be plain text, without control characters."
    slug = slug.strip() or (slugify(name, SLUG_MAX) if any(c.isalnum() for c in name) else "")
    if problem := slug_problem(slug, tag):
        errors["slug"] = problem
    if kind not in TAG_KINDS:
        errors["kind"] = "Choose condition, medication or topic."
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = (
            f"The description is limited to {DESCRIPTION_MAX:,} characters "
            f"(this one has {len(description):,})."
        )
    cleaned_synonyms, problem = clean_synonyms(synonyms)
    if problem:
        errors["synonyms"] = problem
    if errors:
        raise TagInputError(errors)
    return TagInput(name, slug, kind, description, cleaned_synonyms)


def slug_problem(slug: str, tag: Tag | None) -> str | None:
    if not slug:
        return "Enter a slug: the tag's address, e.g. autoimmune-hepatitis."
    if not (SLUG_MIN <= len(slug) <= SLUG_MAX and SLUG_PATTERN.fullmatch(slug)):
        return (
            f"Use {SLUG_MIN} to {SLUG_MAX} lowercase letters, digits and single hyphens "
            "for the slug, e.g. autoimmune-hepatitis."
        )
    if slug in RESERVED_SLUGS:
        return f"“{slug}” is reserved for a page of the site; choose another slug."
    taken = select(Tag.id).where(Tag.slug == slug)
    if tag is not None:
        taken = taken.where(Tag.id != tag.id)
    if db.session.scalar(taken) is not None:
        return f"The slug “{slug}” is already used by another tag; choose another."
    return None


def clean_synonyms(raw: str) -> tuple[str, str | None]:
    """Comma-separated synonyms, trimmed and without repeats; or a problem to show."""
    synonyms: list[str] = []
    for part in raw.split(","):
        synonym = " ".join(part.split())
        if not synonym or synonym.lower() in (s.lower() for s in synonyms):
            continue
        if len(synonym) > SYNONYM_MAX or has_control_characters(synonym):
            return raw, f"Each synonym must be plain text of at most {SYNONYM_MAX} characters."
        synonyms.append(synonym)
    if len(synonyms) > SYNONYMS_MAX_COUNT:
        return raw, f"Give at most {SYNONYMS_MAX_COUNT} synonyms."
    return ", ".join(synonyms), None


def has_control_characters(text: str) -> bool:
    return any(unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn") for char in text)


def create_tag(data: TagInput) -> Tag:
    tag = Tag(slug=data.slug, name=data.name, kind=data.kind)
    apply_input(tag, data)
    db.session.add(tag)
    flush_or_refuse(data.slug)
    return tag


def update_tag(tag: Tag, data: TagInput) -> None:
    """Save the changes (a new name or slug re-indexes the tag's posts: app.posts.changes)."""
    tag.name, tag.slug, tag.kind = data.name, data.slug, data.kind
    apply_input(tag, data)
    flush_or_refuse(data.slug)


def apply_input(tag: Tag, data: TagInput) -> None:
    tag.description_source = data.description
    tag.description_html = render_markdown(data.description) if data.description.strip() else ""
    tag.synonyms = data.synonyms


def flush_or_refuse(slug: str) -> None:
    """Flush; a slug taken by a concurrent request becomes the same message as a checked one."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise TagInputError(
            {"slug": f"The slug “{slug}” is already used by another tag; choose another."}
        ) from error
