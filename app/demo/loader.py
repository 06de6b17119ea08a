"""Loads the illustrative demo community into an empty database."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select

from app.auth.services import create_account
from app.content import render_markdown
from app.db import utcnow
from app.demo.authors import AUTHORS, PROVIDER_POSTS
from app.demo.patient_posts import PATIENT_POSTS
from app.demo.tags import TAGS
from app.extensions import db
from app.models import Post, Tag, User
from app.posts.services import create_published_post

DEMO_EMAIL_DOMAIN = "demo.invalid"


@dataclass
class SeedResult:
    created: bool
    sign_ins: list[tuple[str, str, str]] = field(default_factory=list)
    tags: int = 0
    posts: int = 0


def database_is_empty() -> bool:
    return not any(
        db.session.scalar(select(func.count()).select_from(model)) for model in (User, Post, Tag)
    )


def seed_demo() -> SeedResult:
    """Create demo tags, members and posts, once; report the sign-ins made for them."""
    if not database_is_empty():
        return SeedResult(created=False)
    result = SeedResult(created=True)
    tags = {spec["slug"]: create_tag(spec) for spec in TAGS}
    members = {}
    for spec in AUTHORS:
        password = secrets.token_urlsafe(12)
        members[spec["username"]] = create_member(spec, password)
        result.sign_ins.append((spec["username"], members[spec["username"]].email, password))
    now = utcnow()
    for spec in sorted(PROVIDER_POSTS + PATIENT_POSTS, key=lambda s: -s["days_ago"]):
        author = members[spec["author"]]
        create_published_post(
            author=author,
            kind=spec["kind"],
            title=spec["title"],
            body=spec["body"],
            tags=[tags[slug] for slug in spec["tags"]],
            published_at=now - timedelta(days=spec["days_ago"], minutes=len(spec["title"])),
            reviewed_by=reviewer_for(author, members) if spec.get("reviewed") else None,
        )
    result.tags = len(tags)
    result.posts = len(PROVIDER_POSTS) + len(PATIENT_POSTS)
    db.session.flush()
    return result


def reviewer_for(author: User, members: dict[str, User]) -> User:
    """A verified provider other than the author reviews an article."""
    return members["dr-haddad" if author.username == "dr-okafor" else "dr-okafor"]


def create_tag(spec: dict) -> Tag:
    tag = Tag(
        slug=spec["slug"],
        name=spec["name"],
        kind=spec["kind"],
        description_source=spec["description"],
        description_html=render_markdown(spec["description"]),
        synonyms=", ".join(spec.get("synonyms", [])),
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
