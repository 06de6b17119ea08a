"""Search fixtures: an app whose index lives in the test's folder, and backends to test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app import create_app
from app.extensions import db
from app.search import SearchBackend, close_backend
from app.search.whoosh_backend import WhooshBackend
from tests.conftest import test_config

BACKENDS = ("whoosh",)
FAST_LOCK_TIMEOUT = 0.2


@pytest.fixture
def index_dir(tmp_path) -> Path:
    return tmp_path / "search-index"


@pytest.fixture
def app(tmp_path, index_dir):
    app = create_app(test_config(tmp_path, SEARCH_INDEX_DIR=str(index_dir)))
    with app.app_context():
        db.create_all()
        yield app
        close_backend(app)
        db.session.remove()
        db.engine.dispose()


def open_backend(kind: str, index_dir: Path) -> SearchBackend:
    if kind == "whoosh":
        return WhooshBackend(index_dir, lock_timeout=FAST_LOCK_TIMEOUT)
    raise ValueError(kind)


@pytest.fixture(params=BACKENDS)
def backend_kind(request) -> str:
    return request.param


@pytest.fixture
def open_backends(backend_kind, index_dir) -> Iterator[Callable[[], SearchBackend]]:
    """Opens more backends on the same index, as other gunicorn workers would."""
    opened: list[SearchBackend] = []

    def _open() -> SearchBackend:
        backend = open_backend(backend_kind, index_dir)
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
