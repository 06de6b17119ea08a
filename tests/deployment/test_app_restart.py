"""Restarting the app under load (gunicorn's graceful reload, as a deploy does): no request
fails, on the default SQLite + Whoosh set-up."""

from __future__ import annotations

import itertools
import os
import secrets
import signal
import subprocess
import sys
import threading
import time

import requests

from tests.deployment.conftest import ROOT, Node

PATHS = ("/", "/tags/", "/api/v1/posts", "/search?q=azathioprine", "/api/v1/search?q=imuran")


def test_a_graceful_restart_under_load_fails_no_request(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "TEST_"))},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.db'}",
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "SECRET_KEY": secrets.token_hex(32),
        "RATELIMIT_ENABLED": "off",
        "INSTANCE_PATH": str(tmp_path / "cli"),
        "SITE_URL": "http://127.0.0.1",
    }
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
    del env["INSTANCE_PATH"]
    node = Node(env, tmp_path, "web", workers=2)
    statuses: list[int] = []
    stop = threading.Event()

    def load() -> None:
        with requests.Session() as session:
            for path in itertools.cycle(PATHS):
                if stop.is_set():
                    return
                try:
                    statuses.append(session.get(node.url + path, timeout=30).status_code)
                except requests.RequestException:
                    statuses.append(0)

    threads = [threading.Thread(target=load) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(2):
            time.sleep(2)
            node.process.send_signal(signal.SIGHUP)
        time.sleep(4)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        node.stop()
    assert len(statuses) > 50
    assert set(statuses) == {200}, {status: statuses.count(status) for status in set(statuses)}
