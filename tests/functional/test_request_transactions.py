"""How a request's transaction ends: on PostgreSQL a transaction that only read ends with COMMIT,
so psycopg keeps the statements it prepared; anything that wrote or failed still rolls back."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DBAPIError

from app.db import end_read_only_transaction
from app.extensions import db
from app.models import Post, Tag
from tests.conftest import on_postgres
from tests.helpers import make_post, make_tag

PREPARE_THRESHOLD = 5  # psycopg prepares a statement on its fifth run on one connection


@pytest.fixture
def endings(app):
    """'commit' and 'rollback' as the engine's connections do them."""
    seen: list[str] = []
    listeners = {
        "commit": lambda connection: seen.append("commit"),
        "rollback": lambda connection: seen.append("rollback"),
    }
    for name, listener in listeners.items():
        event.listen(db.engine, name, listener)
    yield seen
    for name, listener in listeners.items():
        event.remove(db.engine, name, listener)


def test_a_page_that_only_read_ends_with_commit_on_postgres(client, users, endings):
    make_post(users["patient"])
    client.get("/")  # the first request checks (and here builds) the search index
    endings.clear()
    assert client.get("/").status_code == 200
    assert endings == (["commit"] if on_postgres() else ["rollback"])


def test_statements_stay_prepared_from_one_request_to_the_next(app, client, users):
    """Without the COMMIT, every request's ROLLBACK made psycopg forget its prepared
    statements, so none was ever prepared and PostgreSQL planned each one again."""
    make_post(users["patient"], tags=[make_tag("azathioprine")])
    prepared: list[int] = []

    @app.after_request
    def count_prepared(response):
        if on_postgres():
            query = text("SELECT count(*) FROM pg_prepared_statements")
            prepared.append(db.session.scalar(query))
        return response

    for _ in range(PREPARE_THRESHOLD * 3):
        assert client.get("/tags/azathioprine").status_code == 200
    if on_postgres():
        assert max(prepared) > 0
    else:
        assert prepared == []  # SQLite has no server to prepare on; nothing changes there


def test_listings_carry_their_limit_in_the_sql_and_are_planned_once(app, client, users):
    """With LIMIT as a parameter PostgreSQL costed the generic plan as if a tenth of the rows
    were wanted and planned each listing again on every run; written into the SQL, the
    listing gets one generic plan per connection."""
    client.set_cookie("returning", "1")  # a cookie keeps the page cache out of the way
    make_post(users["patient"], tags=[make_tag("azathioprine")])
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()))

    plans: list[tuple[int, int]] = []

    @app.after_request
    def read_plans(response):
        if on_postgres():
            query = text(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                "WHERE statement LIKE '%JOIN post_tags%LIMIT 20 OFFSET 0'"
            )
            plans.extend((row[0], row[1]) for row in db.session.execute(query))
        return response

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        for _ in range(PREPARE_THRESHOLD * 3):
            assert client.get("/tags/azathioprine").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    listing = [s for s in statements if s.startswith("SELECT posts.") and "LIMIT 20 OFFSET 0" in s]
    assert len(listing) == PREPARE_THRESHOLD * 3
    if on_postgres():
        assert plans and max(generic for generic, _ in plans) > 0, plans


def test_unflushed_changes_are_rolled_back(app, users):
    db.session.add(Tag(slug="never-saved", name="Never saved", kind="topic"))
    end_read_only_transaction(db.session())
    db.session.rollback()
    assert db.session.scalar(select(Tag).where(Tag.slug == "never-saved")) is None


def test_flushed_writes_are_rolled_back(app, users, endings):
    db.session.add(Tag(slug="flushed-only", name="Flushed only", kind="topic"))
    db.session.flush()
    endings.clear()
    end_read_only_transaction(db.session())
    assert endings == []
    db.session.rollback()
    assert db.session.scalar(select(Tag).where(Tag.slug == "flushed-only")) is None


def test_a_failed_statement_is_left_to_the_rollback(app, users, endings):
    with pytest.raises(DBAPIError):
        db.session.execute(text("SELECT no_such_column FROM posts"))
    endings.clear()
    end_read_only_transaction(db.session())
    assert endings == []
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Post)) == 0


def test_a_read_only_transaction_commits_only_on_postgres(app, users, endings):
    db.session.scalar(select(func.count()).select_from(Post))
    endings.clear()
    end_read_only_transaction(db.session())
    assert endings == (["commit"] if on_postgres() else [])


def test_a_flush_that_wrote_nothing_is_left_to_the_rollback(app, users, endings):
    """Setting a field to the value it had flushes no UPDATE, but commit hooks (the page
    cache's content version) would still act on the flush: only a rollback ends it."""
    tag = make_tag("unchanged")
    db.session.commit()
    tag.name = tag.name
    db.session.flush()
    endings.clear()
    end_read_only_transaction(db.session())
    assert endings == []
