"""Declarative base, naming convention, UTC timestamps, SQLite connection settings, and how a
request's transaction begins and ends on PostgreSQL."""

from __future__ import annotations

import select
from datetime import UTC, datetime

from sqlalchemy import BindParameter, DateTime, Integer, MetaData, bindparam, event, literal, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


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
    """
    return bindparam(name, value, type_=Integer, literal_execute=True)


BUSY_TIMEOUT_MS = 5000


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
    connection.exec_driver_sql("BEGIN IMMEDIATE" if wants_write_lock() else "BEGIN")


def wants_write_lock() -> bool:
    from flask import g, has_request_context, request

    if not has_request_context() or g.get("read_only"):
        return False
    return request.method not in ("GET", "HEAD", "OPTIONS")


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


def reads_outside_transactions(engine: Engine) -> None:
    """On PostgreSQL, run a request's reads outside any transaction and open one at its first
    write.

    Under READ COMMITTED every statement reads a snapshot of its own, so a BEGIN ahead of
    reads buys them nothing, while the BEGIN and the COMMIT that ends it are two round trips on
    every request, for the web node and the database server alike. A connection leaves the
    pool in autocommit; the first statement that needs the transaction (`needs_transaction`)
    turns autocommit off before it runs, so psycopg sends BEGIN first and everything from there
    to the commit is one transaction, as before.

    Nor is a connection pinged as it leaves the pool (`pool_pre_ping` is a round trip of its
    own): PostgreSQL sends an idle connection nothing unless it is closing it, as it does when
    it restarts or a backend is terminated. A connection with something to read is checked
    with a BEGIN; one that fails it raises InvalidatePoolError, as a failed pre-ping does: the
    pool drops every connection older than now and hands out a new one.
    """
    event.listen(engine, "checkout", _check_and_leave_in_autocommit)
    event.listen(engine, "before_cursor_execute", _begin_before_a_write)


OUTSIDE_KEY = "reading_outside_a_transaction"
# What makes a SELECT need the transaction too: it locks rows, takes an advisory lock, or
# moves a sequence or a setting. (Substrings, not a regular expression: this runs before every
# statement, and a search of the whole text cost more than the round trip it saves.)
TRANSACTIONAL_SELECT_MARKS = (
    "FOR UPDATE",
    "FOR NO KEY UPDATE",
    "FOR SHARE",
    "FOR KEY SHARE",
    "ADVISORY",
    "SETVAL",
    "NEXTVAL",
    "SET_CONFIG",
)


def needs_transaction(statement: str, executemany: bool) -> bool:
    """Whether a statement must run inside the request's transaction: all but plain reads."""
    if executemany or statement.lstrip()[:6].upper() != "SELECT":
        return True
    shouting = statement.upper()
    return any(mark in shouting for mark in TRANSACTIONAL_SELECT_MARKS)


def _check_and_leave_in_autocommit(dbapi_connection, connection_record, connection_proxy) -> None:
    from psycopg import pq

    connection_record.info[OUTSIDE_KEY] = False
    plain = dbapi_connection.isolation_level is None and dbapi_connection.read_only is None
    if not plain or dbapi_connection.pgconn.transaction_status != pq.TransactionStatus.IDLE:
        return
    if _has_something_to_read(dbapi_connection.pgconn.socket):
        _begin_or_reconnect(dbapi_connection)
        return
    dbapi_connection.autocommit = True
    connection_record.info[OUTSIDE_KEY] = True


def _has_something_to_read(socket: int) -> bool:
    poller = select.poll()
    poller.register(socket, select.POLLIN)
    return bool(poller.poll(0))


def _begin_or_reconnect(dbapi_connection) -> None:
    from psycopg import Error, pq

    dbapi_connection.autocommit = False
    try:
        result = dbapi_connection.pgconn.exec_(b"BEGIN")
    except Error as error:
        raise InvalidatePoolError(f"PostgreSQL connection lost: {error}") from error
    if result.status != pq.ExecStatus.COMMAND_OK:
        problem = (result.error_message or b"").decode("utf-8", "replace").strip()
        raise InvalidatePoolError(f"PostgreSQL connection lost: {problem}")


def _begin_before_a_write(connection, cursor, statement: str, parameters, context, executemany):
    from psycopg import ServerCursor

    info = connection.info
    if not info.get(OUTSIDE_KEY):
        return
    streamed = isinstance(cursor, ServerCursor)  # a server-side cursor lives in a transaction
    if not (streamed or needs_transaction(statement, executemany)):
        return
    info[OUTSIDE_KEY] = False
    if "isolation_level" not in connection.get_execution_options():
        connection.connection.dbapi_connection.autocommit = False


READ_ONLY_KEY = "transaction_only_read"
BEGUN_KEY = "begun_connections"
FLUSHED_KEY = "transaction_flushed"


@event.listens_for(Engine, "begin")
def _start_read_only(connection) -> None:
    connection.info[READ_ONLY_KEY] = True


@event.listens_for(Engine, "before_cursor_execute")
def _note_write(connection, cursor, statement: str, parameters, context, executemany) -> None:
    if executemany or statement.lstrip()[:6].upper() != "SELECT":
        connection.info[READ_ONLY_KEY] = False


@event.listens_for(Engine, "handle_error")
def _note_failure(context) -> None:
    if context.connection is not None:
        context.connection.info[READ_ONLY_KEY] = False


# psycopg says this when the socket failed while a statement waited for its answer, before libpq
# has marked the connection bad, and then that the connection is still busy with the statement.
LOST_CONNECTION_SIGNS = ("connection socket closed", "another command is already in progress")


@event.listens_for(Engine, "handle_error")
def _recognize_a_lost_postgresql_connection(context) -> None:
    """A connection whose socket failed under a statement is dropped, never rolled back and
    pooled: SQLAlchemy sees a lost connection only once libpq has marked it bad."""
    if context.is_disconnect or context.dialect.name != "postgresql":
        return
    original = context.original_exception
    if type(original).__name__ != "OperationalError":
        return
    message = str(original)
    if any(sign in message for sign in LOST_CONNECTION_SIGNS):
        context.is_disconnect = True


@event.listens_for(Session, "after_begin")
def _remember_connection(session: Session, transaction, connection) -> None:
    session.info.setdefault(BEGUN_KEY, []).append(connection)


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, flush_context) -> None:
    session.info[FLUSHED_KEY] = True  # even one that wrote nothing: commit hooks may act on it


@event.listens_for(Session, "after_transaction_end")
def _forget_connections(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(BEGUN_KEY, None)
        session.info.pop(FLUSHED_KEY, None)


def end_read_only_transaction(session: Session) -> None:
    """On PostgreSQL, end a transaction that only read with COMMIT instead of ROLLBACK.

    The two are the same for such a transaction, but psycopg forgets every prepared statement
    on ROLLBACK: with one ROLLBACK per request nothing was ever prepared, and the server parsed
    and planned every statement of every page again. A transaction that wrote, flushed,
    failed, or has unflushed changes is left to the usual rollback.
    """
    connections = session.info.get(BEGUN_KEY)
    transaction = session.get_transaction()
    if not connections or transaction is None or not transaction.is_active:
        return
    if session.new or session.dirty or session.deleted or session.info.get(FLUSHED_KEY):
        return
    if all(
        connection.dialect.name == "postgresql" and connection.info.get(READ_ONLY_KEY) is True
        for connection in connections
    ):
        session.commit()
