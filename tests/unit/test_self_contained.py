"""`make run` and `make test` read nothing outside the repository: no file they use names the
team's shared folder beside it. Benchmarks (bench/) may, through a path option."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKED = (
    "app",
    "tests",
    "templates",
    "static",
    "migrations",
    ".ci",
    "Makefile",
    "pyproject.toml",
    "wsgi.py",
    "gunicorn.conf.py",
)
# The folder as a relative path, or as a path built from its name and the / operator.
SHARED_FOLDER = re.compile(r"\.\./shared\b|[\"']shared[\"']\s*/")


def tracked_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--", *CHECKED],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    return [name for name in listed.stdout.decode().split("\0") if name]


def test_the_files_make_run_and_make_test_read_never_name_the_shared_folder():
    files = tracked_files()
    assert "Makefile" in files and "tests/conftest.py" in files
    offenders = []
    for name in files:
        text = (ROOT / name).read_bytes().decode("utf-8", errors="replace")
        offenders += [
            f"{name}:{number}: {line.strip()}"
            for number, line in enumerate(text.splitlines(), start=1)
            if SHARED_FOLDER.search(line)
        ]
    assert not offenders, "\n".join(offenders)
