"""`GET /api/v1/search` through gunicorn at N imported MedQuAD posts, on both search backends.

Run: `.venv/bin/python bench/search_api.py [--posts 100000] [--rounds 3]
[--backends whoosh,postgres] [--data DIR]`.
Each backend gets the site as it is deployed with it: Whoosh on a SQLite database, PostgreSQL
full-text search on a throwaway PostgreSQL cluster (tests/servers.py). The SQLite site loads
the demo content and N posts through the app's importer; with `--data DIR` it is kept in DIR
and reused by later runs with as many posts. The PostgreSQL site gets the same rows with
`flask db copy-to` (or the importer when Whoosh is not benchmarked). Each index is then
rebuilt from its database (timed).
Then the site of each backend and a bare Flask hello world run under gunicorn (2 workers
each), and the 50-query mix of bench/search.py is sent one request at a time, the sites taking
turns on each query so that load from elsewhere on the machine falls on both alike.

Then, on each site, applying one search outbox row as after an approval (the post read from the
database, indexed, committed, the row deleted) is timed for 40 posts spread over the site.
Afterwards, on the PostgreSQL database, the same queries run as SQL alone: the backend's own
statement, and the naive plan it avoids (ts_rank over every match, ordered, plus an exact
count), to show what ranking a bounded candidate set saves.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from urllib.parse import urlencode

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench import medquad  # noqa: E402
from bench.medquad import posts as medquad_posts  # noqa: E402
from bench.pages import child_pids, free_port, status_field  # noqa: E402
from bench.search import query_mix  # noqa: E402

BIN = Path(sys.executable).parent
BACKENDS = ("whoosh", "postgres")
TARGETS_MS = {"whoosh": (30.0, 100.0), "postgres": (15.0, 50.0)}
TARGET_REBUILD_S = 120.0
OUTBOX_RUNS = 40
TARGET_OUTBOX_P95_MS = 50.0
TAGS = [
    "azathioprine",
    "lupus",
    "blood-tests",
    "side-effects",
    "tpmt-testing",
    "autoimmune-hepatitis",
    "crohns-disease",
    "missed-doses",
]
AUTHORS = ["liverlearner", "dr-okafor", "quietriver", "dr-haddad"]


@dataclass
class Site:
    """One backend's site: its settings, how long it took to fill, and what it measured."""

    backend: str
    env: dict[str, str]
    imported: float = 0.0
    filled_by: str = ""
    rebuilt: float = 0.0
    port: int = 0
    by_type: dict[str, list[float]] = field(default_factory=dict)
    errors: int = 0
    rss_mb: list[float] = field(default_factory=list)
    outbox_ms: list[float] = field(default_factory=list)
    tidy_ms: list[float] = field(default_factory=list)
    filled_elsewhere: bool = False

    @property
    def everything(self) -> list[float]:
        return [ms for times in self.by_type.values() for ms in times]


def settings(backend: str, workdir: Path, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SEARCH_BACKEND": backend,
        "SEARCH_INDEX_DIR": str(workdir / "index"),
        "SECRET_KEY": secrets.token_hex(32),
        "RATELIMIT_ENABLED": "off",
        "SITE_URL": "http://127.0.0.1",
    }


def workdir_of(site: Site) -> Path:
    return Path(site.env["SEARCH_INDEX_DIR"]).parent


def site_app(site: Site):
    from app import create_app

    overrides = {
        name: site.env[name]
        for name in ("DATABASE_URL", "SEARCH_BACKEND", "SEARCH_INDEX_DIR", "SECRET_KEY")
    }
    return create_app(
        {
            **overrides,
            "INSTANCE_PATH": str(workdir_of(site) / "instance"),
            "RATELIMIT_ENABLED": False,
        }
    )


def prepare(site: Site, count: int, source: Site | None = None) -> None:
    """Fill the site's database (reused when already prepared with `count` posts, copied from
    `source` when given, else the demo and `count` MedQuAD posts through the importer), then
    rebuild its index (timed)."""
    from flask_migrate import upgrade

    from app.demo.loader import seed_demo
    from app.extensions import db
    from app.posts.importer import import_posts
    from app.schema import init_migrate
    from app.search import close_backend, get_backend
    from app.search.outbox import rebuild_from_database

    if site.filled_elsewhere:
        site.filled_by = "given filled (--postgres-url), not rebuilt"
        return
    app = site_app(site)
    init_migrate(app)
    mark = workdir_of(site) / f"prepared-{count}"
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        if source is not None:
            copy_database(source, site.env["DATABASE_URL"])
            site.filled_by = "copied with db copy-to"
        elif mark.exists():
            site.filled_by = "reused"
        else:
            seed_demo()
            db.session.commit()
            import_posts(json.dumps(post) for post in medquad_posts(count, TAGS, AUTHORS))
            mark.touch()
            site.filled_by = "imported"
        site.imported = time.perf_counter() - started
        started = time.perf_counter()
        rebuild_from_database(get_backend(app))
        site.rebuilt = time.perf_counter() - started
        close_backend(app)
        db.session.remove()
        db.engine.dispose()


def copy_database(source: Site, url: str) -> None:
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "db", "copy-to", url],
        cwd=REPO_ROOT,
        env={**source.env, "INSTANCE_PATH": str(workdir_of(source) / "instance")},
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"db copy-to failed:\n{done.stdout}{done.stderr}")


def outbox_timings(site: Site, runs: int = OUTBOX_RUNS) -> list[float]:
    """Applying one outbox row as after an approval: the post read from the database, indexed
    and committed, and the row deleted (ms each), for posts spread over the site; then the
    index tidied as after the response (timed apart, in site.tidy_ms)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Post, SearchOutbox
    from app.search import close_backend, get_backend
    from app.search.outbox import apply_pending
    from app.search.whoosh_backend import WhooshBackend

    app = site_app(site)
    timings = []
    with app.app_context():
        backend = get_backend(app)
        tidy = backend.tidy if isinstance(backend, WhooshBackend) else None
        published = select(Post.id).where(Post.status == "published").order_by(Post.id)
        post_ids = list(db.session.scalars(published))
        for post_id in post_ids[:: max(1, len(post_ids) // runs)][:runs]:
            db.session.add(SearchOutbox(post_id=post_id, operation="index"))
            db.session.commit()
            started = time.perf_counter()
            applied = apply_pending(backend)
            timings.append((time.perf_counter() - started) * 1000)
            if applied != 1:
                raise SystemExit(f"{site.backend}: the outbox row of post {post_id} stayed")
            started = time.perf_counter()
            if tidy is not None and tidy():  # as after the response: not part of the apply
                site.tidy_ms.append((time.perf_counter() - started) * 1000)
        close_backend(app)
        db.session.remove()
        db.engine.dispose()
    return timings


@contextmanager
def gunicorn(app_spec: str, env: dict[str, str], port: int) -> Iterator[subprocess.Popen]:
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            app_spec,
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=15)


def get(port: int, path: str) -> tuple[int, float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    started = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    elapsed = (time.perf_counter() - started) * 1000
    connection.close()
    return response.status, elapsed


def wait_ready(port: int, path: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if get(port, path)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server on {port} did not become ready")


def api_path(query) -> str:
    params = {"q": query.text}
    if query.tag:
        params["tag"] = query.tag
    if query.sort != "relevance":
        params["sort"] = query.sort
    return "/api/v1/search?" + urlencode(params)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(sites: list[Site], hello_port: int, rounds: int) -> list[float]:
    """Every query on every site, in turns; returns hello world's times, measured alike."""
    mix = query_mix()
    for site in sites:
        for _, query in mix:
            get(site.port, api_path(query))
    hello_times = []
    for _ in range(rounds):
        for kind, query in mix:
            for site in sites:
                status, elapsed = get(site.port, api_path(query))
                site.errors += status != 200
                site.by_type.setdefault(kind, []).append(elapsed)
            hello_times.append(get(hello_port, "/")[1])
    return hello_times


def sql_timings(database_url: str, rounds: int) -> dict[str, list[float]]:
    """The PostgreSQL backend's search against the naive statement, per query, in ms."""
    from app.search.postgres_backend import PostgresBackend

    backend = PostgresBackend(database_url)
    runs: list[tuple[str, Callable[[], object]]] = []
    for _, query in query_mix():
        runs.append(("backend", partial(backend.search, query)))
        runs.append(("naive", partial(naive_search, backend, query)))
    for _, run in runs:
        run()
    timings: dict[str, list[float]] = {"backend": [], "naive": []}
    for _ in range(rounds):
        for label, run in runs:
            started = time.perf_counter()
            run()
            timings[label].append((time.perf_counter() - started) * 1000)
    backend.close()
    return timings


def naive_search(backend, query) -> None:
    """Rank every match with ts_rank and count them all: the plan the backend avoids."""
    import sqlalchemy as sa

    from app.search.postgres_backend import DOCUMENTS, RANK_NORMALIZATION, RANK_WEIGHTS

    order = "published_at DESC" if query.sort == "newest" else "score DESC"
    statement = sa.text(
        f"""SELECT post_id, ts_rank(CAST('{RANK_WEIGHTS}' AS real[]), tsv,
            CAST(:query AS tsquery), {RANK_NORMALIZATION}) AS score,
            count(*) OVER () AS total
        FROM {DOCUMENTS} WHERE tsv @@ CAST(:query AS tsquery)
        ORDER BY {order} LIMIT 10"""
    )
    with backend.engine.connect() as connection:
        connection.execute(statement, {"query": backend.match_query(query)}).all()


def report(sites: list[Site], hello: list[float], count: int, sql: dict[str, list[float]]) -> None:
    for site in sites:
        print(
            f"{site.backend}: {count} posts {site.filled_by} in {site.imported:.0f} s; "
            f"index rebuilt in {site.rebuilt:.1f} s (target <= {TARGET_REBUILD_S:.0f} s)"
        )
    kinds = list(sites[0].by_type)
    header = f"{'requests':<14}{'n':>5}" + "".join(
        f"{site.backend + ' p50':>15}{site.backend + ' p95':>15}" for site in sites
    )
    print(header)
    for kind in kinds:
        print(f"{kind:<14}{len(sites[0].by_type[kind]):>5}" + cells(s.by_type[kind] for s in sites))
    print(f"{'all searches':<14}{len(sites[0].everything):>5}" + cells(s.everything for s in sites))
    print(f"{'hello world':<14}{len(hello):>5}" + cells([hello]))
    for site in sites:
        p50_target, p95_target = TARGETS_MS[site.backend]
        everything = site.everything
        verdict = (
            "met"
            if statistics.median(everything) <= p50_target
            and percentile(everything, 0.95) <= p95_target
            else "NOT met"
        )
        print(
            f"{site.backend}: target p50 <= {p50_target:.0f} ms, p95 <= {p95_target:.0f} ms: "
            f"{verdict}; non-200 answers: {site.errors}; worker RSS: "
            + ", ".join(f"{mb:.0f} MB" for mb in site.rss_mb)
        )
    for site in sites:
        times = site.outbox_ms
        verdict = "met" if percentile(times, 0.95) <= TARGET_OUTBOX_P95_MS else "NOT met"
        print(
            f"{site.backend}: applying one outbox row (index one post + commit), {len(times)} "
            f"runs: p50 {statistics.median(times):.1f} ms, p95 {percentile(times, 0.95):.1f} ms "
            f"(target p95 <= {TARGET_OUTBOX_P95_MS:.0f} ms: {verdict})"
        )
        if site.tidy_ms:
            print(
                f"  then, after the response: {len(site.tidy_ms)} merges of the small segments, "
                f"{statistics.median(site.tidy_ms):.0f} ms median, {max(site.tidy_ms):.0f} ms max"
            )
    if sql:
        print("PostgreSQL, the same queries as SQL only (no HTTP, no snippets):")
        for label, title in (
            ("backend", "backend.search (bounded candidates)"),
            ("naive", "naive: ts_rank over all matches"),
        ):
            times = sql[label]
            print(
                f"  {title:<40} p50 {statistics.median(times):6.1f} ms"
                f"  p95 {percentile(times, 0.95):6.1f} ms"
            )


def cells(groups) -> str:
    return "".join(
        f"{statistics.median(times):>15.1f}{percentile(times, 0.95):>15.1f}" for times in groups
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--data", type=Path, help="keep the SQLite site here between runs")
    parser.add_argument(
        "--postgres-url",
        help="an already filled and indexed PostgreSQL database to measure instead of a new one",
    )
    medquad.add_option(parser)
    args = parser.parse_args()
    medquad.use(args.medquad)
    backends = [name for name in args.backends.split(",") if name]
    if not backends or set(backends) - set(BACKENDS):
        raise SystemExit(f"--backends takes a comma-separated choice of {', '.join(BACKENDS)}")
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-search-api-")))
        sites = [
            open_site(
                stack,
                backend,
                (args.data or scratch) / backend,
                scratch / backend,
                args.postgres_url,
            )
            for backend in backends
        ]
        source = None
        for site in sites:
            print(f"Loading {args.posts} posts for {site.backend} ...", flush=True)
            prepare(site, args.posts, source)
            if site.backend == "whoosh":
                source = site
        hello_port = free_port()
        processes = {}
        for site in sites:
            site.port = free_port()
            processes[site.backend] = stack.enter_context(gunicorn("wsgi:app", site.env, site.port))
        stack.enter_context(gunicorn("bench.hello_app:app", sites[0].env, hello_port))
        for site in sites:
            wait_ready(site.port, "/healthz")
        wait_ready(hello_port, "/")
        hello = measure(sites, hello_port, args.rounds)
        for site in sites:
            site.rss_mb = [
                int(status_field(pid, "VmRSS").split()[0]) / 1024
                for pid in child_pids(processes[site.backend].pid)
            ]
        for site in sites:
            site.outbox_ms = outbox_timings(site)
        postgres = next((site for site in sites if site.backend == "postgres"), None)
        sql = sql_timings(postgres.env["DATABASE_URL"], args.rounds) if postgres else {}
    report(sites, hello, args.posts, sql)


def open_site(
    stack: ExitStack, backend: str, kept: Path, scratch: Path, postgres_url: str | None = None
) -> Site:
    """The site's settings; SQLite in `kept` (which outlives the run with --data); for
    PostgreSQL, the given database or a cluster of its own, stopped on leaving."""
    if backend == "whoosh":
        kept.mkdir(parents=True, exist_ok=True)
        return Site(backend, settings(backend, kept, f"sqlite:///{kept}/bench.db"))
    from tests.servers import PostgresServer

    scratch.mkdir(parents=True)
    if postgres_url:
        return Site(backend, settings(backend, scratch, postgres_url), filled_elsewhere=True)
    server = stack.enter_context(PostgresServer())
    return Site(backend, settings(backend, scratch, server.create_database("bench")))


if __name__ == "__main__":
    main()
