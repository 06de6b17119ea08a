"""Throwaway PostgreSQL and Redis servers on loopback, data in a temporary folder.

Used by the PostgreSQL test run, the multi-node tests and the benchmarks. `make test` installs
Debian's postgresql and redis-server when they are missing; without them these raise, loudly.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

POSTGRES_USER = "community"
POSTGRES_PASSWORD = "community-test"
START_TIMEOUT = 60


class ServerMissing(RuntimeError):
    """A server program is not installed: `make test` installs it (as root)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if found:
        return found[0]
    on_path = shutil.which(name)
    if on_path:
        return on_path
    raise ServerMissing(
        f"PostgreSQL's {name} is missing: install Debian's postgresql "
        "(make test does it when run as root)."
    )


def _as_server_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root; there it runs as Debian's `postgres` user."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


class PostgresServer:
    """A PostgreSQL cluster of its own: `with PostgresServer() as pg: pg.url("dbname")`."""

    def __init__(self, port: int | None = None, folder: Path | None = None) -> None:
        """A new cluster in a temporary folder, or the one kept in `folder` (made if missing)."""
        self.port = port or free_port()
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder or Path(tempfile.mkdtemp(prefix="community-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"

    def url(self, database: str = "community") -> str:
        return (
            f"postgresql+psycopg://{POSTGRES_USER}:{POSTGRES_PASSWORD}"
            f"@127.0.0.1:{self.port}/{database}"
        )

    def start(self) -> PostgresServer:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        if not self.data.exists():
            self._initdb()
        self._pg_ctl(
            "start", "-w", "-t", str(START_TIMEOUT), "-l", str(self.log), "-o", self._options()
        )
        return self

    def stop(self, mode: str = "fast") -> None:
        self._pg_ctl("stop", "-w", "-m", mode)

    def restart(self) -> None:
        self._pg_ctl("restart", "-w", "-m", "fast", "-l", str(self.log), "-o", self._options())

    def create_database(self, name: str) -> str:
        self.psql("postgres", f'CREATE DATABASE "{name}" OWNER {POSTGRES_USER}')
        return self.url(name)

    def has_database(self, name: str) -> bool:
        found = self.psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
        return found.strip() == "1"

    def drop_database(self, name: str) -> None:
        self.psql("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def psql(self, database: str, sql: str) -> str:
        env = {**os.environ, "PGPASSWORD": POSTGRES_PASSWORD}
        result = subprocess.run(
            [
                postgres_bin("psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                POSTGRES_USER,
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-Atc",
                sql,
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout

    def cleanup(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        try:
            self.stop()
        finally:
            self.cleanup()

    def _initdb(self) -> None:
        password_file = self.folder / "password"
        password_file.write_text(POSTGRES_PASSWORD)
        if os.geteuid() == 0:
            shutil.chown(password_file, "postgres", "postgres")
        self._run(
            [
                postgres_bin("initdb"),
                "-D",
                str(self.data),
                "-U",
                POSTGRES_USER,
                f"--pwfile={password_file}",
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ]
        )

    def _options(self) -> str:
        return (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200 -c shared_buffers=128MB"
        )

    def _pg_ctl(self, *arguments: str) -> None:
        self._run([postgres_bin("pg_ctl"), "-D", str(self.data), *arguments])

    def _run(self, command: list[str]) -> None:
        result = subprocess.run(
            _as_server_user(command), capture_output=True, text=True, cwd=self.folder
        )
        if result.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(
                f"{' '.join(command[:2])} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}\n{log[-2000:]}"
            )


class RedisServer:
    """A Redis of its own on loopback, no persistence: `with RedisServer() as redis: redis.url`."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        program = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(program).exists():
            raise ServerMissing(
                "redis-server is missing: install Debian's redis-server "
                "(make test does it when run as root)."
            )
        self.process = subprocess.Popen(
            [
                program,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def wait_for_port(port: int, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing answered on 127.0.0.1:{port} within {timeout} s")


def break_the_next_statement(monkeypatch, sparing: tuple[str, ...] = ()) -> None:
    """The next statement fails as when its socket failed while it waited for the answer: sent,
    so the connection is still busy with it, and reported before libpq marked the connection bad
    (psycopg's "connection socket closed"). Seen when PostgreSQL terminates a backend just as a
    query goes out. Statements in `sparing` (the pool's ping, say) run as usual."""
    import psycopg

    unbroken = psycopg.Cursor.execute

    def breaks_once(cursor, query, params=None, **options):
        if str(query) in sparing:
            return unbroken(cursor, query, params, **options)
        monkeypatch.setattr(psycopg.Cursor, "execute", unbroken)
        cursor.connection.pgconn.send_query(b"SELECT pg_sleep(0.05)")
        raise psycopg.OperationalError("connection socket closed")

    monkeypatch.setattr(psycopg.Cursor, "execute", breaks_once)
