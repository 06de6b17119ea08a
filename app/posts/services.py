"""Writing posts. Functions change the session and flush; the caller commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.content import MARKUP_VERSION, render_markdown, slugify, summarize
from app.extensions import db
from app.models import Post, SearchOutbox, Tag, User


def unique_post_slug(title: str) -> str:
    base = slugify(title)
    taken = set(
        db.session.scalars(
            select(Post.slug).where((Post.slug == base) | Post.slug.startswith(f"{base}-"))
        )
    )
    if base not in taken:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"


def create_published_post(
    *,
    author: User,
    kind: str,
    title: str,
    body: str,
    tags: list[Tag],
    published_at: datetime,
    reviewed_by: User | None = None,
) -> Post:
    """A post that is public at once: for demo content and imports, not member submissions."""
    html = render_markdown(body)
    post = Post(
        author=author,
        kind=kind,
        title=title,
        slug=unique_post_slug(title),
        summary=summarize(html),
        body_source=body,
        body_html=html,
        markup_version=MARKUP_VERSION,
        status="published",
        tags=tags,
        created_at=published_at,
        updated_at=published_at,
        published_at=published_at,
        reviewed_by=reviewed_by,
        last_reviewed_at=published_at if reviewed_by else None,
    )
    db.session.add(post)
    db.session.flush()
    db.session.add(SearchOutbox(post_id=post.id, operation="index"))
    return post
