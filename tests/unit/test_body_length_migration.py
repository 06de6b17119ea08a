"""Revision 0005 stores each post's body length (characters) for the posts a site already has,
and Post keeps it in step whenever a body is written."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Post
from tests.helpers import make_post
from tests.migrating import upgrade
from tests.unit.test_listing_index_migration import site_at_revision_0002

ACCENTED = "Café naïve — “Imuran” 50 mg ✓ " * 40  # characters, not bytes, are counted


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_the_upgrade_counts_the_bodies_already_there(tmp_path, database):
    with site_at_revision_0002(tmp_path, database):
        upgrade(revision="0004")
        with db.engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE posts SET body_source = :body WHERE id = 2"), {"body": ACCENTED}
            )
        upgrade()
        with db.engine.connect() as connection:
            lengths = dict(connection.execute(sa.text("SELECT id, body_length FROM posts")).all())
    assert lengths == {1: 4, 2: len(ACCENTED), 3: 4, 4: 4, 5: 4}


def test_writing_a_body_keeps_its_length(app, users):
    post = make_post(users["patient"], body="short")
    assert post.body_length == 5
    post.body_source = ACCENTED
    db.session.commit()
    stored = db.session.scalar(sa.select(Post.body_length).where(Post.id == post.id))
    assert stored == len(ACCENTED)
    assert post.reading_minutes == round(len(ACCENTED) / 1200)
