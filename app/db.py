"""Declarative base, naming convention, UTC timestamps, SQLite connection settings, and how a
request's transaction begins and ends on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import (
    BindParameter,
    DateTime,
    Executable,
    Integer,
    MetaData,
    bindparam,
    event,
    literal,
    text,
)
from sqlalchemy.engine import Engine, Result
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, registry
from sqlalchemy.types import TypeDecorator

from app.sqlite_reads import Rows, read_on_sqlite

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def today() -> date:
    """Today's date in UTC (review dates, search insights' days)."""
    return utcnow().date()


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC that refuses naive datetimes and always reads back aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime refused: pass a timezone-aware value")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime},
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def inline(number: int) -> BindParameter[int]:
    """A LIMIT or OFFSET written into the SQL when it runs, not sent as a parameter.

    PostgreSQL plans a prepared statement once for all values (a generic plan) only when that
    plan looks no dearer than planning for each value. With LIMIT as a parameter the generic
    plan is costed as if a tenth of the rows were wanted, so every listing was planned again
    on every run; with the number in the SQL, each listing is planned once per connection.
    """
    return literal(int(number), literal_execute=True)


def inline_key(name: str, value: int | None = None) -> BindParameter[int]:
    """A tag's or author's id, bound by `name` (or given), written into the SQL when it runs.

    As a parameter, PostgreSQL costed the one plan for all tags (or authors) above the plan
    for the one at hand, because a few of them hold most posts, so it planned the listing
    again on every run: 0.3 to 0.6 ms of the database's time per page. Written in, each one's
    listing is planned once per connection; psycopg keeps at most a hundred statements
    prepared, the most recently used, so a long tail of rarely listed ones costs what it did.
    A listing's LIMIT and OFFSET, bound by name in a statement built once, are written in for
    the reason `inline` gives.
    """
    return bindparam(name, value, type_=Integer, literal_execute=True)


BUSY_TIMEOUT_MS = 5000
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def upsert(table, dialect_name: str):
    """An INSERT with `on_conflict_do_update`, in the dialect that runs it (SQLite and
    PostgreSQL spell it alike). PostgreSQL's dialect is imported only where it runs: a SQLite
    worker is 1.5 MB lighter without it."""
    if dialect_name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


def is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.split(".")[0] == "sqlite3"


@event.listens_for(Engine, "connect")
def configure_sqlite(dbapi_connection, connection_record) -> None:
    """WAL, a busy timeout and foreign keys for a multi-process server on SQLite.

    The driver's own implicit transactions are turned off so that `begin_sqlite` below decides
    how each transaction starts.
    """
    if not is_sqlite(dbapi_connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms()}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


@event.listens_for(Engine, "begin")
def begin_sqlite(connection) -> None:
    """Requests that change data take the write lock when their transaction starts (BEGIN
    IMMEDIATE), so they wait for it up front or fail cleanly, never half-way through."""
    if connection.dialect.name != "sqlite":
        return
    if wants_write_lock():
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # may time out: SQLAlchemy reports it
    else:
        connection.connection.dbapi_connection.execute("BEGIN")  # takes no lock: cannot wait


def wants_write_lock() -> bool:
    from flask import g, has_request_context, request

    if not has_request_context() or g.get("read_only"):
        return False
    return request.method not in READING_METHODS


def busy_timeout_ms() -> int:
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app.config.get("SQLITE_BUSY_TIMEOUT_MS", BUSY_TIMEOUT_MS)
    return BUSY_TIMEOUT_MS


def refresh_planner_statistics() -> None:
    """After a bulk change, let the query planner see the tables as they are now (without it,
    SQLite walks the status index over every post to find ten posts by id)."""
    from app.extensions import db

    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


WRITES_KEY = "request_writes"
AUTOCOMMIT_VARIANT = "_autocommit_variant"


def request_only_reads() -> bool:
    """A GET, HEAD or OPTIONS request that has not said it writes (`begin_writing`)."""
    from flask import g, has_request_context, request

    return has_request_context() and request.method in READING_METHODS and not g.get(WRITES_KEY)


def autocommit_variant(engine: Engine) -> Engine:
    """The engine with AUTOCOMMIT as its isolation level, sharing its pool (one per engine)."""
    variant = engine.__dict__.get(AUTOCOMMIT_VARIANT)
    if variant is None:
        variant = engine.execution_options(isolation_level="AUTOCOMMIT")
        engine.__dict__[AUTOCOMMIT_VARIANT] = variant
    return variant


class RequestSession(FlaskSession):
    """On PostgreSQL, a request that only reads runs its statements in AUTOCOMMIT.

    Under READ COMMITTED every statement reads a snapshot of its own, so a BEGIN ahead of
    reads buys them nothing, while it and the COMMIT that ends it are two round trips on every
    page. Requests that write (any other method, or a read that called `begin_writing`) run
    in a transaction as usual; so does everything outside a request.
    """

    def get_bind(self, *args, **kwargs):
        bind = super().get_bind(*args, **kwargs)
        if isinstance(bind, Engine) and bind.dialect.name == "postgresql" and request_only_reads():
            return autocommit_variant(bind)
        return bind

    def read(self, statement: Executable, values: dict | None = None) -> Result | Rows:
        """The rows of a statement of columns (no ORM objects wanted), run on the session's
        connection after the usual autoflush: execute() spends about 0.1 ms a statement
        setting up ORM loading that such rows never use. On SQLite the statement goes
        straight to the driver (app.sqlite_reads); rows are tuples either way."""
        if self.autoflush:
            self.flush()
        connection = self.connection()
        if connection.dialect.name == "sqlite":
            return read_on_sqlite(connection, statement, values)
        return connection.execute(statement, values)


def read(statement: Executable, values: dict | None = None) -> Result | Rows:
    """RequestSession.read on the current session (the scoped session does not proxy it)."""
    from app.extensions import db

    return db.session().read(statement, values)


def begin_writing(session: Session) -> None:
    """From here on, this request's session runs in a transaction, even in a GET.

    For writes a GET makes (applying the search outbox, say) and for locks held until the
    commit: in AUTOCOMMIT each statement is a transaction of its own. What the request read so
    far in AUTOCOMMIT is ended (there is nothing to commit), so the next statement begins one.
    """
    from flask import g, has_request_context

    if not has_request_context():
        return
    reading_in_autocommit = (
        request_only_reads()
        and session.in_transaction()
        and session.get_bind().dialect.name == "postgresql"
    )
    setattr(g, WRITES_KEY, True)
    if reading_in_autocommit:
        session.commit()


# psycopg says this when the socket failed while a statement waited for its answer, before libpq
# has marked the connection bad, and then that the connection is still busy with the statement.
LOST_CONNECTION_SIGNS = ("connection socket closed", "another command is already in progress")


@event.listens_for(Engine, "handle_error")
def _recognize_a_lost_postgresql_connection(context) -> None:
    """A connection whose socket failed under a statement is dropped, never rolled back and
    pooled: SQLAlchemy sees a lost connection only once libpq has marked it bad. So is one that
    failed its pre-ping in any way (an empty query: nothing else can go wrong with it)."""
    if context.is_disconnect or context.dialect.name != "postgresql":
        return
    if context.is_pre_ping:
        context.is_disconnect = True
        return
    original = context.original_exception
    if type(original).__name__ != "OperationalError":
        return
    message = str(original)
    if any(sign in message for sign in LOST_CONNECTION_SIGNS):
        context.is_disconnect = True
