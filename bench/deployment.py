"""SQLite + Whoosh against PostgreSQL + its search, side by side: throughput of the main pages
and of search with the page cache off, and the server CPU each request costs, from which a
capacity model follows (docs/operations.md, "Capacity model").

Run: `.venv/bin/python bench/deployment.py [--posts 100000] [--seconds 8] [--rounds 3]
[--data DIR] [--baseline REV]`. The same site is built once on SQLite (demo + MedQuAD posts),
copied to a throwaway PostgreSQL with `flask db copy-to`, and served by gunicorn (2 workers) on
each database; for each page the sites take turns, and the median of the rounds is reported.

`--baseline REV` (by default the commit this branch left main at, `git merge-base HEAD main`)
also serves the PostgreSQL database with the code of REV, from a detached `git worktree`, as a
third site in the same turns, and compares its throughput with the working tree's page by page.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench import medquad  # noqa: E402
from bench.pages import (  # noqa: E402
    WRK_PERCENTILES_LUA,
    BenchError,
    child_env,
    child_pids,
    cpu_seconds,
    log,
    prepare_database,
    require_tools,
    run_wrk,
)
from tests.servers import PostgresServer, free_port  # noqa: E402

BIN_DIR = Path(sys.executable).parent
WORKERS = 2
MIN_PG_RATIO = 0.8
MIN_AFTER_RATIO = 0.9
TARGET_UTILISATION = 0.6
PAGES = {
    "home": "/",
    "tag": "/tags/azathioprine",
    "post": None,  # the newest post, found on the home page
    "author": "/authors/dr-okafor",
    "api-posts": "/api/v1/posts?tag=azathioprine",
    "search": "/search?q=missed+my+imuran",
    "api-search": "/api/v1/search?q=azathioprine+blood+test",
}
POST_LINK = re.compile(r'href="(/posts/\d+/[^"?#]+)"')


@dataclass
class Site:
    name: str
    env: dict[str, str]
    code: Path = REPO_ROOT
    port: int = 0
    process: subprocess.Popen | None = None


@dataclass
class Row:
    page: str
    site: str
    requests_per_s: float
    p50_ms: float
    p95_ms: float
    web_cpu_ms: float
    db_cpu_ms: float
    errors: int


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--data", type=Path, help="keep the SQLite site here between runs")
    parser.add_argument(
        "--rounds", type=int, default=3, help="turns per page and site; the median is reported"
    )
    parser.add_argument(
        "--baseline",
        metavar="REV",
        nargs="?",
        const="merge-base",
        help="also serve PostgreSQL with this git revision's code (default: merge-base with main)",
    )
    medquad.add_option(parser)
    args = parser.parse_args()
    medquad.use(args.medquad)
    return args


def flask(env: dict[str, str], *args: str, timeout: int = 3600) -> str:
    done = subprocess.run(
        [str(BIN_DIR / "flask"), "--app", "wsgi", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise BenchError(f"`flask {' '.join(args)}` failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def sqlite_site(folder: Path, posts: int) -> Site:
    env = child_env(folder)
    env.update(PAGE_CACHE="off", INSTANCE_PATH=str(folder / "instance"))
    mark = folder / f"prepared-{posts}"
    if not mark.exists():
        for leftover in folder.glob("bench.db*"):
            leftover.unlink()
        prepare_database(env, posts)
        mark.touch()
    else:
        flask(env, "db", "upgrade")
        log(f"reusing the SQLite site in {folder}")
    return Site("sqlite+whoosh", env)


def postgres_site(source: Site, postgres: PostgresServer, folder: Path) -> Site:
    url = postgres.create_database("bench")
    env = {
        **source.env,
        "DATABASE_URL": url,
        "SEARCH_BACKEND": "postgres",
        "INSTANCE_PATH": str(folder / "pg-instance"),
    }
    started = time.perf_counter()
    flask(env, "db", "upgrade")
    flask(source.env, "db", "copy-to", url)
    copied = time.perf_counter() - started
    started = time.perf_counter()
    flask(env, "search", "rebuild")
    rebuilt = time.perf_counter() - started
    log(f"copied to PostgreSQL in {copied:.0f} s; search rebuilt in {rebuilt:.0f} s")
    postgres.psql("bench", "VACUUM ANALYZE")
    return Site("postgres", env)


def baseline_revision(requested: str) -> str:
    if requested != "merge-base":
        return requested
    return git("merge-base", "HEAD", "main").strip()


def git(*args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(REPO_ROOT), *args], capture_output=True, text=True, timeout=120
    )
    if done.returncode != 0:
        raise BenchError(f"`git {' '.join(args)}` failed:\n{done.stderr}")
    return done.stdout


@contextmanager
def baseline_code(revision: str, folder: Path) -> Iterator[Path]:
    """The code of `revision` in a detached worktree, removed afterwards."""
    code = folder / "baseline-code"
    git("worktree", "add", "--detach", str(code), revision)
    try:
        yield code
    finally:
        git("worktree", "remove", "--force", str(code))


def baseline_site(after: Site, code: Path, folder: Path) -> Site:
    """The PostgreSQL site's database, served by the code in `code`."""
    env = {**after.env, "INSTANCE_PATH": str(folder / "baseline-instance"), "PYTHONPATH": str(code)}
    return Site("pg-baseline", env, code)


def start(site: Site, folder: Path) -> None:
    site.port = free_port()
    log_path = folder / f"{site.name}.log"
    with log_path.open("wb") as log_file:
        site.process = subprocess.Popen(
            [
                str(BIN_DIR / "gunicorn"),
                "--workers",
                str(WORKERS),
                "--bind",
                f"127.0.0.1:{site.port}",
                "wsgi:app",
            ],
            cwd=site.code,
            env=site.env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if site.process.poll() is not None:
            raise BenchError(f"{site.name} exited:\n{log_path.read_text()[-3000:]}")
        status, _ = get(site, "/healthz")
        if status == 200:
            return
        time.sleep(0.2)
    raise BenchError(f"{site.name} did not start")


def get(site: Site, path: str) -> tuple[int, str]:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    except OSError:
        return 0, ""
    finally:
        connection.close()


def postgres_pids(postgres: PostgresServer | None) -> list[int]:
    if postgres is None:
        return []
    master = int((postgres.data / "postmaster.pid").read_text().split()[0])
    return [master, *child_pids(master)]


def measure(site: Site, page: str, path: str, seconds: int, folder: Path, db) -> Row:
    for _ in range(10):
        status, _ = get(site, path)
        if status != 200:
            raise BenchError(f"{site.name} answered {status} on {path}")
    script = folder / "get.lua"
    script.write_text(WRK_PERCENTILES_LUA)
    web = child_pids(site.process.pid)
    database = postgres_pids(db)
    web_before, db_before = cpu_seconds(web), cpu_seconds(database)
    result = run_wrk(f"http://127.0.0.1:{site.port}{path}", seconds, script)
    web_used = cpu_seconds(web) - web_before
    db_used = cpu_seconds(postgres_pids(db)) - db_before
    per_request = 1000 / max(result.requests, 1)
    return Row(
        page,
        site.name,
        result.requests_per_s,
        result.p50_ms,
        result.p95_ms,
        web_used * per_request,
        db_used * per_request,
        result.non_2xx_3xx + sum(result.socket_errors.values()),
    )


def median_run(runs: list[Row]) -> Row:
    """The run with the median throughput: this machine's speed drifts from one run to the next,
    so the sites take turns and one slow or fast stretch does not decide a ratio."""
    return sorted(runs, key=lambda row: row.requests_per_s)[len(runs) // 2]


def report(rows: list[Row], posts: int) -> bool:
    print(
        f"\nPages and search with the page cache off, {posts:,} imported posts, "
        f"gunicorn {WORKERS} workers each, wrk 2 threads x 8 connections"
    )
    header = (
        f"{'page':<11}{'database':<15}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}"
        f"{'web CPU ms':>11}{'db CPU ms':>10}{'errors':>7}{'pg/sqlite':>10}"
    )
    print(header)
    print("-" * len(header))
    ok = True
    by_page: dict[str, dict[str, Row]] = {}
    for row in rows:
        by_page.setdefault(row.page, {})[row.site] = row
    for sites in by_page.values():
        sqlite, postgres = sites["sqlite+whoosh"], sites["postgres"]
        ratio = postgres.requests_per_s / sqlite.requests_per_s
        for row in (sqlite, postgres):
            mark = (
                f"{ratio:>9.2f}" + ("" if ratio >= MIN_PG_RATIO else "!") if row is postgres else ""
            )
            print(
                f"{row.page:<11}{row.site:<15}{row.requests_per_s:>8.0f}{row.p50_ms:>8.1f}"
                f"{row.p95_ms:>8.1f}{row.web_cpu_ms:>11.2f}{row.db_cpu_ms:>10.2f}"
                f"{row.errors:>7}{mark:>10}"
            )
        ok = ok and ratio >= MIN_PG_RATIO and not sqlite.errors and not postgres.errors
    print(
        f"\nTarget: PostgreSQL throughput >= {MIN_PG_RATIO} of SQLite's on every page "
        "('!' marks a miss)."
    )
    print("\nCapacity model (PostgreSQL; web CPU only, database sized separately):")
    print(f"{'page':<11}{'req/s per core':>15}{'cores for 100 req/s':>21}")
    for page, sites in by_page.items():
        cpu = sites["postgres"].web_cpu_ms
        per_core = 1000 / cpu if cpu else float("inf")
        cores = 100 * cpu / (1000 * TARGET_UTILISATION)
        print(f"{page:<11}{per_core:>15.0f}{cores:>21.1f}")
    print(f"(cores at {TARGET_UTILISATION:.0%} utilisation; nodes = cores / cores per node)")
    return ok


def report_baseline(rows: list[Row], revision: str) -> bool:
    """PostgreSQL throughput after (the working tree) against before (the baseline's code)."""
    print(f"\nPostgreSQL, before ({revision[:12]}) and after (the working tree), same database")
    header = (
        f"{'page':<11}{'before req/s':>13}{'after req/s':>12}{'after/before':>13}"
        f"{'web CPU ms before':>18}{'after':>6}{'db CPU ms before':>17}{'after':>6}"
    )
    print(header)
    print("-" * len(header))
    by_page: dict[str, dict[str, Row]] = {}
    for row in rows:
        by_page.setdefault(row.page, {})[row.site] = row
    ok = True
    for page, sites in by_page.items():
        before, after = sites["pg-baseline"], sites["postgres"]
        ratio = after.requests_per_s / before.requests_per_s
        mark = "" if ratio >= MIN_AFTER_RATIO else "!"
        print(
            f"{page:<11}{before.requests_per_s:>13.0f}{after.requests_per_s:>12.0f}"
            f"{ratio:>12.2f}{mark:1}{before.web_cpu_ms:>18.2f}{after.web_cpu_ms:>6.2f}"
            f"{before.db_cpu_ms:>17.2f}{after.db_cpu_ms:>6.2f}"
        )
        ok = ok and ratio >= MIN_AFTER_RATIO and not before.errors
    print(f"\nTarget: after >= {MIN_AFTER_RATIO} of before on every page ('!' marks a miss).")
    return ok


def main() -> int:
    args = parse_args()
    require_tools()
    with tempfile.TemporaryDirectory(prefix="bench-deploy-") as scratch, ExitStack() as stack:
        folder = args.data or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        sqlite = sqlite_site(folder, args.posts)
        revision = baseline_revision(args.baseline) if args.baseline else None
        with PostgresServer() as postgres:
            pg = postgres_site(sqlite, postgres, Path(scratch))
            sites = [sqlite, pg]
            if revision is not None:
                code = stack.enter_context(baseline_code(revision, Path(scratch)))
                sites.append(baseline_site(pg, code, Path(scratch)))
            try:
                for site in sites:
                    start(site, Path(scratch))
                _, home = get(sqlite, "/")
                newest = POST_LINK.search(home)
                if newest is None:
                    raise BenchError("no post link on the home page")
                rows = []
                for page, path in PAGES.items():
                    runs: dict[str, list[Row]] = {site.name: [] for site in sites}
                    for turn in range(args.rounds):  # the sites take turns, first one then other
                        for site in sites if turn % 2 == 0 else reversed(sites):
                            database = postgres if site is not sqlite else None
                            row = measure(
                                site, page, path or newest[1], args.seconds, Path(scratch), database
                            )
                            runs[site.name].append(row)
                    rows += [median_run(site_runs) for site_runs in runs.values()]
            finally:
                for site in sites:
                    if site.process is not None:
                        site.process.terminate()
                        site.process.wait(timeout=30)
        same_sites = [row for row in rows if row.site != "pg-baseline"]
        ok = report(same_sites, args.posts)
        if revision is not None:
            ok = report_baseline(rows, revision) and ok
        return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        log(f"error: {error}")
        sys.exit(1)
