"""Checks a server runs once before it forks its workers: is the database there at all?"""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import NullPool


def database_problem(url: str) -> str | None:
    """Why the database at `url` cannot be used (password hidden), or None when it answers."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None  # the configuration check names this one
    if parsed.get_backend_name() == "sqlite":
        return None
    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
        where = parsed.render_as_string(hide_password=True)
        return f"Cannot reach the database {where}: {reason}"
    finally:
        engine.dispose()
    return None
