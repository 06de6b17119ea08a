"""On SQLite, app.db.read runs statements straight on the driver (app.sqlite_reads): every read
the public pages make must give exactly the rows SQLAlchemy gives, and keep what SQLAlchemy
does around a statement (listeners see it; a driver error is SQLAlchemy's)."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, event, select, text, tuple_
from sqlalchemy.exc import MultipleResultsFound, NoResultFound, OperationalError, StatementError

from app.db import RequestSession
from app.extensions import db
from app.models import Post, Tag
from app.sqlite_reads import Rows, driver_statement, read_on_sqlite
from tests.conftest import make_user
from tests.helpers import add_comment, make_post, make_tag

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def reads_of_public_pages(app, client, monkeypatch):
    """Every (statement, values) the public pages of a small site pass to read()."""
    aza = make_tag("azathioprine", kind="medication", name="Azathioprine")
    aih = make_tag("autoimmune-hepatitis", kind="condition", name="Autoimmune hepatitis")
    member = make_user("reads_member")
    doctor = make_user("reads_doctor", role="provider", verification_state="verified")
    posts = [
        make_post(member, title=f"Day {number} on aza", tags=[aza, aih], days_ago=number)
        for number in range(1, 24)  # past one page of twenty
    ]
    question = make_post(member, title="Missed a dose", kind="question", tags=[aza], days_ago=0)
    article = make_post(doctor, title="Monitoring", kind="article", tags=[aza, aih], days_ago=2)
    add_comment(question, doctor, "Take it when you remember.", "published")
    db.session.commit()
    seen: list[tuple] = []
    real_read = RequestSession.read

    def recording(session, statement, values=None):
        seen.append((statement, values))
        return real_read(session, statement, values)

    monkeypatch.setattr(RequestSession, "read", recording)
    paths = [
        "/",
        "/tags/",
        "/tags/azathioprine",
        "/tags/azathioprine?page=2",
        "/tags/azathioprine?sort=helpful",
        "/tags/azathioprine?kind=question",
        "/tags/azathioprine?answered=yes",
        question.path,
        article.path,
        posts[10].path,
        "/authors/reads_member",
        "/authors/reads_doctor",
        "/me/profile",  # signed out: a redirect, no reads
        "/api/v1/posts?tag=azathioprine",
        "/api/v1/tags/azathioprine",
    ]
    for path in paths:
        assert client.get(path).status_code in (200, 302), path
    monkeypatch.setattr(RequestSession, "read", real_read)
    return seen


def on_the_driver(connection, statement, values=None) -> Rows:
    """The statement's rows from the driver path (a statement's first run is SQLAlchemy's)."""
    read_on_sqlite(connection, statement, values)
    assert driver_statement(statement, connection.dialect) is not None
    rows = read_on_sqlite(connection, statement, values)
    assert isinstance(rows, Rows)
    return rows


def test_every_read_of_the_public_pages_gives_sqlalchemys_rows(app, reads_of_public_pages):
    assert len(reads_of_public_pages) > 25
    kinds = set()
    with app.test_request_context("/"):
        connection = db.session.connection()
        for statement, values in reads_of_public_pages:
            expected = [tuple(row) for row in connection.execute(statement, values)]
            assert on_the_driver(connection, statement, values).all() == expected, statement
            kinds.update(type(value).__name__ for row in expected for value in row)
    assert {"datetime", "int", "str"} <= kinds  # timestamps converted as SQLAlchemy does


def test_bound_timestamps_and_lists_are_processed_as_sqlalchemy_does(app):
    """A timestamp bound to compare with stored ones is written as SQLite stores it, and an
    expanding list of any length (or the statement's own) finds its rows."""
    older = make_post(make_user("bound_author"), title="Older", days_ago=3)
    newer = make_post(make_user("bound_other"), title="Newer", days_ago=1)
    db.session.commit()
    before = select(Post.id).where(Post.published_at < bindparam("moment")).order_by(Post.id)
    listed = select(Post.title).where(Post.id.in_(bindparam("ids", expanding=True)))
    own_list = select(Post.title).where(Post.title.in_(["Older", "Newer", "Neither"]))
    with app.test_request_context("/"):
        connection = db.session.connection()
        assert on_the_driver(connection, before, {"moment": newer.published_at}).all() == [
            (older.id,)
        ]
        for ids in ([older.id], [older.id, newer.id], [older.id, newer.id, 0], []):
            rows = on_the_driver(connection, listed, {"ids": ids}).all()
            assert sorted(rows) == sorted(
                tuple(r) for r in connection.execute(listed, {"ids": ids})
            )
        assert sorted(on_the_driver(connection, own_list).all()) == [("Newer",), ("Older",)]


def test_listeners_see_each_statement_and_its_values(app):
    make_tag("heard", name="Heard")
    db.session.commit()
    heard = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        heard.append((statement, parameters))

    statement = select(Tag.name).where(Tag.slug == bindparam("slug"))
    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        with app.test_request_context("/"):
            rows = on_the_driver(db.session.connection(), statement, {"slug": "heard"})
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    assert rows.one() == ("Heard",)
    assert [(" ".join(sql.split()), tuple(values)) for sql, values in heard] == [
        ("SELECT tags.name FROM tags WHERE tags.slug = ?", ("heard",))
    ] * 2  # through SQLAlchemy, then on the driver


def test_a_driver_error_arrives_as_sqlalchemys(app):
    with app.test_request_context("/"):
        connection = db.session.connection()
        missing = text("SELECT 1 FROM no_such_table")
        for _ in range(2):  # SQLAlchemy's run, then the driver's
            with pytest.raises(OperationalError, match="no such table"):
                read_on_sqlite(connection, missing, None)


def test_rows_answer_as_a_result_does(app):
    make_tag("one", name="One")
    make_tag("two", name="Two")
    db.session.commit()
    with app.test_request_context("/"):
        connection = db.session.connection()
        none = on_the_driver(connection, select(Tag.name).where(Tag.id == -1))
        assert none.all() == [] and none.first() is None and none.scalar() is None
        with pytest.raises(NoResultFound):
            none.one()
        with pytest.raises(MultipleResultsFound):
            on_the_driver(connection, select(Tag.name)).one()


def test_a_missing_value_is_an_error_not_null(app):
    """As SQLAlchemy refuses it, also once the statement's shape is known."""
    statement = select(Tag.name).where(Tag.slug == bindparam("slug"))
    with app.test_request_context("/"):
        connection = db.session.connection()
        on_the_driver(connection, statement, {"slug": "any"})
        with pytest.raises(StatementError, match="slug"):
            read_on_sqlite(connection, statement, {})


def test_a_refused_bound_value_is_sqlalchemys_statement_error(app):
    from datetime import UTC, datetime

    statement = select(Post.id).where(Post.published_at < bindparam("moment"))
    with app.test_request_context("/"):
        connection = db.session.connection()
        on_the_driver(connection, statement, {"moment": datetime(2030, 1, 1, tzinfo=UTC)})
        with pytest.raises(StatementError, match="naive datetime refused"):
            read_on_sqlite(connection, statement, {"moment": datetime(2030, 1, 1)})


def test_a_statement_built_for_each_call_stays_with_sqlalchemy(app):
    """Compiling costs milliseconds: only a statement run twice is compiled for the driver,
    and a statement's entry goes with it."""
    import gc

    from app import sqlite_reads

    with app.test_request_context("/"):
        connection = db.session.connection()
        seen = len(sqlite_reads._statements)
        for number in range(50):
            built = select(Tag.name).where(Tag.id == number)
            assert not isinstance(read_on_sqlite(connection, built, None), Rows)
            del built
        gc.collect()
        assert len(sqlite_reads._statements) <= seen + 1


def test_forms_the_driver_does_not_handle_stay_with_sqlalchemy(app):
    """Entities' columns are typed as SQLAlchemy types them; a list of tuples is SQLAlchemy's."""
    make_tag("pair", name="Pair")
    db.session.commit()
    pairs = select(Tag.name).where(
        tuple_(Tag.slug, Tag.kind).in_(bindparam("pairs", expanding=True))
    )
    entity = select(Tag).where(Tag.slug == "pair")
    with app.test_request_context("/"):
        connection = db.session.connection()
        values = {"pairs": [("pair", "topic")]}
        for _ in range(2):
            assert list(read_on_sqlite(connection, pairs, values)) == [("Pair",)]
        assert driver_statement(pairs, connection.dialect) is None
        expected = [tuple(row) for row in connection.execute(entity)]
        assert on_the_driver(connection, entity).all() == expected
