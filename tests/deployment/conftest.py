"""Several stateless web nodes (gunicorn processes) sharing one PostgreSQL and one Redis."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.helpers import PASSWORD
from tests.servers import PostgresServer, RedisServer, free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
START_TIMEOUT = 60


@dataclass
class Cluster:
    postgres: PostgresServer
    redis: RedisServer
    env: dict[str, str]
    folder: Path

    def flask(self, *args: str, stdin: str = "") -> str:
        result = subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", *args],
            cwd=ROOT,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def create_member(self, username: str, role: str = "patient") -> str:
        email = f"{username}@example.org"
        self.flask(
            "users",
            "create",
            "--email",
            email,
            "--username",
            username,
            "--role",
            role,
            stdin=f"{PASSWORD}\n{PASSWORD}\n",
        )
        return email


class Node:
    """One web node: its own gunicorn, its own instance folder, the shared settings."""

    def __init__(self, env: dict[str, str], folder: Path, name: str, workers: int = 1) -> None:
        self.name = name
        self.port = free_port()
        instance = folder / f"{name}-{self.port}"
        instance.mkdir()
        self.log_path = folder / f"{name}-{self.port}.log"
        env = {"INSTANCE_PATH": str(instance), **env}
        with self.log_path.open("wb") as log:
            self.process = self._spawn(env, workers, log)
        self.wait_until_serving()

    def _spawn(self, env: dict[str, str], workers: int, log) -> subprocess.Popen:
        return subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--graceful-timeout",
                "5",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_until_serving(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"node {self.name} exited:\n{self.log_path.read_text()}")
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError(f"node {self.name} did not answer:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    folder = tmp_path_factory.mktemp("cluster")
    with PostgresServer() as postgres, RedisServer() as redis:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "TEST_"))},
            "DATABASE_URL": postgres.create_database("community"),
            "SEARCH_BACKEND": "postgres",
            "RATELIMIT_STORAGE_URI": redis.url,
            "SECRET_KEY": secrets.token_hex(32),
            "PASSWORD_HASH_PROFILE": "fast-for-tests",
            "INSTANCE_PATH": str(folder / "cli"),
            "MAIL_FOLDER": str(folder / "mail"),
            "SITE_URL": "http://127.0.0.1",
        }
        cluster = Cluster(postgres, redis, env, folder)
        cluster.flask("db", "upgrade")
        yield cluster


@pytest.fixture
def start_node(cluster) -> Iterator:
    nodes: list[Node] = []

    def _start(name: str, workers: int = 1, **settings: str) -> Node:
        env = {**cluster.env, **settings}
        env.pop("INSTANCE_PATH")
        node = Node(env, cluster.folder, name, workers)
        nodes.append(node)
        return node

    yield _start
    for node in nodes:
        node.stop()


class Browser(requests.Session):
    """A member's browser: cookies kept, CSRF token read from each form page."""

    def form_token(self, url: str) -> str:
        page = self.get(url, timeout=10)
        match = CSRF.search(page.text)
        assert match, f"no form on {url}: {page.status_code}"
        return match[1]

    def submit(self, page_url: str, action_url: str, data: dict) -> requests.Response:
        token = self.form_token(page_url)
        return self.post(
            action_url, data={"csrf_token": token, **data}, allow_redirects=False, timeout=10
        )

    def sign_in(self, node: Node, email: str) -> None:
        response = self.submit(
            node.url + "/auth/login",
            node.url + "/auth/login",
            {"email": email, "password": PASSWORD},
        )
        assert response.status_code in (302, 303), response.text[:500]
