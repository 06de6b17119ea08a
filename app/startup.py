"""Checks a server runs once before it forks its workers: is the database there at all, and
does it know the address it serves (the origin of every emailed link)?"""

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


def site_url_problem(environ) -> str | None:
    """Why a production server cannot start with this SITE_URL (unset or malformed), or None."""
    from app.config import ConfigError, validate_site_url

    if environ.get("SITE_URL", "").strip():
        try:
            validate_site_url(environ["SITE_URL"])
        except ConfigError as error:
            return str(error)
        return None
    return (
        "SITE_URL is not set. Set it to the address members use, e.g. "
        "SITE_URL=https://community.example.org: every link the site emails (registration, "
        "password reset) starts with it, never with the Host a request names. "
        "`make run` sets it to http://127.0.0.1:$PORT."
    )
