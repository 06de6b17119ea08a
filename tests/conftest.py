"""Fixtures in the Flask tutorial's style: a fresh app and database for every test."""

from __future__ import annotations

import contextvars
import gc
import os
import secrets
import shutil
import tempfile
import warnings
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from jinja2 import BytecodeCache

from app import create_app
from app.auth.services import create_account
from app.cache import close_front_door
from app.extensions import db
from app.search import close_backend, get_backend
from app.search.outbox import ensure_index
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
    "PAGE_CACHE_MAX_MB",
    "TRUSTED_PROXY_COUNT",
    "MAIL_BACKEND",
    "DB_POOL_SIZE",
    "DB_MAX_OVERFLOW",
    "INSTANCE_PATH",
    "MAIL_FOLDER",
    "SITE_URL",
)


class SharedTemplateCache(BytecodeCache):
    """Compiled templates kept in memory for every app the tests build (each test builds its
    own app, and would otherwise compile each template it renders again)."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": SharedTemplateCache()}


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
    for engine in _HOUSEKEEPING_ENGINES.values():
        engine.dispose()
    if "folder" in _BLANK_SITE:
        shutil.rmtree(_BLANK_SITE.pop("folder"), ignore_errors=True)
    server = _POSTGRES.pop("server", None)
    if server is not None:
        server.stop()
        server.cleanup()


@pytest.fixture(autouse=True)
def empty_postgres_database():
    """On PostgreSQL every test starts from empty tables, as it does with a new SQLite file."""
    if _POSTGRES and earlier_tests_left_connections():
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


# The connections the fixtures here keep for themselves from test to test.
HOUSEKEEPING = "tests-housekeeping"
LEFT_CONNECTIONS = sa.text(
    "SELECT count(*) FROM pg_stat_activity "
    "WHERE backend_type = 'client backend' AND application_name <> :housekeeping"
)
_HOUSEKEEPING_ENGINES: dict[str, sa.Engine] = {}


def housekeeping_engine(url: str) -> sa.Engine:
    if url not in _HOUSEKEEPING_ENGINES:
        _HOUSEKEEPING_ENGINES[url] = sa.create_engine(
            url,
            pool_size=1,
            pool_pre_ping=True,
            connect_args={"application_name": HOUSEKEEPING},
        )
    return _HOUSEKEEPING_ENGINES[url]


def earlier_tests_left_connections() -> bool:
    """Whether a connection to the session's PostgreSQL server is still open between tests:
    only then can a full garbage collection (about 0.1 s) find one to close."""
    engine = housekeeping_engine(_POSTGRES["server"].url("postgres"))
    with engine.connect() as connection:
        return bool(connection.scalar(LEFT_CONNECTIONS, {"housekeeping": HOUSEKEEPING}))


# Only the tables a test wrote to are truncated (each truncation makes new files for a table
# and its indexes); every sequence a test moved starts again at 1.
EMPTY_WRITTEN_TABLES = sa.text(
    """
    DO $$
    DECLARE
        name text;
        written boolean;
        truncated text[] := '{}';
    BEGIN
        SET LOCAL lock_timeout = '10s';
        FOR name IN SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public'
        LOOP
            EXECUTE format('SELECT EXISTS (SELECT FROM %s)', name) INTO written;
            IF written THEN
                truncated := truncated || name;
            END IF;
        END LOOP;
        IF cardinality(truncated) > 0 THEN
            EXECUTE 'TRUNCATE ' || array_to_string(truncated, ', ') || ' CASCADE';
        END IF;
        PERFORM setval(format('%I.%I', schemaname, sequencename), 1, false)
        FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL;
    END
    $$
    """
)


def empty_tables(url: str) -> None:
    with housekeeping_engine(url).begin() as connection:
        connection.execute(EMPTY_WRITTEN_TABLES)


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


_BLANK_SITE: dict[str, Path] = {}


def blank_site() -> Path:
    """A folder holding an empty SQLite database with every table and an empty Whoosh index,
    made once per test process: a test's app starts from copies of them, which costs a
    millisecond where creating the tables and building the index cost about forty."""
    if "folder" not in _BLANK_SITE:
        folder = Path(tempfile.mkdtemp(prefix="blank-site-"))
        site = create_app(test_config(folder, SEARCH_BACKEND="whoosh"))
        with site.app_context():
            db.create_all()
            ensure_index(get_backend(site))
            db.session.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))
            db.session.remove()
            close_backend(site)
            db.engine.dispose()
        _BLANK_SITE["folder"] = folder
    return _BLANK_SITE["folder"]


def copy_blank_site(config: dict, tmp_path: Path) -> bool:
    """Copy the blank site's database and index to where an app of this config keeps them,
    when that is this test's folder; True if the tables are in place."""
    if config["DATABASE_URL"] != f"sqlite:///{tmp_path / 'test.db'}":
        return False
    blank = blank_site()
    shutil.copyfile(blank / "test.db", tmp_path / "test.db")
    instance = Path(config["INSTANCE_PATH"])
    index_dir = Path(config.get("SEARCH_INDEX_DIR") or instance / "search-index")
    if config["SEARCH_BACKEND"] == "whoosh" and not index_dir.exists():
        shutil.copytree(blank / "instance" / "search-index", index_dir)
    return True


def built_app(tmp_path, **settings):
    """A fresh app whose database has every table, inside its app context."""
    config = test_config(tmp_path, **settings)
    copied = copy_blank_site(config, tmp_path)
    app = create_app(config)
    with app.app_context():
        if not copied:
            db.create_all()
        yield app
        db.session.remove()
        close_backend(app)
        close_front_door(app)
        db.engine.dispose()


@pytest.fixture
def app(tmp_path):
    yield from built_app(tmp_path)


def app_with(tmp_path, **settings):
    """A fresh app and database with these settings, each request isolated as on a server."""
    for app in built_app(tmp_path, **settings):
        app.test_client_class = RequestIsolatedClient
        yield app


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


_SUMMARY: list[str] = []
SUMMARY_PROPERTY = "terminal summary"


@pytest.fixture
def relevance_report(request):
    """Lines a test wants in the terminal summary (they travel with its report, so they
    reach the summary from an xdist worker too)."""
    lines: list[str] = []
    yield lines
    request.node.user_properties.extend((SUMMARY_PROPERTY, line) for line in lines)


def pytest_runtest_logreport(report):
    if report.when == "teardown":
        _SUMMARY.extend(value for name, value in report.user_properties if name == SUMMARY_PROPERTY)


def pytest_terminal_summary(terminalreporter):
    for line in _SUMMARY:
        terminalreporter.write_line(line)
