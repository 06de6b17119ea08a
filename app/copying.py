"""Moving a site to another database (SQLite to PostgreSQL, say): every table copied row for
row in one transaction, then counted on both sides.

The target must already be migrated to the same revision (`DATABASE_URL=target flask db
upgrade`) and hold no content; the search index is rebuilt on the target afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, Table, create_engine, delete, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from app.db import Base

BATCH = 2000
# rows the migrations themselves write; the source's copy replaces them
SEEDED_BY_MIGRATIONS = {"site_state"}


class CopyError(RuntimeError):
    """The copy cannot start or did not add up; nothing was committed on the target."""


@dataclass(frozen=True)
class TableCount:
    table: str
    source: int
    target: int


def copy_database(
    source: Engine, target_url: str, progress: Callable[[str], None] = lambda _: None
) -> list[TableCount]:
    """Copy every model table from `source` to the database at `target_url`."""
    target = open_target(target_url)
    try:
        with source.connect() as reading, target.begin() as writing:
            check_same_revision(reading, writing)
            check_target_empty(writing)
            for table in Base.metadata.sorted_tables:
                if table.name in SEEDED_BY_MIGRATIONS:
                    writing.execute(delete(table))
                copied = copy_table(table, reading, writing)
                progress(f"{table.name}: {copied} rows")
            reset_sequences(writing)
            counts = [
                TableCount(table.name, count_rows(reading, table), count_rows(writing, table))
                for table in Base.metadata.sorted_tables
            ]
            wrong = [count for count in counts if count.source != count.target]
            if wrong:
                raise CopyError(
                    "row counts differ, nothing kept: "
                    + ", ".join(f"{c.table} {c.source} -> {c.target}" for c in wrong)
                )
    except SQLAlchemyError as error:
        raise CopyError(f"the copy failed and was rolled back: {first_line(error)}") from None
    finally:
        target.dispose()
    return counts


def open_target(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise CopyError(f"not a database URL: {error}") from None
    if parsed.get_backend_name() not in ("postgresql", "sqlite"):
        raise CopyError("the target must be a PostgreSQL or SQLite database")
    return create_engine(url, poolclass=NullPool)


def check_same_revision(source: Connection, target: Connection) -> None:
    theirs, ours = alembic_revision(target), alembic_revision(source)
    if theirs is None:
        raise CopyError(
            "the target has no schema yet: run `DATABASE_URL=<target> flask --app wsgi db "
            "upgrade` first"
        )
    if theirs != ours:
        raise CopyError(f"the target is at revision {theirs}, this site at {ours}: upgrade both")


def alembic_revision(connection: Connection) -> str | None:
    try:
        with connection.begin_nested():
            return connection.scalar(text("SELECT version_num FROM alembic_version"))
    except SQLAlchemyError:
        return None


def check_target_empty(target: Connection) -> None:
    holding = [
        table.name
        for table in Base.metadata.sorted_tables
        if table.name not in SEEDED_BY_MIGRATIONS and count_rows(target, table)
    ]
    if holding:
        raise CopyError(f"the target already holds rows in {', '.join(holding)}; use an empty one")


def copy_table(table: Table, source: Connection, target: Connection) -> int:
    copied = 0
    for rows in batches(table, source):
        target.execute(insert(table), rows)
        copied += len(rows)
    return copied


def batches(table: Table, source: Connection) -> Iterator[list[dict]]:
    """Rows in primary-key order, a batch at a time, read with the models' column types."""
    query = select(table).order_by(*table.primary_key.columns)
    result = source.execution_options(yield_per=BATCH).execute(query)
    for partition in result.mappings().partitions(BATCH):
        yield [dict(row) for row in partition]


def reset_sequences(target: Connection) -> None:
    """PostgreSQL's id sequences continue after the copied ids, so new rows never collide."""
    if target.dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        key = list(table.primary_key.columns)
        if len(key) != 1 or not key[0].autoincrement or key[0].type.python_type is not int:
            continue
        sequence = target.scalar(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": key[0].name},
        )
        if sequence:
            highest = target.scalar(select(func.max(key[0])))
            target.execute(
                text("SELECT setval(:sequence, :value, :called)"),
                {"sequence": sequence, "value": highest or 1, "called": highest is not None},
            )


def count_rows(connection: Connection, table: Table) -> int:
    return connection.scalar(select(func.count()).select_from(table)) or 0


def first_line(error: SQLAlchemyError) -> str:
    return str(getattr(error, "orig", None) or error).strip().splitlines()[0]
