"""What /readyz checks: the database, the schema version, the search index, free disk."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import current_app
from sqlalchemy import text

from app.extensions import db

MIN_FREE_BYTES = 200 * 1024 * 1024


def check_database() -> str | None:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # any failure means not ready; the message says which
        return f"database unreachable: {type(error).__name__}"
    return None


def check_migrations() -> str | None:
    from app.schema import database_revisions, head_revisions

    current, heads = database_revisions(), head_revisions()
    if current != heads:
        return f"migrations not at head (database {sorted(current)}, code {sorted(heads)})"
    return None


def check_search() -> str | None:
    from app.search import SearchError, get_backend

    try:
        get_backend(current_app).check()
    except SearchError as error:
        return f"search index unusable: {error}"
    return None


def check_disk() -> str | None:
    free = shutil.disk_usage(Path(current_app.instance_path)).free
    if free < MIN_FREE_BYTES:
        return f"only {free // (1024 * 1024)} MB free in the instance folder"
    return None


CHECKS = {
    "database": check_database,
    "migrations": check_migrations,
    "search": check_search,
    "disk": check_disk,
}


def readiness() -> dict[str, str]:
    results = {}
    for name, check in CHECKS.items():
        try:
            problem = check()
        except Exception as error:  # a check that crashes is a failed check, not a 500
            problem = f"check failed: {type(error).__name__}"
        results[name] = problem or "ok"
    return results
