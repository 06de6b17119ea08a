"""Web workers never load Alembic, nor (while they only read) the Markdown parser and the
sanitizer, nor on SQLite the PostgreSQL driver or dialect; `flask db` still offers every migration
command."""

import subprocess
import sys
from pathlib import Path

from app.schema import head_revisions

ROOT = Path(__file__).resolve().parents[2]

WORKER = """
import sys
from app import create_app
from app.extensions import db
app = create_app({"TESTING": True, "INSTANCE_PATH": sys.argv[1],
                  "DATABASE_URL": "sqlite:///" + sys.argv[1] + "/site.db",
                  "SECRET_KEY": "k" * 64, "RATELIMIT_ENABLED": False})
with app.app_context():
    db.create_all()
client = app.test_client()
for path in ("/", "/", "/tags/", "/search?q=imuran", "/api/v1/posts", "/readyz"):
    client.get(path)
packages = sys.argv[2].split(",")
loaded = sorted(
    name for name in sys.modules if any(name == p or name.startswith(p + ".") for p in packages)
)
print(",".join(loaded) or "none")
"""


def packages_loaded_by_reading(tmp_path, packages: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", WORKER, str(tmp_path), packages],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_serving_requests_never_imports_alembic(tmp_path):
    assert packages_loaded_by_reading(tmp_path, "alembic,mako") == "none"


def test_a_worker_that_only_reads_never_loads_the_markdown_parser_or_sanitizer(tmp_path):
    """About 3 MB of every worker's memory (issue 22: at most 80 MB a worker)."""
    assert packages_loaded_by_reading(tmp_path, "bleach,markdown_it,html5lib") == "none"


def test_a_sqlite_worker_never_loads_the_postgresql_driver(tmp_path):
    """psycopg is about 10 MB of a worker; the second "/" is a hit the front door checks."""
    assert packages_loaded_by_reading(tmp_path, "psycopg,psycopg_binary") == "none"


def test_a_sqlite_worker_never_loads_sqlalchemys_postgresql_dialect(tmp_path):
    """About 2 MB of a worker; "/search" records a search that found nothing, an upsert."""
    assert packages_loaded_by_reading(tmp_path, "sqlalchemy.dialects.postgresql") == "none"


def test_the_head_revision_is_read_from_the_revision_files():
    newest = max((ROOT / "migrations" / "versions").glob("*.py")).name.split("_")[0]
    assert head_revisions() == {newest}


def test_the_db_command_group_lists_migrations_and_copy_to(runner):
    listing = runner.invoke(args=["db", "--help"])
    assert listing.exit_code == 0
    for command in ("upgrade", "downgrade", "current", "stamp", "copy-to"):
        assert command in listing.output
    current = runner.invoke(args=["db", "current"])
    assert current.exit_code == 0, current.output
