"""How a request's transaction begins and ends. On PostgreSQL a request that only reads runs
in AUTOCOMMIT (no BEGIN, no COMMIT: two round trips less per page, and no ROLLBACK to make
psycopg forget the statements it prepared); one that writes runs in a transaction, and so does
a GET from the moment it calls app.db.begin_writing."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app.db import begin_writing
from app.extensions import db
from app.models import Post, Tag
from app.posts import listing_index
from tests.conftest import on_postgres
from tests.helpers import csrf_from, make_post, make_tag
from tests.servers import break_the_next_statement

PREPARE_THRESHOLD = 5  # psycopg prepares a statement on its fifth run on one connection
PING = ";"  # SQLAlchemy's pre-ping on psycopg: an empty query


def test_statements_stay_prepared_from_one_request_to_the_next(app, client, users):
    """A ROLLBACK makes psycopg forget its prepared statements: with one per request none was
    ever prepared, and PostgreSQL planned each statement again."""
    make_post(users["patient"], tags=[make_tag("azathioprine")])
    prepared: list[int] = []

    @app.after_request
    def count_prepared(response):
        if on_postgres():
            query = text("SELECT count(*) FROM pg_prepared_statements")
            prepared.append(db.session.scalar(query))
        return response

    client.set_cookie("not-anonymous", "1")  # past the page cache, so each request reaches Flask
    for _ in range(PREPARE_THRESHOLD * 3):
        assert client.get("/tags/azathioprine").status_code == 200
    if on_postgres():
        assert max(prepared) > 0
    else:
        assert prepared == []  # SQLite has no server to prepare on; nothing changes there


def plans_after_each_request(app, statement_like: str) -> list[tuple[int, int]]:
    """(generic plans, custom plans) of the prepared statements like this, read after each
    request on PostgreSQL (SQLite prepares nothing on a server)."""
    plans: list[tuple[int, int]] = []

    @app.after_request
    def read_plans(response):
        if on_postgres():
            query = text(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                "WHERE statement LIKE :pattern"
            )
            found = db.session.execute(query, {"pattern": statement_like})
            plans.extend((row[0], row[1]) for row in found)
        return response

    return plans


def test_listings_carry_their_limit_in_the_sql_and_are_planned_once(app, client, users):
    """With LIMIT as a parameter PostgreSQL costed the generic plan as if a tenth of the rows
    were wanted and planned each listing again on every run; written into the SQL, the
    listing gets one generic plan per connection."""
    client.set_cookie("returning", "1")  # a cookie keeps the page cache out of the way
    make_post(users["patient"], tags=[make_tag("azathioprine")])
    if on_postgres():  # statistics of this site, not of tables an earlier test filled
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()))

    plans = plans_after_each_request(app, "%JOIN post_tags%LIMIT 20 OFFSET 0")

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


CLONE_POSTS = """
WITH RECURSIVE numbers(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM numbers WHERE n < :count)
INSERT INTO posts (kind, title, slug, summary, body_source, body_html, body_length,
    markup_version, status, author_id, published_at, findings, helpful_count, created_at,
    updated_at)
SELECT kind, title, slug || '-copy-' || n, summary, body_source, body_html, body_length,
    markup_version, status, author_id, {published_at}, findings, helpful_count, created_at,
    updated_at
FROM posts, numbers WHERE posts.id = :seed
"""
# Older and older copies on PostgreSQL, as real posts are; on SQLite (which stores timestamps
# as text) all of the same moment.
CLONE_PUBLISHED_AT = "published_at - n * interval '1 minute'"
LIST_CLONES = """
INSERT INTO post_tags (post_id, tag_id, published_at, helpful_count)
SELECT id, :tag, published_at, 0 FROM posts WHERE slug LIKE :pattern
"""


@pytest.mark.parametrize(
    "url",
    ["/tags/azathioprine?page=20", "/authors/pat?page=20", "/api/v1/posts?author=pat&page=20"],
)
def test_a_big_listing_is_planned_once_beside_small_ones(app, client, users, url):
    """With the tag's or author's id as a parameter, PostgreSQL costed the one plan for all of
    them above the plan for one that holds most posts, and planned that one's listing again on
    every run; with the id written into the SQL, it plans it once per connection."""
    client.set_cookie("returning", "1")
    big = make_tag("azathioprine")
    seeds = [
        make_post(users[name], title="Dose diary", tags=[big])
        for name in ("patient", "other_patient", "provider")
    ]
    for number in range(8):
        make_post(users["moderator"], title=f"Rare {number}", tags=[make_tag(f"rare-{number}")])
    published_at = CLONE_PUBLISHED_AT if on_postgres() else "published_at"
    clone = CLONE_POSTS.format(published_at=published_at)
    for seed, count in zip(seeds, (12_000, 1_500, 300), strict=True):  # one author has most posts
        db.session.execute(text(clone), {"count": count, "seed": seed.id})
    db.session.execute(text(LIST_CLONES), {"tag": big.id, "pattern": seeds[0].slug + "-copy-%"})
    copies = db.session.scalars(select(Post.id).where(Post.slug.like("%-copy-%"))).all()
    connection = db.session.connection()
    listing_index.apply_changes(connection, {}, listing_index.footprints(connection, copies))
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    plans = plans_after_each_request(app, "SELECT posts.%ORDER BY%LIMIT 20 OFFSET 380")

    for _ in range(PREPARE_THRESHOLD * 4):
        page = client.get(url)
        assert page.status_code == 200 and page.get_data(as_text=True).count("Dose diary") >= 20
    if on_postgres():
        assert plans, "the listing was never prepared"
        generic, custom = plans[-1]
        assert custom <= PREPARE_THRESHOLD and generic > 0, plans


def test_a_page_sends_the_pools_ping_and_its_own_statements_only(app, client, users, monkeypatch):
    """pool_pre_ping's empty query, then the page's statements: no BEGIN, COMMIT or ROLLBACK."""
    client.set_cookie("returning", "1")
    make_post(users["patient"], tags=[make_tag("azathioprine")])
    client.get("/tags/azathioprine")
    sent: list[str] = []
    original_execute = psycopg.Cursor.execute
    original_command = psycopg.Connection._exec_command

    def execute(cursor, query, *args, **kwargs):
        sent.append(str(query))
        return original_execute(cursor, query, *args, **kwargs)

    def command(connection, query, *args, **kwargs):  # BEGIN, COMMIT and ROLLBACK go this way
        sent.append(query.decode() if isinstance(query, bytes) else str(query))
        return original_command(connection, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", execute)
    monkeypatch.setattr(psycopg.Connection, "_exec_command", command)
    own: list[str] = []

    def record(conn, cursor, statement, *args):
        own.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get("/tags/azathioprine").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert own
    assert sent == ([PING, *own] if on_postgres() else [])


def test_a_pooled_connection_the_server_dropped_is_replaced_unseen(app, client, users):
    """A connection PostgreSQL closed while it sat in the pool fails its ping on the way out;
    the pool drops it and the request runs on a new one (on SQLite nothing is pooled)."""
    client.set_cookie("returning", "1")
    make_post(users["patient"], title="Still here", tags=[make_tag("azathioprine")])
    backends: list[int] = []

    @app.after_request
    def note_backend(response):
        if on_postgres():
            backends.append(db.session.scalar(text("SELECT pg_backend_pid()")))
        return response

    assert client.get("/tags/azathioprine").status_code == 200
    if on_postgres():
        url = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
        with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s, 5000)", (backends[-1],))  # and wait
    again = client.get("/tags/azathioprine")
    assert again.status_code == 200 and "Still here" in again.get_data(as_text=True)
    if on_postgres():
        assert backends[-1] != backends[0]


# Reads in AUTOCOMMIT, writes in a transaction (PostgreSQL) ------------------------------------


def other_connection(app) -> psycopg.Connection:
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
    return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)


@pytest.fixture
def statuses(app):
    """(first word of each statement, the connection's transaction status once it ran)."""
    seen: list[tuple[str, str]] = []

    def record(conn, cursor, statement, *args):
        status = conn.connection.dbapi_connection.pgconn.transaction_status
        seen.append((statement.split()[0].upper(), psycopg.pq.TransactionStatus(status).name))

    event.listen(db.engine, "after_cursor_execute", record)
    yield seen
    event.remove(db.engine, "after_cursor_execute", record)


@pytest.mark.postgres_only
def test_a_page_that_only_reads_opens_no_transaction(client, users, statuses):
    client.set_cookie("returning", "1")
    make_post(users["patient"], title="Read outside", tags=[make_tag("azathioprine")])
    client.get("/tags/azathioprine")
    statuses.clear()
    page = client.get("/tags/azathioprine")
    assert page.status_code == 200 and "Read outside" in page.get_data(as_text=True)
    assert len(statuses) >= 3
    assert {status for _, status in statuses} == {"IDLE"}, statuses


@pytest.mark.postgres_only
def test_a_request_that_writes_runs_in_a_transaction_from_its_first_statement(
    client, users, signed_in, statuses
):
    post = make_post(users["patient"], title="Helpful inside")
    db.session.commit()
    signed_in("other_patient")
    token = csrf_from(client.get(post.path).get_data(as_text=True))
    statuses.clear()
    response = client.post(f"/posts/{post.id}/helpful", data={"csrf_token": token})
    assert response.status_code == 302
    assert any(word == "UPDATE" for word, _ in statuses), statuses
    assert {status for _, status in statuses} == {"INTRANS"}, statuses
    db.session.expire_all()
    assert db.session.scalar(select(Post.helpful_count).where(Post.id == post.id)) == 1


@pytest.mark.postgres_only
def test_a_failed_write_undoes_every_write_of_its_request(app, users):
    post = make_post(users["patient"], title="Kept as it was")
    db.session.commit()
    db.session.scalar(select(func.count()).select_from(Post))
    db.session.execute(text("UPDATE posts SET title = 'Changed' WHERE id = :id"), {"id": post.id})
    with pytest.raises(DBAPIError):
        db.session.execute(text("UPDATE posts SET no_such_column = 1"))
    db.session.rollback()
    assert db.session.scalar(select(Post.title).where(Post.id == post.id)) == "Kept as it was"


@pytest.mark.postgres_only
def test_a_get_that_begins_writing_undoes_every_write_if_one_fails(app, users, statuses):
    post_id = make_post(users["patient"], title="Kept as it was").id
    db.session.commit()
    with app.test_request_context("/", method="GET"):
        db.session.scalar(select(func.count()).select_from(Post))
        assert statuses[-1][1] == "IDLE"  # read in AUTOCOMMIT
        begin_writing(db.session())
        changed = text("UPDATE posts SET title = 'Changed' WHERE id = :id")
        db.session.execute(changed, {"id": post_id})
        with pytest.raises(DBAPIError):
            db.session.execute(text("UPDATE posts SET no_such_column = 1"))
        db.session.rollback()
    assert db.session.scalar(select(Post.title).where(Post.id == post_id)) == "Kept as it was"


@pytest.mark.postgres_only
@pytest.mark.parametrize(
    ("lock", "probe"),
    [
        ("SELECT pg_advisory_xact_lock(4242)", "SELECT pg_try_advisory_lock(4242)"),
        (
            "SELECT id FROM tags WHERE slug = 'locked' FOR UPDATE",
            "SELECT count(*) > 0 FROM (SELECT id FROM tags WHERE slug = 'locked' "
            "FOR UPDATE SKIP LOCKED) AS free",
        ),
    ],
)
def test_a_get_that_begins_writing_holds_its_locks_until_the_commit(app, users, lock, probe):
    make_tag("locked")
    db.session.commit()
    with app.test_request_context("/", method="GET"), other_connection(app) as other:
        db.session.scalar(select(func.count()).select_from(Tag))
        begin_writing(db.session())
        db.session.execute(text(lock))
        assert other.execute(probe).fetchone()[0] is False
        db.session.commit()
        assert other.execute(probe).fetchone()[0] is True


@pytest.mark.postgres_only
def test_a_streamed_read_gets_the_transaction_its_cursor_needs(app, users):
    for number in range(5):
        make_post(users["patient"], title=f"Streamed {number}")
    db.session.commit()
    titles = db.session.scalars(select(Post.title).execution_options(yield_per=2)).all()
    assert sorted(titles) == [f"Streamed {number}" for number in range(5)]


@pytest.mark.postgres_only
def test_a_page_whose_socket_failed_under_a_statement_asks_to_retry_and_the_next_is_served(
    app, client, users, monkeypatch
):
    """The connection, still busy with the statement, is dropped rather than rolled back and
    pooled: the page says to try again (no 500) and the next request runs on a new one."""
    client.set_cookie("returning", "1")
    make_post(users["patient"], title="Served again", tags=[make_tag("azathioprine")])
    db.session.commit()
    backends: list[int] = []

    @app.after_request
    def note_backend(response):
        if response.status_code == 200:
            backends.append(db.session.scalar(text("SELECT pg_backend_pid()")))
        return response

    client.get("/tags/azathioprine")
    break_the_next_statement(monkeypatch, sparing=(PING,))
    failed = client.get("/tags/azathioprine")
    assert failed.status_code == 503
    assert "cannot reach its database" in failed.get_data(as_text=True)
    again = client.get("/tags/azathioprine")
    assert again.status_code == 200 and "Served again" in again.get_data(as_text=True)
    assert backends[-1] != backends[0]


@pytest.mark.postgres_only
def test_a_ping_whose_socket_failed_costs_no_request(app, client, users, monkeypatch):
    """The ping fails still busy, so psycopg cannot even switch the connection back out of
    autocommit: the pool drops it, with every older one, and the page runs on a new one."""
    client.set_cookie("returning", "1")
    make_post(users["patient"], title="Served anyway", tags=[make_tag("azathioprine")])
    db.session.commit()
    backends: list[int] = []

    @app.after_request
    def note_backend(response):
        backends.append(db.session.scalar(text("SELECT pg_backend_pid()")))
        return response

    client.get("/tags/azathioprine")
    break_the_next_statement(monkeypatch)
    page = client.get("/tags/azathioprine")
    assert page.status_code == 200 and "Served anyway" in page.get_data(as_text=True)
    assert backends[-1] != backends[0]
