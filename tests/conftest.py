"""Fixtures in the Flask tutorial's style: a fresh app and database for every test."""

from __future__ import annotations

import contextvars
import gc
import os
import secrets
import warnings

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app import create_app
from app.auth.services import create_account
from app.extensions import db
from app.search import close_backend
from tests.helpers import PASSWORD, sign_in, sign_out

# `TEST_DATABASE=postgres pytest ...` runs the tests against a throwaway PostgreSQL cluster with
# the PostgreSQL search backend (make test does it for the functional, API and search suites).
TEST_DATABASE = os.environ.get("TEST_DATABASE", "sqlite")
_POSTGRES: dict = {}

ENVIRONMENT_SETTINGS = (
    "DATABASE_URL",
    "SEARCH_BACKEND",
    "SEARCH_INDEX_DIR",
    "SEARCH_SYNONYMS_FILE",
    "SECRET_KEY",
    "PORT",
    "RATELIMIT_STORAGE_URI",
    "TRUSTED_PUBLISH_THRESHOLD",
    "FLAG_HIDE_THRESHOLD",
    "PASSWORD_HASH_PROFILE",
    "RATELIMIT_ENABLED",
    "PAGE_CACHE",
    "TRUSTED_PROXY_COUNT",
    "MAIL_BACKEND",
    "DB_POOL_SIZE",
    "DB_MAX_OVERFLOW",
    "INSTANCE_PATH",
    "MAIL_FOLDER",
    "SITE_URL",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """Settings from the developer's shell must not reach the tests."""
    for name in ENVIRONMENT_SETTINGS:
        monkeypatch.delenv(name, raising=False)


def on_postgres() -> bool:
    return TEST_DATABASE == "postgres"


def postgres_server():
    """The session's PostgreSQL cluster, started on first use and stopped at the end."""
    if "server" not in _POSTGRES:
        from tests.servers import PostgresServer

        server = PostgresServer().start()
        _POSTGRES["server"] = server
        _POSTGRES["url"] = server.create_database("tests")
    return _POSTGRES["server"]


def test_database_url(tmp_path) -> str:
    if on_postgres():
        postgres_server()
        return _POSTGRES["url"]
    return f"sqlite:///{tmp_path / 'test.db'}"


def pytest_collection_modifyitems(config, items):
    """Tests of SQLite itself (pragmas, file backups, write locks) are left out of the
    PostgreSQL run, and tests of the PostgreSQL connection out of the SQLite run; each runs in
    the other run of the same suite."""
    other = "sqlite_only" if on_postgres() else "postgres_only"
    kept = [item for item in items if item.get_closest_marker(other) is None]
    dropped = [item for item in items if item.get_closest_marker(other) is not None]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_sessionfinish(session):
    server = _POSTGRES.pop("server", None)
    if server is not None:
        server.stop()
        server.cleanup()


@pytest.fixture(autouse=True)
def empty_postgres_database():
    """On PostgreSQL every test starts from empty tables, as it does with a new SQLite file."""
    if _POSTGRES:
        collect_earlier_tests_connections()
    if on_postgres():
        postgres_server()
        empty_tables(_POSTGRES["url"])
    yield


@pytest.fixture(autouse=True)
def reads_in_autocommit_never_write():
    """On PostgreSQL a GET's session runs in AUTOCOMMIT unless it called app.db.begin_writing:
    a write or a lock there would be a transaction of its own. Fails any test that saw one."""
    if not on_postgres():
        yield
        return
    seen: list[str] = []

    def check(conn, cursor, statement, parameters, context, executemany):
        if is_request_autocommit(conn) and writes_or_locks(statement, executemany):
            seen.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", check)
    yield
    sa.event.remove(sa.engine.Engine, "before_cursor_execute", check)
    assert not seen, f"written in a read-only request's AUTOCOMMIT: {seen}"


def is_request_autocommit(conn) -> bool:
    from flask import has_app_context

    from app.db import AUTOCOMMIT_VARIANT

    return has_app_context() and db.engine.__dict__.get(AUTOCOMMIT_VARIANT) is conn.engine


LOCKING_MARKS = ("FOR UPDATE", "FOR NO KEY UPDATE", "FOR SHARE", "FOR KEY SHARE", "ADVISORY")


def writes_or_locks(statement: str, executemany: bool) -> bool:
    shouting = statement.lstrip().upper()
    if executemany or not shouting.startswith("SELECT"):
        return True
    return any(mark in shouting for mark in LOCKING_MARKS)


def collect_earlier_tests_connections() -> None:
    """Apps that earlier tests built and dropped may still hold pooled connections until the
    garbage collector runs; close them here, before this test, not in the middle of it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def empty_tables(url: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("SET LOCAL lock_timeout = '10s'"))
            tables = connection.scalars(
                sa.text("SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public'")
            ).all()
            if tables:
                connection.execute(
                    sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
                )
    finally:
        engine.dispose()


def empty_schema(url: str) -> None:
    """No tables at all, for tests that run the migrations themselves."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def test_config(tmp_path, **extra) -> dict:
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": test_database_url(tmp_path),
        "SEARCH_BACKEND": "postgres" if on_postgres() else "whoosh",
        "SECRET_KEY": secrets.token_hex(32),
        "PASSWORD_HASH_PROFILE": "fast-for-tests",
        "RATELIMIT_ENABLED": False,
        "SITE_URL": "http://localhost",  # the test client's host
    }
    config.update(extra)
    if "SEARCH_BACKEND" not in extra and config["DATABASE_URL"].startswith("sqlite"):
        config["SEARCH_BACKEND"] = "whoosh"  # a test that asks for SQLite in the PostgreSQL run
    return config


test_config.__test__ = False


@pytest.fixture
def app(tmp_path):
    app = create_app(test_config(tmp_path))
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        close_backend(app)
        db.engine.dispose()


def app_with(tmp_path, **settings):
    """A fresh app and database with these settings, each request isolated as on a server."""
    app = create_app(test_config(tmp_path, **settings))
    app.test_client_class = RequestIsolatedClient
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        close_backend(app)
        db.engine.dispose()


@pytest.fixture
def limited_app(tmp_path):
    """The app with its rate limits on (test_config turns them off)."""
    yield from app_with(tmp_path, RATELIMIT_ENABLED=True)


class RequestIsolatedClient(FlaskClient):
    """Each request gets its own app context, `g` and database session, as on a server.

    The test body keeps its own app context for setup and checks; without this, requests
    would share the test's `g` (and so one cached CSRF token) and its database session.
    """

    def open(self, *args, **kwargs):
        db.session.commit()
        response = contextvars.Context().run(super().open, *args, **kwargs)
        db.session.commit()
        return response


@pytest.fixture
def client(app):
    app.test_client_class = RequestIsolatedClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def make_user(username: str, role: str = "patient", **fields):
    user = create_account(
        email=f"{username}@example.org",
        username=username,
        password=PASSWORD,
        role=role,
        display_name=fields.pop("display_name", username.title()),
        consented=True,
    )
    for name, value in fields.items():
        setattr(user, name, value)
    db.session.commit()
    return user


@pytest.fixture
def users(app):
    """One member of each role, committed."""
    return {
        "patient": make_user("pat"),
        "other_patient": make_user("other"),
        "provider": make_user(
            "prov",
            "provider",
            verification_state="verified",
            credentials="MD",
            specialty="Hepatology",
        ),
        "moderator": make_user("modi", "moderator"),
        "admin": make_user("root-admin", "admin"),
    }


@pytest.fixture
def signed_in(client, users):
    """Sign the test client in as a given role: signed_in('moderator')."""

    def _sign_in(role: str):
        sign_out(client)
        sign_in(client, users[role].email)
        return users[role]

    return _sign_in


_RELEVANCE_REPORT: list[str] = []


@pytest.fixture
def relevance_report() -> list[str]:
    """Lines the search quality test wants in the terminal summary."""
    return _RELEVANCE_REPORT


def pytest_terminal_summary(terminalreporter):
    for line in _RELEVANCE_REPORT:
        terminalreporter.write_line(line)
