"""On SQLite, app.db.read runs statements straight on the driver (app.sqlite_reads): every read
the public pages make must give exactly the rows SQLAlchemy gives, and keep what SQLAlchemy
does around a statement (listeners see it; a driver error is SQLAlchemy's)."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, event, select, text
from sqlalchemy.exc import NoResultFound, OperationalError

from app.db import RequestSession
from app.extensions import db
from app.models import Post, Tag
from app.sqlite_reads import read_on_sqlite
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


def test_every_read_of_the_public_pages_gives_sqlalchemys_rows(app, reads_of_public_pages):
    assert len(reads_of_public_pages) > 25
    kinds = set()
    with app.test_request_context("/"):
        connection = db.session.connection()
        for statement, values in reads_of_public_pages:
            expected = [tuple(row) for row in connection.execute(statement, values)]
            assert read_on_sqlite(connection, statement, values).all() == expected, statement
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
        assert read_on_sqlite(connection, before, {"moment": newer.published_at}).all() == [
            (older.id,)
        ]
        for ids in ([older.id], [older.id, newer.id], [older.id, newer.id, 0], []):
            rows = read_on_sqlite(connection, listed, {"ids": ids}).all()
            assert sorted(rows) == sorted(
                tuple(r) for r in connection.execute(listed, {"ids": ids})
            )
        assert sorted(read_on_sqlite(connection, own_list, None).all()) == [("Newer",), ("Older",)]


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
            rows = read_on_sqlite(db.session.connection(), statement, {"slug": "heard"})
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    assert rows.one() == ("Heard",)
    assert [(" ".join(sql.split()), values) for sql, values in heard] == [
        ("SELECT tags.name FROM tags WHERE tags.slug = ?", ("heard",))
    ]


def test_a_driver_error_arrives_as_sqlalchemys(app):
    with app.test_request_context("/"):
        connection = db.session.connection()
        with pytest.raises(OperationalError, match="no such table"):
            read_on_sqlite(connection, text("SELECT 1 FROM no_such_table"), None)


def test_rows_answer_as_a_result_does(app):
    with app.test_request_context("/"):
        connection = db.session.connection()
        none = read_on_sqlite(connection, select(Tag.name).where(Tag.id == -1), None)
        assert none.all() == [] and none.first() is None and none.scalar() is None
        with pytest.raises(NoResultFound):
            none.one()
