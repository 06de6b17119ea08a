"""The listing index: which published posts each tag lists, and how many each tag and author
has, kept in the same transaction as every change to a post.

Five denormalized facts, all derived from the one visibility rule (app.models.visibility):
- `post_tags.published_at` and `.helpful_count`: the post's publication time and helpful count
  while it is public (else NULL and 0), so a tag's listings (newest or most helpful first), its
  previous/next and related posts read one index in order;
- `experience_report_rows.listed`: the same for an experience's facts, so a tag's "What
  members report" figures (app.experiences.reports) count from one index;
- `tag_kind_counts`: public posts per tag and kind (tag page totals, counts on every page);
- `tag_pair_counts`: public posts carrying both of two tags (a tag page's related tags);
- `users.published_post_count`: an author's public posts (profile, feeds, API).

app.posts.changes reads the changed posts' footprints before and after every change (at flush,
or around a bulk statement) and applies the difference here, so counters move by exact deltas
(UPDATE ... + delta) and concurrent transactions cannot lose an update.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Table, bindparam, select, update

from app.db import UTCDateTime, upsert
from app.models import (
    Post,
    TagKindCount,
    TagPairCount,
    User,
    experience_report_rows,
    post_tags,
)


@dataclass(frozen=True)
class Footprint:
    """What one public post adds to the index."""

    author_id: int
    kind: str
    published_at: datetime | None
    helpful_count: int
    tag_ids: frozenset[int]

    def kind_keys(self) -> Iterator[tuple[int, str]]:
        return ((tag_id, self.kind) for tag_id in self.tag_ids)

    def pair_keys(self) -> Iterator[tuple[int, int]]:
        return ((a, b) for a in self.tag_ids for b in self.tag_ids if a != b)


Footprints = dict[int, Footprint | None]


def footprints(connection: Connection, post_ids: Iterable[int]) -> Footprints:
    """Each post's footprint as the database has it now (None when not public or gone)."""
    ids = sorted(set(post_ids))
    if not ids:
        return {}
    rows = connection.execute(
        select(
            *(Post.id, Post.is_public, Post.author_id, Post.kind, Post.published_at),
            *(Post.helpful_count, post_tags.c.tag_id),
        )
        .outerjoin(post_tags, post_tags.c.post_id == Post.id)
        .where(Post.id.in_(ids))
    ).all()
    public: dict[int, tuple] = {}
    for post_id, is_public, *facts, tag_id in rows:
        if is_public:
            tag_ids = public.setdefault(post_id, (*facts, set()))[-1]
            if tag_id is not None:
                tag_ids.add(tag_id)
    found: Footprints = dict.fromkeys(ids)
    for post_id, (*facts, tag_ids) in public.items():
        found[post_id] = Footprint(*facts, frozenset(tag_ids))
    return found


def apply_changes(connection: Connection, before: Footprints, after: Footprints) -> None:
    """Move the index from `before` to `after` for these posts."""
    author_deltas: Counter[int] = Counter()
    kind_deltas: Counter[tuple[int, str]] = Counter()
    pair_deltas: Counter[tuple[int, int]] = Counter()
    listed = []
    for post_id in sorted(before.keys() | after.keys()):
        old, new = before.get(post_id), after.get(post_id)
        for footprint, sign in ((old, -1), (new, 1)):
            if footprint is not None:
                author_deltas[footprint.author_id] += sign
                kind_deltas.update({key: sign for key in footprint.kind_keys()})
                pair_deltas.update({key: sign for key in footprint.pair_keys()})
        listed.append(
            {
                "post": post_id,
                "when": new.published_at if new else None,
                "helpful": new.helpful_count if new else 0,
            }
        )
    if listed:
        connection.execute(
            update(post_tags)
            .where(post_tags.c.post_id == bindparam("post"))
            .values(
                published_at=bindparam("when", type_=UTCDateTime()),
                helpful_count=bindparam("helpful"),
            ),
            listed,
        )
        reported = experience_report_rows.c
        connection.execute(
            update(experience_report_rows)
            .where(reported.post_id == bindparam("post"), reported.listed != bindparam("shown"))
            .values(listed=bindparam("shown")),
            [{"post": row["post"], "shown": row["when"] is not None} for row in listed],
        )
    add_author_counts(connection, author_deltas)
    add_counts(connection, TagKindCount.__table__, ("tag_id", "kind"), kind_deltas)
    add_counts(connection, TagPairCount.__table__, ("tag_id", "other_tag_id"), pair_deltas)


def add_author_counts(connection: Connection, deltas: Counter[int]) -> None:
    users = User.__table__
    rows = [{"author": author_id, "delta": n} for author_id, n in sorted(deltas.items()) if n]
    if rows:
        connection.execute(
            update(users)
            .where(users.c.id == bindparam("author"))
            .values(published_post_count=users.c.published_post_count + bindparam("delta")),
            rows,
        )


def add_counts(
    connection: Connection, table: Table, keys: tuple[str, str], deltas: Counter
) -> None:
    """Add each delta to its row's post_count, creating the row when it is missing (rows in key
    order, so two transactions touching the same rows lock them in the same order)."""
    rows = [
        dict(zip(keys, key, strict=True), post_count=n) for key, n in sorted(deltas.items()) if n
    ]
    if not rows:
        return
    insert = upsert(table, connection.dialect.name)
    connection.execute(
        insert.on_conflict_do_update(
            index_elements=list(keys),
            set_={"post_count": table.c.post_count + insert.excluded.post_count},
        ),
        rows,
    )
