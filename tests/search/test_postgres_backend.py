"""The PostgreSQL backend beyond the shared contract: its tables, rebuilds that swap under
running searches, the outbox across nodes, estimates, "did you mean", and the migration."""

from __future__ import annotations

import random
import uuid
from collections import Counter

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.models import SearchOutbox
from app.search import SearchQuery, SearchUnavailable, build_backend, close_backend, get_backend
from app.search import postgres_backend as postgres_module
from app.search.outbox import apply_pending, ensure_index, outbox_lock, rebuild_from_database
from app.search.postgres_backend import (
    DOCUMENTS,
    OUTBOX_LOCK_KEY,
    STATE,
    WORDS,
    PostgresBackend,
    document_row,
)
from tests.conftest import make_user, postgres_server, test_config
from tests.helpers import make_post
from tests.migrating import downgrade, upgrade
from tests.search.conftest import make_app
from tests.search.helpers import doc, found
from tests.servers import break_the_next_statement


@pytest.fixture
def open_postgres(postgres_url):
    opened: list[PostgresBackend] = []

    def _open() -> PostgresBackend:
        backend = PostgresBackend(postgres_url)
        opened.append(backend)
        return backend

    yield _open
    for backend in opened:
        backend.close()


@pytest.fixture
def postgres(open_postgres) -> PostgresBackend:
    return open_postgres()


def run_sql(backend: PostgresBackend, sql: str) -> None:
    with backend.engine.begin() as connection:
        connection.execute(sa.text(sql))


def corpus(count: int) -> list:
    return [
        doc(i, f"Azathioprine diary {i}", "Blood tests and liver numbers.")
        for i in range(1, count + 1)
    ]


# Tables, health and rebuilds


def test_the_backend_creates_its_tables_on_the_first_rebuild(postgres):
    run_sql(postgres, f"DROP TABLE IF EXISTS {DOCUMENTS}, {WORDS}, {STATE}")
    with pytest.raises(SearchUnavailable):
        postgres.check()
    with pytest.raises(SearchUnavailable):
        postgres.search(SearchQuery("azathioprine"))
    with pytest.raises(SearchUnavailable):
        postgres.index([doc(1, "Azathioprine")])

    assert postgres.rebuild(corpus(3)) == 3

    postgres.check()
    assert len(found(postgres, "azathioprine")) == 3


def test_an_index_never_built_or_from_another_schema_must_be_rebuilt(postgres):
    postgres.rebuild(corpus(2))
    run_sql(postgres, f"DELETE FROM {STATE}")
    with pytest.raises(SearchUnavailable, match="never built"):
        postgres.check()
    with pytest.raises(SearchUnavailable, match="never built"):
        postgres.index([doc(3, "Azathioprine")])

    postgres.rebuild(corpus(2))
    run_sql(postgres, f"UPDATE {STATE} SET schema_version = '0'")
    with pytest.raises(SearchUnavailable, match="schema"):
        postgres.check()

    postgres.rebuild(corpus(2))
    postgres.check()


def test_a_rebuild_is_built_aside_while_the_old_index_serves(open_postgres):
    serving = open_postgres()
    serving.rebuild([doc(1, "Azathioprine before")])
    answers_during_rebuild: list[list[int]] = []

    def new_documents():
        yield doc(2, "Azathioprine after")
        answers_during_rebuild.append(found(serving, "azathioprine"))
        yield doc(3, "Azathioprine after, too")

    assert open_postgres().rebuild(new_documents()) == 2

    assert answers_during_rebuild == [[1]]
    assert sorted(found(serving, "azathioprine")) == [2, 3]
    serving.check()


def test_a_failed_rebuild_keeps_the_old_index(postgres):
    postgres.rebuild([doc(1, "Azathioprine kept")])

    def broken_documents():
        yield doc(2, "Azathioprine half way")
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        postgres.rebuild(broken_documents())

    assert found(postgres, "azathioprine") == [1]
    postgres.check()


def test_rebuilds_keep_word_counts_and_drop_stale_ones(postgres):
    postgres.rebuild([doc(1, "Azathioprine", "zanzibarian"), doc(2, "Azathioprine", "roses")])
    postgres.rebuild([doc(2, "Azathioprine", "roses")])

    with postgres.engine.connect() as connection:
        words = dict(connection.execute(sa.text(f"SELECT word, posts FROM {WORDS}")).all())
    assert "zanzibarian" not in words
    assert words["azathioprine"] == 1


def word_counts(backend: PostgresBackend) -> dict[str, int]:
    with backend.engine.connect() as connection:
        return dict(connection.execute(sa.text(f"SELECT word, posts FROM {WORDS}")).all())


def test_word_counts_follow_every_edit_and_removal(postgres):
    """search_words holds, for each word, the number of indexed posts using it: never a word
    no post uses, whatever order posts are indexed, edited, indexed again and removed in."""
    vocabulary = ["zanzibarian", "clinic", "roses", "tablets", "nausea", "mornings"]
    rng = random.Random(19)
    indexed: dict[int, set[str]] = {}
    postgres.rebuild([doc(1, "zanzibarian clinic"), doc(2, "roses nausea")])
    indexed.update({1: {"zanzibarian", "clinic"}, 2: {"roses", "nausea"}})
    for _ in range(60):
        post_id = rng.randint(1, 6)
        if rng.random() < 0.3:
            postgres.remove([post_id])
            indexed.pop(post_id, None)
        else:
            words = set(rng.sample(vocabulary, 3))
            postgres.index([doc(post_id, " ".join(sorted(words)))])
            indexed[post_id] = words
        expected = Counter(word for words in indexed.values() for word in words)
        assert word_counts(postgres) == expected

    postgres.compact()
    assert word_counts(postgres) == Counter(w for words in indexed.values() for w in words)


def test_compact_repairs_counts_that_went_wrong(postgres):
    postgres.rebuild([doc(1, "Azathioprine", "zanzibarian story"), doc(2, "Azathioprine")])
    run_sql(postgres, f"UPDATE {WORDS} SET posts = 7")
    run_sql(postgres, f"INSERT INTO {WORDS} VALUES ('orphanword', 'orphanword', 3)")

    postgres.compact()

    assert word_counts(postgres) == {"azathioprine": 2, "zanzibarian": 1, "story": 1}


def test_compact_forgets_the_words_of_removed_posts(postgres):
    postgres.rebuild([doc(1, "Azathioprine", "zanzibarian story"), doc(2, "Azathioprine")])
    postgres.remove([1])

    postgres.compact()

    with postgres.engine.connect() as connection:
        words = set(connection.scalars(sa.text(f"SELECT word FROM {WORDS}")))
    assert "zanzibarian" not in words
    assert "azathioprine" in words


def test_database_errors_come_out_as_search_unavailable(postgres):
    postgres.rebuild([])
    run_sql(postgres, f"DROP TABLE {WORDS}")

    with pytest.raises(SearchUnavailable, match="cannot be used"):
        postgres.check()


def backend_pid(backend: PostgresBackend) -> int:
    with backend.engine.connect() as connection:
        return connection.scalar(sa.text("SELECT pg_backend_pid()"))


def terminate_from_elsewhere(backend: PostgresBackend, pid: int) -> None:
    other = sa.create_engine(backend.engine.url, poolclass=sa.pool.NullPool)
    with other.connect() as connection:
        connection.execute(sa.select(func.pg_terminate_backend(pid)))


def test_a_search_sends_no_ping_before_its_statement(postgres, monkeypatch):
    """A ping on checkout would be one more round trip for every search."""
    postgres.rebuild(corpus(2))
    pings: list[object] = []
    monkeypatch.setattr(postgres.engine.dialect, "do_ping", lambda connection: pings.append(1))
    sent: list[str] = []
    sa.event.listen(postgres.engine, "before_cursor_execute", lambda *args: sent.append(args[2]))

    assert found(postgres, "azathioprine") == [2, 1]
    assert found(postgres, "azathioprine", sort="newest") == [2, 1]

    searches = [statement for statement in sent if "set_config" not in statement]
    assert pings == [] and len(searches) == 2


def test_a_search_whose_pooled_connection_was_dropped_reads_again_on_a_new_one(postgres):
    """After PostgreSQL closed the connection waiting in the pool (a restart, an idle timeout),
    the search still answers: it is read again once, on a new connection."""
    postgres.rebuild(corpus(2))
    assert found(postgres, "azathioprine") == [2, 1]
    dropped = backend_pid(postgres)
    terminate_from_elsewhere(postgres, dropped)

    assert found(postgres, "azathioprine") == [2, 1]
    assert backend_pid(postgres) != dropped


def test_a_search_whose_socket_failed_under_its_statement_reads_again_on_a_new_one(
    postgres, monkeypatch
):
    """The connection is dropped, not rolled back (it is still busy with the statement)."""
    postgres.rebuild(corpus(2))
    broken = backend_pid(postgres)
    break_the_next_statement(monkeypatch)

    assert found(postgres, "azathioprine") == [2, 1]
    assert backend_pid(postgres) != broken


def test_a_search_fails_clearly_when_the_new_connection_fails_too(postgres, monkeypatch):
    postgres.rebuild(corpus(1))
    found(postgres, "azathioprine")
    dropped: list[int] = []

    def dropped_each_time(connection):
        dropped.append(connection.scalar(sa.text("SELECT pg_backend_pid()")))
        terminate_from_elsewhere(postgres, dropped[-1])
        return connection.scalar(sa.text(f"SELECT count(*) FROM {DOCUMENTS}"))

    with pytest.raises(SearchUnavailable, match="cannot be used"):
        postgres._read(dropped_each_time)
    assert len(set(dropped)) == 2  # read once more on a new connection, never in a loop


def test_a_forked_worker_opens_its_own_connections(postgres):
    postgres.rebuild(corpus(1))
    pool = postgres.engine.pool

    postgres._pid = -1
    assert found(postgres, "azathioprine") == [1]
    assert postgres.engine.pool is not pool
    pool.dispose()  # the "parent's" connections, left open by the "child"


# Documents


def test_medical_tokens_and_hyphen_parts_are_stored_as_the_whoosh_analyzer_makes_them():
    row = document_row(doc(1, "6-MP and azathioprine-induced nausea", tags=("side-effects",)))

    assert "'6-mp':1A" in row["tsv"]
    assert "'azathioprine-induc':3A" in row["tsv"]
    assert "'azathioprin':3A" in row["tsv"]
    assert "'tag:side-effects'" in row["tsv"] and "'kind:experience'" in row["title_tsv"]


def test_quotes_and_backslashes_in_words_cannot_break_the_vectors(postgres):
    postgres.rebuild([doc(1, "Didn't O'Brien's \\ note", "it's fine")])

    assert found(postgres, "didn't") == [1]
    assert found(postgres, "o'brien") == [1]


# Counting and candidates


def test_totals_beyond_the_exact_limit_are_estimates(postgres, monkeypatch):
    postgres.rebuild(corpus(40))
    monkeypatch.setattr(postgres_module, "EXACT_COUNT_UP_TO", 10)

    page = postgres.search(SearchQuery("azathioprine"))

    assert page.total_is_estimate
    assert page.total >= 11
    assert not postgres.search(SearchQuery("diary 7")).total_is_estimate


def test_pages_beyond_the_ranked_candidates_list_the_other_matches(postgres, monkeypatch):
    postgres.rebuild(corpus(30))
    monkeypatch.setattr(postgres_module, "CANDIDATES", 5)

    pages = [postgres.search(SearchQuery("azathioprine", page=n, per_page=10)) for n in (1, 2, 3)]

    seen = [post_id for page in pages for post_id in page.post_ids]
    assert sorted(seen) == list(range(1, 31))


def test_suggestions_prefer_the_word_more_posts_use(postgres):
    postgres.rebuild(
        [doc(1, "Diabetes", "diabetes diet"), doc(2, "Diabetes care"), doc(3, "Diabetic feet")]
    )

    assert postgres.search(SearchQuery("diabetis")).suggestion == "diabetes"


# The outbox across nodes


def postgres_config(tmp_path, url: str, index_dir) -> dict:
    return test_config(
        tmp_path, DATABASE_URL=url, SEARCH_BACKEND="postgres", SEARCH_INDEX_DIR=str(index_dir)
    )


@pytest.fixture
def postgres_app(tmp_path, postgres_url, index_dir):
    yield from make_app(postgres_config(tmp_path, postgres_url, index_dir))


@pytest.fixture
def app_backend(postgres_app) -> PostgresBackend:
    backend = get_backend(postgres_app)
    assert isinstance(backend, PostgresBackend)
    rebuild_from_database(backend)
    return backend


def queued() -> list[int]:
    return list(db.session.scalars(select(SearchOutbox.post_id).order_by(SearchOutbox.id)))


def test_the_app_builds_the_postgres_backend_on_its_own_database(postgres_app):
    backend = get_backend(postgres_app)

    assert isinstance(backend, PostgresBackend)
    assert backend.database_url == db.engine.url
    other = build_backend(postgres_app.config)
    assert isinstance(other, PostgresBackend)
    other.close()


def test_applying_writes_the_index_in_the_transaction_that_deletes_the_rows(app_backend):
    post = make_post(make_user("pat"), title="Azathioprine and the outbox")
    assert queued() == [post.id]

    assert apply_pending(app_backend) == 1

    assert queued() == []
    assert found(app_backend, "outbox") == [post.id]


def test_a_failed_index_write_rolls_back_and_is_counted(app_backend, monkeypatch):
    post = make_post(make_user("pat"), title="Azathioprine half written")

    def remove_fails(post_ids):
        raise SearchUnavailable("the index went away")

    monkeypatch.setattr(app_backend, "remove", remove_fails)

    assert apply_pending(app_backend) == 0

    assert found(app_backend, "written") == []
    assert db.session.scalar(select(SearchOutbox.attempts)) == 1
    monkeypatch.undo()
    assert apply_pending(app_backend) == 1
    assert found(app_backend, "written") == [post.id]


def test_another_node_holding_the_lock_makes_this_one_wait(app_backend):
    make_post(make_user("pat"), title="Azathioprine waits its turn")
    db.session.commit()

    with app_backend.engine.connect() as other_node:
        other_node.execute(select(func.pg_advisory_lock(OUTBOX_LOCK_KEY)))
        assert apply_pending(app_backend) == 0
        with outbox_lock(app_backend, wait=False) as locked:
            assert not locked
        other_node.execute(select(func.pg_advisory_unlock(OUTBOX_LOCK_KEY)))

    assert db.session.scalar(select(SearchOutbox.attempts)) == 0
    assert apply_pending(app_backend) == 1


def test_the_lock_is_released_when_there_is_nothing_to_apply(app_backend):
    assert apply_pending(app_backend) == 0

    with app_backend.engine.connect() as other_node:
        assert other_node.scalar(select(func.pg_try_advisory_lock(OUTBOX_LOCK_KEY)))


def test_start_up_rebuilds_an_index_never_built(postgres_app):
    backend = get_backend(postgres_app)
    post = make_post(make_user("pat"), title="Azathioprine before the first start")

    assert ensure_index(backend) is True
    assert ensure_index(backend) is False
    assert found(backend, "first start") == [post.id]
    assert queued() == []


# The migration


def test_the_migration_creates_the_tables_on_postgresql_and_drops_them(tmp_path, index_dir):
    server = postgres_server()
    name = f"search_migration_{uuid.uuid4().hex[:12]}"
    url = server.create_database(name)
    try:
        for app in make_app_without_tables(tmp_path, url, index_dir):
            upgrade()
            tables = set(sa.inspect(db.engine).get_table_names())
            assert {DOCUMENTS, WORDS, STATE} <= tables
            backend = get_backend(app)
            with pytest.raises(SearchUnavailable, match="never built"):
                backend.check()
            assert rebuild_from_database(backend) == 0
            backend.check()
            downgrade(revision="base")
            assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
    finally:
        server.drop_database(name)


def make_app_without_tables(tmp_path, url, index_dir):
    app = create_app(postgres_config(tmp_path, url, index_dir))
    with app.app_context():
        yield app
        close_backend(app)
        db.session.remove()
        db.engine.dispose()
