"""Revision 0003 fills the listing index from the posts a deployed site already has."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from tests.conftest import postgres_server, test_config
from tests.migrating import upgrade

WHEN = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


def fresh_database_url(kind: str, tmp_path) -> str:
    if kind == "postgres":
        return postgres_server().create_database(f"backfill_{uuid.uuid4().hex[:12]}")
    return f"sqlite:///{tmp_path / 'backfill.db'}"


@contextmanager
def site_at_revision_0002(tmp_path, database: str) -> Iterator[None]:
    """An app context on a fresh database migrated to 0002 and holding the site below; the
    engine is disposed on leaving."""
    app = create_app(test_config(tmp_path, DATABASE_URL=fresh_database_url(database, tmp_path)))
    with app.app_context():
        upgrade(revision="0002")
        with db.engine.begin() as connection:
            insert_site_before_0003(connection)
        yield
        db.engine.dispose()


def insert_site_before_0003(connection) -> None:
    """Two authors, three tags and posts in several states, written as revision 0002 had them."""
    tables = sa.MetaData()
    users, tags, posts, post_tags = (
        sa.Table(name, tables, autoload_with=connection)
        for name in ("users", "tags", "posts", "post_tags")
    )
    connection.execute(
        users.insert(),
        [
            {"id": n, "username": name, "display_name": name, "role": "patient", "bio_source": "",
             "bio_html": "", "created_at": WHEN, "approved_post_count": 0, "session_version": 1,
             "verification_state": "unverified"}
            for n, name in ((1, "ann"), (2, "bo"))
        ],
    )  # fmt: skip
    connection.execute(
        tags.insert(),
        [
            {"id": n, "slug": slug, "name": slug, "kind": "topic", "description_source": "",
             "description_html": "", "synonyms": "", "created_at": WHEN, "updated_at": WHEN}
            for n, slug in ((1, "aza"), (2, "aih"), (3, "liver"))
        ],
    )  # fmt: skip
    specs = [  # id, author, kind, status, published, tags
        (1, 1, "question", "published", True, (1, 2)),
        (2, 1, "article", "published", True, (1,)),
        (3, 2, "question", "published", True, (1, 2, 3)),
        (4, 2, "question", "hidden", True, (1, 2)),
        (5, 1, "experience", "pending", False, (1,)),
    ]
    connection.execute(
        posts.insert(),
        [
            {"id": n, "kind": kind, "title": f"Post {n}", "slug": f"post-{n}", "summary": "",
             "body_source": "text", "body_html": "<p>text</p>", "markup_version": 1,
             "status": status, "author_id": author,
             "published_at": WHEN + timedelta(days=n) if published else None,
             "findings": "[]", "helpful_count": 10 * n, "created_at": WHEN, "updated_at": WHEN}
            for n, author, kind, status, published, _ in specs
        ],
    )  # fmt: skip
    connection.execute(
        post_tags.insert(),
        [{"post_id": n, "tag_id": tag} for n, *_, tag_ids in specs for tag in tag_ids],
    )


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_the_upgrade_fills_the_listing_index_from_existing_posts(tmp_path, database):
    with site_at_revision_0002(tmp_path, database):
        upgrade()
        with db.engine.connect() as connection:
            kinds = connection.execute(
                sa.text("SELECT tag_id, kind, post_count FROM tag_kind_counts")
            ).all()
            pairs = connection.execute(
                sa.text("SELECT tag_id, other_tag_id, post_count FROM tag_pair_counts")
            ).all()
            authors = connection.execute(
                sa.text("SELECT id, published_post_count FROM users")
            ).all()
            listed = connection.execute(
                sa.text("SELECT post_id FROM post_tags WHERE published_at IS NOT NULL")
            ).scalars()
            listed = sorted(set(listed))
            helpful = connection.execute(
                sa.text("SELECT DISTINCT post_id, helpful_count FROM post_tags")
            ).all()
            copied = connection.scalar(
                sa.text(
                    "SELECT count(*) FROM post_tags JOIN posts ON posts.id = post_tags.post_id "
                    "WHERE post_tags.published_at = posts.published_at"
                )
            )
    assert sorted(kinds) == [
        (1, "article", 1),
        (1, "question", 2),
        (2, "question", 2),
        (3, "question", 1),
    ]
    assert sorted(pairs) == [(1, 2, 2), (1, 3, 1), (2, 1, 2), (2, 3, 1), (3, 1, 1), (3, 2, 1)]
    assert sorted(authors) == [(1, 2), (2, 1)]
    assert listed == [1, 2, 3]
    assert copied == 6  # the tag rows of posts 1, 2 and 3 carry their post's date
    assert sorted(helpful) == [(1, 10), (2, 20), (3, 30), (4, 0), (5, 0)]


def test_upgrading_a_site_on_sqlite_keeps_every_child_row_and_turns_foreign_keys_back_on(
    tmp_path,
):
    """Batch mode copies and drops `posts` on SQLite; that drop must not cascade to its rows."""
    with site_at_revision_0002(tmp_path, "sqlite"):
        upgrade()
        with db.engine.connect() as connection:
            post_tags = connection.scalar(sa.text("SELECT count(*) FROM post_tags"))
            foreign_keys = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
    assert post_tags == 9
    assert foreign_keys == 1
