"""Re-render stored HTML after the markup version changes (the allowlist or renderer moved)."""

from __future__ import annotations

from sqlalchemy import or_, select

from app.content.render import MARKUP_VERSION, render_markdown, summarize
from app.extensions import db
from app.models import Comment, Post, SearchOutbox, Tag, User

BATCH = 500


def rerender_outdated(everything: bool = False) -> dict[str, int]:
    counts = {"posts": 0, "comments": 0, "tags": 0, "bios": 0}
    for model in (Post, Comment):
        query = select(model)
        if not everything:
            query = query.where(model.markup_version < MARKUP_VERSION)
        for item in db.session.scalars(query.execution_options(yield_per=BATCH)):
            item.body_html = render_markdown(item.body_source)
            item.markup_version = MARKUP_VERSION
            if isinstance(item, Post):
                item.summary = summarize(item.body_html)
                if item.is_public:
                    db.session.add(SearchOutbox(post_id=item.id, operation="index"))
            counts["posts" if isinstance(item, Post) else "comments"] += 1
    for tag in db.session.scalars(select(Tag)):
        tag.description_html = render_markdown(tag.description_source)
        counts["tags"] += 1
    for user in db.session.scalars(
        select(User).where(or_(User.bio_source != "", User.bio_html != ""))
    ):
        user.bio_html = render_markdown(user.bio_source)
        counts["bios"] += 1
    db.session.flush()
    return counts
