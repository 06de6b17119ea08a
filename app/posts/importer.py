"""Bulk import of published posts from JSON Lines (`flask --app wsgi posts import FILE`).

`import_records` takes the same records already decoded; the demo content is loaded with it.
A record may name, in `reviewed_by`, the verified provider who reviewed the post."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from app.db import refresh_planner_statistics
from app.extensions import db
from app.models import Post, Tag, User
from app.models.enums import POST_KINDS
from app.posts.services import BODY_MAX, TITLE_MAX, create_published_post

REQUIRED = ("external_id", "title", "body", "kind", "tags", "author", "published_at")
BATCH_SIZE = 500


@dataclass
class ImportReport:
    created: int = 0
    skipped_existing: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


class LineError(ValueError):
    pass


@dataclass(frozen=True)
class ImportLine:
    external_id: str
    title: str
    body: str
    kind: str
    tag_slugs: list[str]
    author: str
    published_at: datetime
    reviewed_by: str | None = None


def decode(raw: str) -> object:
    """The JSON value of a line, or the LineError that says why it has none."""
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        return LineError(f"not valid JSON ({error.msg})")


def parse_record(data: object) -> ImportLine:
    if isinstance(data, LineError):
        raise data
    if not isinstance(data, dict):
        raise LineError("each line must be a JSON object")
    missing = [name for name in REQUIRED if name not in data]
    if missing:
        raise LineError("missing " + ", ".join(missing))
    text_fields = ("external_id", "title", "body", "kind", "author", "published_at")
    for name in text_fields:
        if not isinstance(data[name], str) or not data[name].strip():
            raise LineError(f"{name} must be a non-empty string")
    if not isinstance(data["tags"], list) or not all(isinstance(t, str) for t in data["tags"]):
        raise LineError("tags must be a list of tag slugs")
    if any("\x00" in value for value in [*(data[name] for name in text_fields), *data["tags"]]):
        raise LineError("text must not contain NUL characters")
    if data["kind"] not in POST_KINDS:
        raise LineError(f"kind must be one of {', '.join(POST_KINDS)}")
    if len(data["title"]) > TITLE_MAX or len(data["body"]) > BODY_MAX:
        raise LineError(f"title is limited to {TITLE_MAX} and body to {BODY_MAX} characters")
    if len(data["external_id"]) > 120:
        raise LineError("external_id is limited to 120 characters")
    try:
        published_at = datetime.fromisoformat(data["published_at"])
    except ValueError:
        raise LineError("published_at must be an ISO 8601 date and time") from None
    if published_at.tzinfo is None:
        raise LineError("published_at needs a timezone, e.g. 2025-03-01T10:00:00+00:00")
    reviewed_by = data.get("reviewed_by")
    if reviewed_by is not None and not is_username(reviewed_by):
        raise LineError("reviewed_by must be the username of a verified provider")
    return ImportLine(
        data["external_id"].strip(),
        data["title"].strip(),
        data["body"],
        data["kind"],
        data["tags"],
        data["author"].strip().lower(),
        published_at,
        reviewed_by.strip().lower() if reviewed_by else None,
    )


def is_username(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip()) and "\x00" not in value


def numbered_lines(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(lines, start=1):
        if raw.strip():
            yield number, raw


def import_posts(lines: Iterable[str], progress=None) -> ImportReport:
    """Validate and import every line; a bad line is reported and skipped, nothing else lost."""
    return import_records(
        ((number, decode(raw)) for number, raw in numbered_lines(lines)), progress
    )


def import_records(records: Iterable[tuple[int, object]], progress=None) -> ImportReport:
    """Validate and import numbered records, each what one JSON line holds; a bad record is
    reported by its number and skipped."""
    report = ImportReport()
    tags = known_tags()
    authors: dict[str, User | None] = {}
    batch: list[tuple[int, ImportLine]] = []
    for number, data in records:
        try:
            line = checked_record(data, tags, authors)
        except LineError as error:
            report.errors.append((number, str(error)))
            continue
        batch.append((number, line))
        if len(batch) >= BATCH_SIZE:
            import_batch(batch, tags, authors, report)
            batch = []
        if progress:
            progress(number)
    import_batch(batch, tags, authors, report)
    if report.created:
        refresh_planner_statistics()
    return report


def record_errors(records: Iterable[tuple[int, object]]) -> list[tuple[int, str]]:
    """What import_records would refuse, found without writing anything."""
    tags, authors, errors = known_tags(), {}, []
    for number, data in records:
        try:
            checked_record(data, tags, authors)
        except LineError as error:
            errors.append((number, str(error)))
    return errors


def known_tags() -> dict[str, Tag]:
    return {tag.slug: tag for tag in db.session.scalars(select(Tag))}


def checked_record(data: object, tags: dict[str, Tag], authors: dict[str, User | None]):
    """The record as an ImportLine, or LineError saying why it cannot be imported."""
    line = parse_record(data)
    unknown = [slug for slug in line.tag_slugs if slug not in tags]
    if unknown:
        raise LineError("unknown tags: " + ", ".join(unknown))
    if member(line.author, authors) is None:
        raise LineError(f"unknown author {line.author!r}")
    if line.reviewed_by is not None:
        check_reviewer(line, member(line.reviewed_by, authors))
    return line


def member(username: str, known: dict[str, User | None]) -> User | None:
    if username not in known:
        known[username] = db.session.scalar(select(User).where(User.username == username))
    return known[username]


def check_reviewer(line: ImportLine, reviewer: User | None) -> None:
    if reviewer is None or not reviewer.is_verified_provider:
        raise LineError(f"reviewed_by {line.reviewed_by!r} is not a verified provider")
    if reviewer.username == line.author:
        raise LineError("a post is reviewed by someone other than its author")


def import_batch(batch, tags, authors, report: ImportReport) -> None:
    existing = set(
        db.session.scalars(
            select(Post.external_id).where(
                Post.external_id.in_([line.external_id for _, line in batch])
            )
        )
    )
    for _, line in batch:
        if line.external_id in existing:
            report.skipped_existing += 1
            continue
        existing.add(line.external_id)
        author = authors[line.author]
        create_published_post(
            author=author,
            kind=line.kind,
            title=line.title,
            body=line.body,
            tags=[tags[slug] for slug in line.tag_slugs],
            published_at=line.published_at,
            reviewed_by=authors[line.reviewed_by] if line.reviewed_by else None,
            external_id=line.external_id,
        )
        report.created += 1
    db.session.commit()
