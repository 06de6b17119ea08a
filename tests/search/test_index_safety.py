"""The Whoosh index on a real disk: missing, damaged, locked by another process, crashed writers,
and rebuilds that swap under running searchers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select
from whoosh.query import Term

from app import PROJECT_ROOT
from app.extensions import db
from app.models import SearchOutbox
from app.search import IndexBusy, SearchQuery, SearchUnavailable
from app.search import whoosh_backend as whoosh_module
from app.search.analysis import analyze
from app.search.outbox import apply_pending
from app.search.whoosh_backend import SCHEMA_VERSION_FILE, WhooshBackend, open_index
from tests.conftest import make_user
from tests.helpers import make_post
from tests.search.conftest import FAST_LOCK_TIMEOUT
from tests.search.helpers import doc, found

HOLD_WRITE_LOCK = """
import sys
from pathlib import Path
from app.search.whoosh_backend import open_index
writer = open_index(Path(sys.argv[1])).writer()
print("locked", flush=True)
sys.stdin.readline()
writer.cancel()
"""

CRASH_WHILE_WRITING = """
import os, sys
from datetime import UTC, datetime
from pathlib import Path
from app.search import SearchDocument
from app.search.whoosh_backend import document_fields, open_index
writer = open_index(Path(sys.argv[1])).writer(limitmb=1)
for post_id in range(100, 400):
    document = SearchDocument(
        post_id, f"Crashed batch {post_id}", f"azathioprine word{post_id} " * 300,
        [], [], "experience", "patient", "member", datetime.now(UTC),
    )
    writer.update_document(**document_fields(document))
os._exit(1)
"""


def run_child(script: str, *args: str, **options) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", script, *args], env=env, text=True, cwd=PROJECT_ROOT, **options
    )


@contextmanager
def write_lock_held_by_another_process(index_dir: Path) -> Iterator[None]:
    with run_child(
        HOLD_WRITE_LOCK, str(index_dir), stdin=subprocess.PIPE, stdout=subprocess.PIPE
    ) as child:
        assert child.stdout.readline().strip() == "locked"
        try:
            yield
        finally:
            child.communicate("release\n", timeout=10)
    assert child.returncode == 0


@pytest.fixture
def open_whoosh(index_dir) -> Iterator:
    opened: list[WhooshBackend] = []

    def _open() -> WhooshBackend:
        backend = WhooshBackend(index_dir, lock_timeout=FAST_LOCK_TIMEOUT)
        opened.append(backend)
        return backend

    yield _open
    for backend in opened:
        backend.close()


@pytest.fixture
def whoosh(open_whoosh) -> WhooshBackend:
    return open_whoosh()


def corpus(count: int = 30) -> list:
    return [
        doc(i, f"Azathioprine diary {i}", "Blood tests and liver numbers. " * 40)
        for i in range(1, count + 1)
    ]


# Missing and damaged indexes


def test_a_missing_index_is_reported_and_rebuilt(whoosh, index_dir):
    with pytest.raises(SearchUnavailable):
        whoosh.check()
    with pytest.raises(SearchUnavailable):
        whoosh.search(SearchQuery("azathioprine"))
    with pytest.raises(SearchUnavailable):
        whoosh.index([doc(1, "Azathioprine")])

    assert whoosh.rebuild(corpus(3)) == 3

    whoosh.check()
    assert len(found(whoosh, "azathioprine")) == 3


def test_an_index_deleted_under_a_running_worker_is_reported(whoosh, index_dir):
    whoosh.rebuild(corpus(3))
    assert found(whoosh, "azathioprine")

    for path in sorted(index_dir.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    index_dir.rmdir()

    with pytest.raises(SearchUnavailable):
        whoosh.search(SearchQuery("azathioprine"))
    whoosh.rebuild(corpus(2))
    assert len(found(whoosh, "azathioprine")) == 2


@pytest.mark.parametrize("pattern", ["*.seg", "*.toc"])
def test_a_truncated_index_file_is_detected_and_rebuilt(open_whoosh, index_dir, pattern):
    open_whoosh().rebuild(corpus())
    damaged = max(index_dir.glob(pattern), key=lambda path: path.stat().st_size)
    with damaged.open("r+b") as handle:
        handle.truncate(damaged.stat().st_size // 2)

    starting_worker = open_whoosh()
    with pytest.raises(SearchUnavailable):
        starting_worker.check()
    with pytest.raises(SearchUnavailable):
        starting_worker.search(SearchQuery("azathioprine"))

    starting_worker.rebuild(corpus())
    starting_worker.check()
    assert starting_worker.search(SearchQuery("azathioprine")).total == 30


def test_an_index_from_another_schema_version_must_be_rebuilt(whoosh, index_dir):
    whoosh.rebuild(corpus(2))
    (index_dir / SCHEMA_VERSION_FILE).write_text("0\n")

    with pytest.raises(SearchUnavailable, match="schema"):
        whoosh.check()

    whoosh.rebuild(corpus(2))
    whoosh.check()


# Another process holds the write lock


def test_a_write_lock_held_by_another_process_makes_index_busy_quickly(whoosh, index_dir):
    whoosh.rebuild(corpus(1))

    with write_lock_held_by_another_process(index_dir):
        started = time.monotonic()
        with pytest.raises(IndexBusy):
            whoosh.index([doc(2, "Azathioprine while locked")])
        with pytest.raises(IndexBusy):
            whoosh.remove([1])
        assert time.monotonic() - started < 2 * FAST_LOCK_TIMEOUT + 1
        assert found(whoosh, "azathioprine") == [1]

    whoosh.index([doc(2, "Azathioprine after the lock")])
    assert sorted(found(whoosh, "azathioprine")) == [1, 2]


def test_the_outbox_waits_for_a_locked_index_and_retries(app, whoosh, index_dir):
    whoosh.rebuild([])
    post = make_post(make_user("pat"), title="Azathioprine and the locked index")

    with write_lock_held_by_another_process(index_dir):
        assert apply_pending(whoosh) == 0
        row = db.session.scalar(select(SearchOutbox))
        assert row.attempts == 1
        assert "IndexBusy" in row.last_error

    assert apply_pending(whoosh) == 1
    assert found(whoosh, "locked index") == [post.id]
    assert db.session.scalar(select(func.count(SearchOutbox.id))) == 0


def test_a_rebuild_does_not_swap_while_another_process_writes(
    whoosh, index_dir, monkeypatch, tmp_path
):
    whoosh.rebuild(corpus(1))
    monkeypatch.setattr(whoosh_module, "SWAP_LOCK_TIMEOUT", FAST_LOCK_TIMEOUT)

    with write_lock_held_by_another_process(index_dir):
        with pytest.raises(IndexBusy):
            whoosh.rebuild(corpus(5))

    assert found(whoosh, "azathioprine") == [1]
    assert leftovers(index_dir) == []


# A writer that dies before committing


def test_a_writer_killed_midway_leaves_a_usable_index(open_whoosh, index_dir):
    open_whoosh().rebuild(corpus(2))
    files_before = set(index_dir.rglob("*"))

    child = run_child(CRASH_WHILE_WRITING, str(index_dir))
    assert child.wait(timeout=60) == 1
    assert set(index_dir.rglob("*")) - files_before, "the killed writer wrote nothing to disk"

    worker = open_whoosh()
    worker.check()
    assert sorted(found(worker, "azathioprine")) == [1, 2]
    assert found(worker, "crashed") == []

    worker.index([doc(100, "Crashed batch 100", "Caught up by the outbox.")])
    assert found(worker, "crashed") == [100]
    assert worker.rebuild(corpus(2)) == 2
    assert found(worker, "crashed") == []


# Rebuilds swap the folder atomically


def leftovers(index_dir: Path) -> list[str]:
    return sorted(
        path.name
        for path in index_dir.parent.iterdir()
        if path.name.startswith(f"{index_dir.name}.")
    )


def test_a_rebuild_is_built_aside_and_swapped_while_the_old_index_serves(open_whoosh, index_dir):
    serving = open_whoosh()
    serving.rebuild([doc(1, "Azathioprine before")])
    old_searcher = open_index(index_dir).searcher()
    answers_during_rebuild: list[list[int]] = []

    def new_documents():
        yield doc(2, "Azathioprine after")
        answers_during_rebuild.append(found(serving, "azathioprine"))
        yield doc(3, "Azathioprine after, too")

    assert open_whoosh().rebuild(new_documents()) == 2

    assert answers_during_rebuild == [[1]]
    term = Term("title", analyze("azathioprine")[0])
    with old_searcher:
        assert [hit["post_id"] for hit in old_searcher.search(term)] == ["1"]
    assert sorted(found(serving, "azathioprine")) == [2, 3]
    assert leftovers(index_dir) == []


def test_a_failed_rebuild_keeps_the_old_index(whoosh, index_dir):
    whoosh.rebuild([doc(1, "Azathioprine kept")])

    def broken_documents():
        yield doc(2, "Azathioprine half way")
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        whoosh.rebuild(broken_documents())

    assert found(whoosh, "azathioprine") == [1]
    assert leftovers(index_dir) == []


def test_a_forked_worker_opens_its_own_searcher(whoosh):
    whoosh.rebuild(corpus(1))
    found(whoosh, "azathioprine")
    inherited = whoosh._searcher

    whoosh._pid = -1
    assert found(whoosh, "azathioprine") == [1]
    assert whoosh._searcher is not inherited
