"""Saving and erasing an experience's facts, and the report rows derived from them.

Functions change the session and flush; the caller commits. The ORM sees every change of an
`ExperienceFact` or `ExperienceSideEffect`, so the page cache (app.cache) is emptied with it.
"""

from __future__ import annotations

from sqlalchemy import delete, insert, select

from app.db import utcnow
from app.experiences.facts import SIDE_EFFECTS, SINGLE_FIELDS, Facts
from app.extensions import db
from app.models import ExperienceFact, ExperienceSideEffect, Post, experience_report_rows, post_tags


def facts_of(post_id: int) -> Facts | None:
    """The facts stored for a post, or None."""
    found = facts_by_post([post_id])
    return found.get(post_id)


def facts_by_post(post_ids: list[int]) -> dict[int, Facts]:
    if not post_ids:
        return {}
    rows = db.session.scalars(select(ExperienceFact).where(ExperienceFact.post_id.in_(post_ids)))
    effects: dict[int, list[str]] = {}
    for post_id, effect in db.session.execute(
        select(ExperienceSideEffect.post_id, ExperienceSideEffect.effect).where(
            ExperienceSideEffect.post_id.in_(post_ids)
        )
    ):
        effects.setdefault(post_id, []).append(effect)
    return {
        row.post_id: Facts(
            **{name: getattr(row, name) for name in SINGLE_FIELDS},
            side_effects=tuple(e for e in SIDE_EFFECTS if e in effects.get(row.post_id, ())),
        )
        for row in rows
    }


def save_facts(post: Post, facts: Facts | None) -> None:
    """Store these facts for the post (none for a post that is not an experience, or empty
    facts), and rebuild its report rows from its current tags."""
    db.session.flush()
    if post.kind != "experience" or facts is None or facts.is_empty:
        erase_facts([post.id])
        return
    row = db.session.get(ExperienceFact, post.id)
    if row is None:
        row = ExperienceFact(post_id=post.id, author_id=post.author_id)
        db.session.add(row)
    elif facts_of(post.id) == facts:
        rebuild_report_rows(post.id, facts)  # the tags may have changed
        return
    for name in SINGLE_FIELDS:
        setattr(row, name, getattr(facts, name))
    row.updated_at = utcnow()  # a change the page cache sees, even of side effects alone
    db.session.flush()
    db.session.execute(delete(ExperienceSideEffect).where(ExperienceSideEffect.post_id == post.id))
    for effect in facts.side_effects:
        db.session.add(ExperienceSideEffect(post_id=post.id, effect=effect))
    db.session.flush()
    rebuild_report_rows(post.id, facts)


def rebuild_report_rows(post_id: int, facts: Facts) -> None:
    """One row per tag of the post and value it reports, listed as the listing index lists
    the post in that tag."""
    db.session.execute(
        delete(experience_report_rows).where(experience_report_rows.c.post_id == post_id)
    )
    author_id = db.session.scalar(select(Post.author_id).where(Post.id == post_id))
    tagged = db.session.execute(
        select(post_tags.c.tag_id, post_tags.c.published_at.is_not(None)).where(
            post_tags.c.post_id == post_id
        )
    )
    rows = [
        {"post_id": post_id, "tag_id": tag_id, "facet": facet, "value": value}
        | {"author_id": author_id, "listed": bool(listed)}
        for tag_id, listed in sorted(tagged)
        for facet, value in facts.reported()
    ]
    if rows:
        db.session.execute(insert(experience_report_rows), rows)


def erase_facts(post_ids: list[int]) -> None:
    """Forget these posts' facts and everything counted from them."""
    if not post_ids:
        return
    table = experience_report_rows
    db.session.execute(delete(table).where(table.c.post_id.in_(post_ids)))
    db.session.execute(
        delete(ExperienceSideEffect).where(ExperienceSideEffect.post_id.in_(post_ids))
    )
    for row in db.session.scalars(
        select(ExperienceFact).where(ExperienceFact.post_id.in_(post_ids))
    ):
        db.session.delete(row)  # through the ORM, so the page cache sees it
    db.session.flush()


def erase_member_facts(author_id: int) -> None:
    """A member's erasure: their facts leave every figure, whatever happens to their posts."""
    post_ids = list(
        db.session.scalars(
            select(ExperienceFact.post_id).where(ExperienceFact.author_id == author_id)
        )
    )
    erase_facts(post_ids)
