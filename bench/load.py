"""A mixed load against gunicorn (4 workers): 90% reads (pages, search, API), 10% writes
(posting, flagging, approving). Reports requests, p50/p95 per kind, 5xx and "database is
locked" counts. Run: `.venv/bin/python bench/load.py [--seconds 60] [--clients 8]`.
"""

from __future__ import annotations

import argparse
import http.client
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.pages import child_env, free_port, prepare_database  # noqa: E402

BIN = Path(sys.executable).parent
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
POST_LINK = re.compile(r'href="(/posts/(\d+)/[^"#?]+)"')
PASSWORD = "load test passphrase one"
READS = [
    "/",
    "/tags/",
    "/tags/azathioprine",
    "/authors/dr-okafor",
    "/search?q=imuran",
    "/search?q=missed+dose",
    "/api/v1/posts?tag=lupus",
    "/api/v1/search?q=tpmt",
    "/feeds/latest.atom",
]


class Session:
    """One member's browser: a cookie and the CSRF token of the last page."""

    def __init__(self, port: int):
        self.port, self.cookie, self.token = port, "", ""

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urlencode({**form, "csrf_token": self.token})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        if match := CSRF.search(text):
            self.token = match.group(1)
        connection.close()
        return response.status, text

    def sign_in(self, email: str) -> None:
        self.request("GET", "/auth/login")
        status, _ = self.request("POST", "/auth/login", {"email": email, "password": PASSWORD})
        if status != 302:
            raise SystemExit(f"sign-in failed for {email}: {status}")


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = {}
        self.server_errors = 0
        self.locked = 0
        self.statuses: dict[int, int] = {}

    def record(self, kind: str, status: int, text: str, elapsed: float) -> None:
        with self.lock:
            self.times.setdefault(kind, []).append(elapsed)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.server_errors += status >= 500
            self.locked += "database is locked" in text


def create_members(env: dict[str, str], count: int) -> list[str]:
    emails = []
    for role, prefix in [("moderator", "loadmod")] + [("patient", "loader")] * count:
        name = f"{prefix}{len(emails)}"
        subprocess.run(
            [
                str(BIN / "flask"),
                "--app",
                "wsgi",
                "users",
                "create",
                "--email",
                f"{name}@example.org",
                "--username",
                name,
                "--role",
                role,
            ],
            input=PASSWORD + "\n",
            text=True,
            cwd=REPO_ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        emails.append(f"{name}@example.org")
    return emails


def client_loop(
    port: int, email: str, is_moderator: bool, deadline: float, tally: Tally, post_ids: list[int]
) -> None:
    session = Session(port)
    session.sign_in(email)
    anonymous = Session(port)
    rng = random.Random(email)
    while time.monotonic() < deadline:
        started = time.perf_counter()
        if rng.random() < 0.9:
            kind, (status, text) = "read", anonymous.request("GET", rng.choice(READS))
        elif is_moderator:
            queue = session.request("GET", "/moderation/")[1]
            pending = re.findall(r'action="/moderation/posts/(\d+)/approve"', queue)
            kind = "approve"
            status, text = (
                session.request("POST", f"/moderation/posts/{pending[0]}/approve", {})
                if pending
                else (200, "")
            )
        elif rng.random() < 0.5:
            session.request("GET", "/posts/new")
            kind, (status, text) = (
                "post",
                session.request(
                    "POST",
                    "/posts/new",
                    {
                        "title": f"Load test post {secrets.token_hex(4)}",
                        "kind": "question",
                        "body": "Has anyone had their AZA dose changed after a blood test?",
                        "tags": "azathioprine",
                    },
                ),
            )
        else:
            target = rng.choice(post_ids)
            session.request("GET", f"/posts/{target}")
            kind, (status, text) = (
                "flag",
                session.request(
                    "POST", f"/posts/{target}/flag", {"reason": "other", "note": "load test"}
                ),
            )
        tally.record(kind, status, text, (time.perf_counter() - started) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args()
    databases = ("sqlite", "postgres") if args.database == "both" else (args.database,)
    failed = False
    for database in databases:
        with tempfile.TemporaryDirectory(prefix="bench-load-") as folder:
            env = child_env(Path(folder))
            env["INSTANCE_PATH"] = str(Path(folder) / "instance")
            if database == "postgres":
                from tests.servers import PostgresServer

                with PostgresServer() as postgres:
                    env["DATABASE_URL"] = postgres.create_database("load")
                    env["SEARCH_BACKEND"] = "postgres"
                    tally = run_load(env, args)
            else:
                tally = run_load(env, args)
        report(database, tally, args)
        failed = failed or tally.server_errors > 0 or tally.locked > 0
    sys.exit(1 if failed else 0)


def run_load(env: dict[str, str], args: argparse.Namespace) -> Tally:
    prepare_database(env)
    emails = create_members(env, args.clients - 1)
    port = free_port()
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--workers",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            "wsgi:app",
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        probe = Session(port)
        for _ in range(100):
            try:
                status, home = probe.request("GET", "/")
                break
            except OSError:
                time.sleep(0.2)
        post_ids = [int(match[1]) for match in POST_LINK.findall(home)]
        tally = Tally()
        deadline = time.monotonic() + args.seconds
        threads = [
            threading.Thread(
                target=client_loop, args=(port, email, n == 0, deadline, tally, post_ids)
            )
            for n, email in enumerate(emails)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait(timeout=15)
    return tally


def report(database: str, tally: Tally, args: argparse.Namespace) -> None:
    total = sum(len(t) for t in tally.times.values())
    print(
        f"\n{database}: {args.seconds} s, {args.clients} clients, gunicorn 4 workers: "
        f"{total} requests ({total / args.seconds:.0f}/s)"
    )
    print(f"{'kind':<9}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}")
    for kind, times in sorted(tally.times.items()):
        ordered = sorted(times)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        print(f"{kind:<9}{len(times):>7}{statistics.median(times):>9.1f}{p95:>9.1f}")
    print(f"statuses: {dict(sorted(tally.statuses.items()))}")
    print(f"5xx: {tally.server_errors}   'database is locked': {tally.locked}")


if __name__ == "__main__":
    main()
