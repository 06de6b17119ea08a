"""A node whose database cannot be reached stops at once with a clear message."""

import os
import subprocess
import sys
from pathlib import Path

from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


def start_gunicorn(env: dict[str, str]) -> subprocess.CompletedProcess:
    """gunicorn serving the app with this environment, until it exits (it should not start)."""
    return subprocess.run(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-b",
            f"127.0.0.1:{free_port()}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_gunicorn_refuses_to_start_without_its_database(tmp_path):
    closed_port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql+psycopg://community:s3cret-pw@127.0.0.1:{closed_port}/x",
        "INSTANCE_PATH": str(tmp_path / "instance"),
    }
    result = start_gunicorn(env)
    assert result.returncode == 2
    assert (
        f"Cannot reach the database postgresql+psycopg://community:***@127.0.0.1:{closed_port}/x"
        in result.stderr
    )
    assert "s3cret-pw" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_gunicorn_refuses_to_start_without_the_site_url(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SITE_URL", "DATABASE_URL") and not key.startswith("FLASK_")
    }
    env["INSTANCE_PATH"] = str(tmp_path / "instance")
    result = start_gunicorn(env)
    assert result.returncode == 2
    assert "Start-up error: SITE_URL is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_malformed_site_url_stops_gunicorn_with_a_clear_message(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(SITE_URL="community.example.org", INSTANCE_PATH=str(tmp_path / "instance"))
    result = start_gunicorn(env)
    assert result.returncode != 0
    assert "SITE_URL must start with http:// or https://" in result.stderr
    assert "Traceback" not in result.stderr
