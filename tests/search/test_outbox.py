"""Applying the SearchOutbox, rebuilding from the database, start-up repair and the CLI."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.models import SearchOutbox
from app.search import SearchUnavailable, get_backend, whoosh_backend
from app.search.cli import search_cli
from app.search.outbox import (
    apply_pending,
    drain,
    ensure_index,
    outbox_lock,
    outbox_status,
    rebuild_from_database,
)
from app.search.postgres_backend import PostgresBackend
from app.search.whoosh_backend import MERGE_TIERS, TIDY_FANOUT, WhooshBackend
from app.search.wiring import tidy_quietly
from tests.conftest import make_user
from tests.helpers import make_post, make_tag, post_form, sign_in
from tests.search.conftest import FAST_LOCK_TIMEOUT
from tests.search.helpers import found


@pytest.fixture
def backend(app, index_dir):
    backend = WhooshBackend(index_dir, lock_timeout=FAST_LOCK_TIMEOUT)
    backend.rebuild([])
    yield backend
    backend.close()


@pytest.fixture
def author(app):
    return make_user("pat")


def queued() -> list[tuple[int, str]]:
    rows = db.session.scalars(select(SearchOutbox).order_by(SearchOutbox.id))
    return [(row.post_id, row.operation) for row in rows]


def queue(post_id: int, operation: str) -> None:
    db.session.add(SearchOutbox(post_id=post_id, operation=operation))
    db.session.commit()


def test_applying_indexes_published_posts_and_empties_the_outbox(backend, author):
    tag = make_tag("azathioprine", kind="medication", name="Azathioprine")
    post = make_post(author, title="Month one on Imuran", tags=[tag], body="Bloods were fine.")
    assert queued() == [(post.id, "index")]

    assert apply_pending(backend) == 1

    assert queued() == []
    assert found(backend, "imuran") == [post.id]
    assert found(backend, "bloods", tag="azathioprine") == [post.id]


def test_the_database_decides_not_the_queued_operation(backend, author):
    hidden = make_post(author, title="Azathioprine hidden later")
    apply_pending(backend)
    hidden.status = "hidden"
    db.session.commit()
    queue(hidden.id, "index")
    pending = make_post(author, title="Azathioprine pending", status="pending")
    queue(pending.id, "index")
    published = make_post(author, title="Azathioprine published")
    queue(published.id, "remove")
    rows = len(queued())

    assert apply_pending(backend) == rows

    assert found(backend, "azathioprine") == [published.id]
    assert queued() == []


def test_rows_for_deleted_posts_remove_them(backend, author):
    post = make_post(author, title="Azathioprine soon gone")
    apply_pending(backend)
    post_id = post.id
    db.session.delete(post)
    db.session.commit()
    assert queued() == [(post_id, "remove")]  # queued by app.posts.changes at the flush

    assert apply_pending(backend) == 1
    assert found(backend, "azathioprine") == []


def test_applying_works_in_batches_oldest_first(backend, author):
    posts = [make_post(author, title=f"Azathioprine note {n}") for n in range(5)]

    assert apply_pending(backend, limit=2) == 2
    assert [post_id for post_id, _ in queued()] == [post.id for post in posts[2:]]
    assert drain(backend, limit=2) == 3
    assert sorted(found(backend, "azathioprine")) == sorted(post.id for post in posts)


def test_only_one_process_applies_at_a_time(backend, author):
    make_post(author, title="Azathioprine waits its turn")

    with outbox_lock(backend, wait=False) as locked:
        assert locked
        assert apply_pending(backend) == 0
        with outbox_lock(backend, wait=False) as second:
            assert not second

    assert db.session.scalar(select(SearchOutbox.attempts)) == 0
    assert apply_pending(backend) == 1


def test_a_missing_index_leaves_the_rows_for_later(backend, author, index_dir):
    post = make_post(author, title="Azathioprine while broken")
    backend.close()
    for path in index_dir.iterdir():
        path.unlink()

    assert apply_pending(backend) == 0
    assert apply_pending(backend) == 0
    row = db.session.scalar(select(SearchOutbox))
    assert row.attempts == 2
    assert "No search index" in row.last_error

    assert ensure_index(backend) is True
    assert found(backend, "broken") == [post.id]
    assert queued() == []


def test_a_missing_index_is_rebuilt_at_start_up_without_waiting(backend, author, monkeypatch):
    """The waits for a rebuild's renames are for searches; start-up checks under the lock."""
    post = make_post(author, title="Azathioprine at start-up")
    backend.close()
    shutil.rmtree(backend.index_dir)

    sleeps: list[float] = []
    monkeypatch.setattr(whoosh_backend.time, "sleep", sleeps.append)
    assert ensure_index(backend) is True
    assert sleeps == []
    assert found(backend, "start-up") == [post.id]


def test_a_database_error_leaves_the_rows_and_does_not_raise(backend, author, monkeypatch):
    from app.search import outbox

    make_post(author, title="Azathioprine during a database hiccup")

    def database_down(post_ids):
        raise OperationalError("SELECT", {}, Exception("database is locked"))

    monkeypatch.setattr(outbox, "published_documents", database_down)

    assert apply_pending(backend) == 0
    monkeypatch.undo()
    assert len(queued()) == 1
    assert apply_pending(backend) == 1


def test_rebuild_indexes_every_published_post_and_clears_covered_rows(backend, author):
    published = [make_post(author, title=f"Azathioprine story {n}") for n in range(7)]
    make_post(author, title="Azathioprine draft", status="draft")
    make_post(author, title="Azathioprine rejected", status="rejected")

    class QueueDuringRebuild:
        """Another request publishes something while the rebuild reads the database."""

        outbox_lock = backend.outbox_lock
        index_writes = backend.index_writes

        def rebuild(self, docs):
            queue(published[0].id, "index")
            return backend.rebuild(docs)

    assert rebuild_from_database(QueueDuringRebuild()) == 7

    assert queued() == [(published[0].id, "index")]
    assert sorted(found(backend, "azathioprine", per_page=20)) == [post.id for post in published]


def test_rebuild_streams_in_batches(backend, author, monkeypatch):
    from app.search import outbox

    monkeypatch.setattr(outbox, "REBUILD_BATCH", 2)
    posts = [make_post(author, title=f"Azathioprine batch {n}") for n in range(5)]

    assert rebuild_from_database(backend) == 5
    assert sorted(found(backend, "azathioprine")) == [post.id for post in posts]


def test_ensure_index_leaves_a_healthy_index_alone(backend, author):
    make_post(author, title="Azathioprine kept in the queue")

    assert ensure_index(backend) is False
    assert len(queued()) == 1


def test_outbox_status_counts_pending_and_failing_rows(backend, author):
    make_post(author, title="One")
    make_post(author, title="Two")
    db.session.scalars(select(SearchOutbox)).first().attempts = 3
    db.session.commit()

    assert outbox_status().pending == 2
    assert outbox_status().failing == 1


# The application's backend and the command line


def test_the_app_builds_one_backend_from_its_settings(app, index_dir):
    backend = get_backend(app)

    assert backend is get_backend(app)
    if app.config["SEARCH_BACKEND"] == "postgres":
        assert isinstance(backend, PostgresBackend)
        assert backend.database_url == db.engine.url
    else:
        assert isinstance(backend, WhooshBackend)
        assert backend.index_dir == index_dir
    with pytest.raises(SearchUnavailable):
        backend.check()


def test_the_postgres_backend_needs_a_postgresql_database(app, tmp_path):
    from app.search import build_backend

    sqlite = f"sqlite:///{tmp_path / 'other.db'}"
    with pytest.raises(SearchUnavailable, match="PostgreSQL DATABASE_URL"):
        build_backend(
            {**app.config, "SEARCH_BACKEND": "postgres", "SQLALCHEMY_DATABASE_URI": sqlite}
        )


def test_cli_rebuild_sync_and_status(app, runner, author):
    make_post(author, title="Azathioprine from the command line")

    rebuilt = runner.invoke(search_cli, ["rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "Indexed 1 published posts" in rebuilt.output

    make_post(author, title="Azathioprine queued")
    status = runner.invoke(search_cli, ["status"])
    assert status.exit_code == 0, status.output
    assert "1 queued" in status.output
    assert "1 indexed, 2 published posts" in status.output

    synced = runner.invoke(search_cli, ["sync"])
    assert synced.exit_code == 0, synced.output
    assert "Applied 1 queued changes; 0 still queued." in synced.output
    assert "2 indexed, 2 published posts" in runner.invoke(search_cli, ["status"]).output


def test_cli_status_reports_a_missing_index(app, runner):
    result = runner.invoke(search_cli, ["status"])

    assert result.exit_code == 1
    assert "unusable" in result.output
    assert "search rebuild" in result.output


def test_cli_sync_fails_loudly_when_changes_keep_failing(app, runner, author):
    make_post(author, title="Azathioprine with no index")

    result = runner.invoke(search_cli, ["sync"])

    assert result.exit_code == 1
    assert "failed at least once" in result.output


def test_cli_reload_synonyms_checks_the_file(app, runner, tmp_path):
    synonyms = tmp_path / "synonyms.txt"
    synonyms.write_text("# ours\nazathioprine, imuran\nlonely\n")
    app.config["SEARCH_SYNONYMS_FILE"] = str(synonyms)

    result = runner.invoke(search_cli, ["reload-synonyms"])

    assert result.exit_code == 0, result.output
    assert "1 synonym groups (2 entries)" in result.output
    assert "line 3" in result.output


def segment_sizes(backend: WhooshBackend) -> list[int]:
    return [segment.doc_count_all() for segment in backend._open_index()._segments()]


def segment_count(backend: WhooshBackend) -> int:
    return len(segment_sizes(backend))


def apply_one_at_a_time(backend: WhooshBackend) -> None:
    while apply_pending(backend, limit=1):
        pass


def test_changes_are_committed_without_merging_and_tidy_merges_them_later(backend, author):
    posts = [make_post(author, title=f"Week {n} on azathioprine") for n in range(7)]
    apply_one_at_a_time(backend)
    assert segment_count(backend) == 7  # Whoosh's default policy would have merged by now

    assert backend.tidy() is True
    assert segment_count(backend) == 1
    assert sorted(found(backend, "azathioprine")) == sorted(post.id for post in posts)
    assert backend.doc_count() == 7
    assert backend.tidy() is False  # one segment: nothing to merge


def test_tidy_merges_by_size_tier_so_a_document_is_not_copied_again_and_again(backend, author):
    for n in range(TIDY_FANOUT * MERGE_TIERS[0]):
        make_post(author, title=f"Bloods, week {n}")
        apply_one_at_a_time(backend)
        backend.tidy()
    sizes = segment_sizes(backend)
    # the singles were merged into tier-1 segments, and those into one tier-2 segment; the
    # tier-2 segment is merged again only with five more of its kind
    assert max(sizes) >= MERGE_TIERS[0] and len(sizes) < TIDY_FANOUT * 2
    assert sum(sizes) == TIDY_FANOUT * MERGE_TIERS[0]
    assert backend.tidy(every_tier=True) in (True, False)
    assert backend.doc_count() == TIDY_FANOUT * MERGE_TIERS[0]


def test_tidy_leaves_the_index_to_a_writer_that_holds_it(backend, author):
    for n in range(7):
        make_post(author, title=f"Day {n} of tapering prednisone")
    apply_one_at_a_time(backend)
    writer = backend._open_index().writer()
    try:
        assert backend.tidy() is False
    finally:
        writer.cancel()
    assert segment_count(backend) == 7


def test_a_request_that_changed_the_index_tidies_it_after_answering(app, client, users):
    tidied = []
    search = get_backend(app)
    search.tidy = lambda every_tier=False: tidied.append(every_tier) or False
    tag = make_tag("azathioprine", "medication")
    db.session.commit()
    sign_in(client, users["provider"].email)
    client.get("/")
    assert tidied == []
    form = {
        "kind": "article",
        "title": "Starting azathioprine",
        "body": "Bloods and a TPMT test came before my first dose.",
        "tags": tag.slug,
    }
    response = post_form(client, "/posts/new", form)
    assert response.status_code == 302
    assert found(search, "azathioprine")  # applied before the answer
    assert tidied == []
    response.close()  # as the WSGI server does once the response is sent
    # the small tiers only; only a Whoosh index is tidied
    assert tidied == ([False] if isinstance(search, WhooshBackend) else [])


def test_postgres_needs_no_tidying():
    """Tidying is Whoosh's own: the shared interface has none, and the callers skip others."""
    assert not hasattr(PostgresBackend, "tidy")
    tidy_quietly(object())
