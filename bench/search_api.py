"""`GET /api/v1/search` through gunicorn at N imported MedQuAD posts, against hello world.

Run: `.venv/bin/python bench/search_api.py [--posts 100000] [--rounds 3]`. Builds a temporary
SQLite database (demo content + N posts imported through the app's importer), rebuilds the
Whoosh index from it (timed), starts the site and a bare Flask hello world under gunicorn
(2 workers each), then sends the 50-query mix of bench/search.py one request at a time, so each
latency is the server's answer time. Hello world is measured the same way in the same run.
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
from pathlib import Path
from urllib.parse import urlencode

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.medquad import posts as medquad_posts  # noqa: E402
from bench.pages import child_pids, free_port, status_field  # noqa: E402
from bench.search import query_mix  # noqa: E402

BIN = Path(sys.executable).parent
TARGET_P50_MS, TARGET_P95_MS, TARGET_REBUILD_S = 30.0, 100.0, 120.0


def prepare(workdir: Path, count: int) -> tuple[dict[str, str], float, float]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir}/bench.db",
        "SEARCH_INDEX_DIR": str(workdir / "index"),
        "SECRET_KEY": secrets.token_hex(32),
        "RATELIMIT_ENABLED": "off",
    }
    os.environ.update(env)
    from flask_migrate import upgrade

    from app import create_app
    from app.demo.loader import seed_demo
    from app.extensions import db
    from app.posts.importer import import_posts
    from app.search import get_backend
    from app.search.outbox import rebuild_from_database

    app = create_app({"INSTANCE_PATH": str(workdir / "instance"), "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        seed_demo()
        db.session.commit()
        lines = (
            json.dumps(p)
            for p in medquad_posts(
                count,
                [
                    "azathioprine",
                    "lupus",
                    "blood-tests",
                    "side-effects",
                    "tpmt-testing",
                    "autoimmune-hepatitis",
                    "crohns-disease",
                    "missed-doses",
                ],
                ["liverlearner", "dr-okafor", "quietriver", "dr-haddad"],
            )
        )
        started = time.perf_counter()
        import_posts(lines)
        imported = time.perf_counter() - started
        started = time.perf_counter()
        rebuild_from_database(get_backend(app))
        rebuilt = time.perf_counter() - started
    return env, imported, rebuilt


def start(app_spec: str, env: dict[str, str], port: int) -> subprocess.Popen:
    return subprocess.Popen(
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-search-api-") as folder:
        env, imported, rebuilt = prepare(Path(folder), args.posts)
        site_port, hello_port = free_port(), free_port()
        site = start("wsgi:app", env, site_port)
        hello = start("bench.hello_app:app", env, hello_port)
        try:
            wait_ready(site_port, "/healthz")
            wait_ready(hello_port, "/")
            mix = query_mix()
            for _, query in mix:
                get(site_port, api_path(query))
            by_type: dict[str, list[float]] = {}
            hello_times, errors = [], 0
            for _ in range(args.rounds):
                for kind, query in mix:
                    status, elapsed = get(site_port, api_path(query))
                    errors += status != 200
                    by_type.setdefault(kind, []).append(elapsed)
                    hello_times.append(get(hello_port, "/")[1])
            everything = [t for times in by_type.values() for t in times]
            rss = {
                pid: int(status_field(pid, "VmRSS").split()[0]) / 1024
                for pid in child_pids(site.pid)
            }
        finally:
            for process in (site, hello):
                process.terminate()
                process.wait(timeout=15)
    print(
        f"posts: {args.posts} imported in {imported:.0f} s; index rebuilt in {rebuilt:.1f} s "
        f"(target <= {TARGET_REBUILD_S:.0f} s)"
    )
    print(f"{'requests':<14}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}")
    for kind, times in by_type.items():
        print(
            f"{kind:<14}{len(times):>5}{statistics.median(times):>9.1f}"
            f"{percentile(times, 0.95):>9.1f}"
        )
    print(
        f"{'all searches':<14}{len(everything):>5}{statistics.median(everything):>9.1f}"
        f"{percentile(everything, 0.95):>9.1f}   target p50 <= {TARGET_P50_MS:.0f}, "
        f"p95 <= {TARGET_P95_MS:.0f}"
    )
    print(
        f"{'hello world':<14}{len(hello_times):>5}{statistics.median(hello_times):>9.1f}"
        f"{percentile(hello_times, 0.95):>9.1f}"
    )
    print(f"non-200 answers: {errors}")
    print(
        "site worker RSS: "
        + ", ".join(f"{mb:.0f} MB" for mb in rss.values())
        + " (target <= 300 MB)"
    )


if __name__ == "__main__":
    main()
