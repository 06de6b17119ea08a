"""A consistent online copy of the SQLite database (the search index is rebuilt from it)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from app.extensions import db


class BackupError(RuntimeError):
    pass


def backup_sqlite(destination: Path) -> dict[str, int]:
    """Copy the live database with SQLite's backup API; return row counts of the copy."""
    url = make_url(str(db.engine.url))
    if url.get_backend_name() != "sqlite":
        raise BackupError("`backup` copies SQLite databases; for PostgreSQL use pg_dump.")
    if destination.exists():
        raise BackupError(f"{destination} exists; choose a new file name.")
    destination.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(url.database)
    target = sqlite3.connect(destination)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        source.close()
        target.close()
    destination.chmod(0o600)
    return verify_copy(destination)


def verify_copy(path: Path) -> dict[str, int]:
    """Integrity check and row counts of a copy, opened read-only."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = connection.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"integrity check of {path} failed: {result}")
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            for table in sorted(tables)
        }
    finally:
        connection.close()
