"""Loads the illustrative demo community into an empty database.

The content is data in `app/demo/content/`: members in `authors.toml`, and each tag and post
a Markdown file that opens with TOML front matter between `+++` lines. Posts go through the
same importer as `flask --app wsgi posts import`.
"""

from __future__ import annotations

import secrets
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from sqlalchemy import func, select

from app.auth.services import create_account
from app.content import render_markdown
from app.db import utcnow
from app.extensions import db
from app.models import Post, Tag, User
from app.posts.importer import import_records, record_errors

DEMO_EMAIL_DOMAIN = "demo.invalid"
CONTENT = resources.files("app.demo") / "content"
FENCE = "+++\n"


class DemoContentError(RuntimeError):
    """A file of the demo content that cannot be loaded."""


@dataclass
class SeedResult:
    created: bool
    sign_ins: list[tuple[str, str, str]] = field(default_factory=list)
    tags: int = 0
    posts: int = 0


@dataclass(frozen=True)
class Document:
    name: str
    fields: dict[str, Any]
    body: str


def database_is_empty() -> bool:
    return not any(
        db.session.scalar(select(func.count()).select_from(model)) for model in (User, Post, Tag)
    )


def seed_demo() -> SeedResult:
    """Create demo tags, members and posts, once; report the sign-ins made for them."""
    if not database_is_empty():
        return SeedResult(created=False)
    result = SeedResult(created=True)
    result.tags = len([create_tag(document) for document in read_documents("tags")])
    for spec in read_authors():
        password = secrets.token_urlsafe(12)
        member = create_member(spec, password)
        result.sign_ins.append((member.username, member.email, password))
    db.session.flush()
    result.posts = import_posts(read_documents("posts"))
    return result


def import_posts(documents: list[Document]) -> int:
    """All the demo posts or, before anything is written, DemoContentError naming the bad ones
    (the importer commits as it goes)."""
    now = utcnow()
    documents = sorted(documents, key=lambda document: (published_at(document, now), document.name))
    records = [post_record(document, now) for document in documents]
    errors = record_errors(enumerate(records))
    if errors:
        problems = "; ".join(f"{documents[number].name}: {error}" for number, error in errors)
        raise DemoContentError(f"demo posts that cannot be loaded: {problems}")
    return import_records(enumerate(records)).created


def post_record(document: Document, now: datetime) -> dict[str, Any]:
    """A post file as a record of the importer (the format of `posts import`)."""
    record = {
        name: document.fields[name]
        for name in ("title", "kind", "tags", "author", "reviewed_by")
        if name in document.fields
    }
    record["external_id"] = f"demo/{document.name}"
    record["body"] = document.body
    record["published_at"] = published_at(document, now).isoformat()
    return record


def published_at(document: Document, now: datetime) -> datetime:
    """Days ago, and as many minutes earlier as the title is long: a spread-out history."""
    fields = document.fields
    return now - timedelta(days=fields["days_ago"], minutes=len(fields["title"]))


def read_authors() -> list[dict[str, Any]]:
    return tomllib.loads(CONTENT.joinpath("authors.toml").read_text(encoding="utf-8"))["authors"]


def read_documents(folder: str) -> list[Document]:
    entries = sorted(CONTENT.joinpath(folder).iterdir(), key=lambda entry: entry.name)
    return [read_document(entry) for entry in entries if entry.name.endswith(".md")]


def read_document(entry: Traversable) -> Document:
    """Front matter between two `+++` lines, then the Markdown body exactly as written."""
    text = entry.read_text(encoding="utf-8")
    end = text.find("\n" + FENCE, len(FENCE) - 1)
    if not text.startswith(FENCE) or end == -1:
        raise DemoContentError(f"{entry.name} does not open with +++ front matter")
    front_matter = text[len(FENCE) : end + 1]
    try:
        fields = tomllib.loads(front_matter)
    except tomllib.TOMLDecodeError as error:
        raise DemoContentError(f"{entry.name}: {error}") from None
    return Document(entry.name.removesuffix(".md"), fields, text[end + 1 + len(FENCE) :])


def create_tag(document: Document) -> Tag:
    fields = document.fields
    tag = Tag(
        slug=fields["slug"],
        name=fields["name"],
        kind=fields["kind"],
        description_source=document.body,
        description_html=render_markdown(document.body),
        synonyms=", ".join(fields.get("synonyms", [])),
    )
    db.session.add(tag)
    return tag


def create_member(spec: dict, password: str) -> User:
    user = create_account(
        email=f"{spec['username']}@{DEMO_EMAIL_DOMAIN}",
        username=spec["username"],
        password=password,
        role=spec["role"],
        display_name=spec["display_name"],
        consented=True,
    )
    user.bio_source = spec.get("bio", "")
    user.bio_html = render_markdown(user.bio_source)
    if spec["role"] == "provider":
        user.credentials = spec.get("credentials")
        user.specialty = spec.get("specialty")
        if spec.get("verified"):
            user.verification_state = "verified"
            user.verified_at = utcnow()
    return user
