"""Search fixtures: an app whose index lives in the test's folder, and backends to test.

The contract suite runs on every backend of BACKENDS. The PostgreSQL backend runs in every test
run: on the run's own database under TEST_DATABASE=postgres, else on a database of its own on
the session's throwaway cluster (started on first use), emptied before each test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app import create_app
from app.extensions import db
from app.search import SearchBackend, close_backend
from app.search.postgres_backend import PostgresBackend
from app.search.whoosh_backend import WhooshBackend
from tests.conftest import (
    empty_tables,
    on_postgres,
    postgres_server,
    test_config,
    test_database_url,
)

BACKENDS = ("whoosh", "postgres")
FAST_LOCK_TIMEOUT = 0.2
SEARCH_DATABASE = "search_tests"
_SEARCH_DATABASE_URL: dict[str, str] = {}


def postgres_search_url(tmp_path: Path) -> str:
    """The database of the PostgreSQL backend's tests (see the module docstring)."""
    if on_postgres():
        return test_database_url(tmp_path)
    if "url" not in _SEARCH_DATABASE_URL:
        _SEARCH_DATABASE_URL["url"] = postgres_server().create_database(SEARCH_DATABASE)
    return _SEARCH_DATABASE_URL["url"]


@pytest.fixture
def postgres_url(tmp_path) -> str:
    """An empty PostgreSQL database for the test (tables dropped of their rows)."""
    url = postgres_search_url(tmp_path)
    if not on_postgres():
        empty_tables(url)
    return url


@pytest.fixture
def index_dir(tmp_path) -> Path:
    return tmp_path / "search-index"


def make_app(config: dict):
    app = create_app(config)
    with app.app_context():
        db.create_all()
        yield app
        close_backend(app)
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(tmp_path, index_dir):
    yield from make_app(test_config(tmp_path, SEARCH_INDEX_DIR=str(index_dir)))


@pytest.fixture(params=BACKENDS)
def backend_kind(request) -> str:
    return request.param


@pytest.fixture
def backend_location(request, backend_kind, index_dir) -> str | Path:
    """Where the backend under test keeps its index: a folder, or a database URL."""
    if backend_kind == "postgres":
        return request.getfixturevalue("postgres_url")
    return index_dir


@pytest.fixture
def backend_app(tmp_path, backend_kind, backend_location, index_dir):
    """An app whose settings choose the backend under test (and its database for PostgreSQL)."""
    extra: dict[str, str] = {"SEARCH_BACKEND": backend_kind, "SEARCH_INDEX_DIR": str(index_dir)}
    if backend_kind == "postgres":
        extra["DATABASE_URL"] = str(backend_location)
    yield from make_app(test_config(tmp_path, **extra))


def open_backend(kind: str, location: str | Path) -> SearchBackend:
    if kind == "whoosh":
        return WhooshBackend(location, lock_timeout=FAST_LOCK_TIMEOUT)
    if kind == "postgres":
        return PostgresBackend(str(location))
    raise ValueError(kind)


@pytest.fixture
def open_backends(backend_kind, backend_location) -> Iterator[Callable[[], SearchBackend]]:
    """Opens more backends on the same index, as other gunicorn workers (or nodes) would."""
    opened: list[SearchBackend] = []

    def _open() -> SearchBackend:
        backend = open_backend(backend_kind, backend_location)
        opened.append(backend)
        return backend

    yield _open
    for backend in opened:
        backend.close()


@pytest.fixture
def backend(open_backends) -> SearchBackend:
    """An empty, ready index."""
    backend = open_backends()
    backend.rebuild([])
    return backend
