"""A node whose database cannot be reached stops at once with a clear message."""

import os
import subprocess
import sys
from pathlib import Path

from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_gunicorn_refuses_to_start_without_its_database(tmp_path):
    closed_port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql+psycopg://community:s3cret-pw@127.0.0.1:{closed_port}/x",
        "INSTANCE_PATH": str(tmp_path / "instance"),
    }
    result = subprocess.run(
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
    assert result.returncode == 2
    assert (
        f"Cannot reach the database postgresql+psycopg://community:***@127.0.0.1:{closed_port}/x"
        in result.stderr
    )
    assert "s3cret-pw" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
