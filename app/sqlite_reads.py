"""`app.db.read` on SQLite: a statement of columns run straight on the driver's connection.

SQLAlchemy spends 20-70 µs around each statement it runs (an execution context, its bound
values expanded and processed, a Row per row), which on SQLite is most of a small query's
cost: a tag page's four statements spent 290 µs in `read` and 130 µs in SQLite. Here each
statement is compiled once per shape (which values are written into the SQL, how long each
expanding list is), and each run only orders the values, calls SQLite and converts the columns
that need it (timestamps, booleans), with the very processors SQLAlchemy would use.

What SQLAlchemy does around a statement and a reader may rely on is kept: listeners of
`before_cursor_execute` see the SQL and its values (the tests count statements and check their
plans that way), and a driver error arrives as SQLAlchemy's exception (a lock timeout is the
site-busy page). Statements must be built once (module level or cached): each distinct
statement object is compiled on its first run.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Executable
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, NoResultFound

# Distinct statements kept compiled (the app runs a few dozen), and shapes kept per statement
# (one per listing page and tag: which values are written into the SQL).
KEPT_STATEMENTS = 512
KEPT_SHAPES = 256
_MISSING = object()


class Rows:
    """The rows of a read, as plain tuples, with the Result methods readers use."""

    __slots__ = ("_rows",)

    def __init__(self, rows: list[tuple]):
        self._rows = rows

    def __iter__(self) -> Iterator[tuple]:
        return iter(self._rows)

    def all(self) -> list[tuple]:
        return self._rows

    def first(self) -> tuple | None:
        return self._rows[0] if self._rows else None

    def one(self) -> tuple:
        if len(self._rows) != 1:
            raise NoResultFound(f"expected one row, got {len(self._rows)}")
        return self._rows[0]

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None


class Shape:
    """The SQL of one expansion of a statement, and where each `?` takes its value from."""

    __slots__ = ("sql", "sources")

    def __init__(self, sql: str, sources: list[tuple]):
        self.sql = sql
        # (name, the list it is an element of, its index there, the value when the caller
        # gives none: the statement's own, processor)
        self.sources = sources

    def values_for(self, values: dict) -> tuple:
        ordered = []
        for name, listed, index, default, process in self.sources:
            if listed is not None:
                value = values.get(listed, default)[index]
            else:
                value = values.get(name, default)
            ordered.append(value if process is None else process(value))
        return tuple(ordered)


class DriverStatement:
    """A statement compiled for SQLite, its shapes, and the processors of its columns."""

    def __init__(self, statement: Executable, dialect):
        self.dialect = dialect
        self.compiled = statement.compile(dialect=dialect)
        binds = self.compiled.binds
        self.bind_processors = {
            name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for name, bind in binds.items()
        }
        self.literal_names = tuple(bind.key for bind in self.compiled.literal_execute_params)
        self.expanding_names = tuple(bind.key for bind in self.compiled.post_compile_params)
        self.defaults = {name: bind.effective_value for name, bind in binds.items()}
        processors = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in getattr(statement, "selected_columns", ())  # text(): none to type
        ]
        self.converted = tuple(
            (index, process) for index, process in enumerate(processors) if process is not None
        )
        self._shapes: dict[tuple, Shape] = {}
        self._lock = threading.Lock()

    def shape(self, values: dict) -> Shape:
        key = (
            *(values.get(name, _MISSING) for name in self.literal_names),
            *(len(values.get(name, self.defaults[name])) for name in self.expanding_names),
        )
        found = self._shapes.get(key)
        if found is None:
            found = self._expand(values)
            with self._lock:
                if len(self._shapes) >= KEPT_SHAPES:
                    self._shapes.clear()
                self._shapes[key] = found
        return found

    def _expand(self, values: dict) -> Shape:
        state = self.compiled.construct_expanded_state(values)
        element_of = {
            expanded: (name, index)
            for name, expanded_names in (state.parameter_expansion or {}).items()
            for index, expanded in enumerate(expanded_names)
        }
        sources = []
        for name in state.positiontup or ():
            listed, index = element_of.get(name, (None, 0))
            origin = listed if listed is not None else name
            default = self.defaults.get(origin)
            sources.append((name, listed, index, default, self.bind_processors.get(origin)))
        return Shape(state.statement, sources)

    def convert(self, rows: list[tuple]) -> list[tuple]:
        if not self.converted:
            return rows
        converted = []
        for row in rows:
            values = list(row)
            for index, process in self.converted:
                values[index] = process(values[index])
            converted.append(tuple(values))
        return converted


_statements: dict[tuple[int, Executable], DriverStatement] = {}
_statements_lock = threading.Lock()


def driver_statement(statement: Executable, dialect) -> DriverStatement:
    key = (id(dialect), statement)
    found = _statements.get(key)
    if found is None:
        found = DriverStatement(statement, dialect)
        with _statements_lock:
            if len(_statements) >= KEPT_STATEMENTS:
                _statements.clear()
            _statements[key] = found
    return found


def read_on_sqlite(connection: Connection, statement: Executable, values: dict | None) -> Rows:
    """Run the statement on the connection's sqlite3 connection (in its transaction)."""
    prepared = driver_statement(statement, connection.dialect)
    values = values or {}
    shape = prepared.shape(values)
    ordered = shape.values_for(values)
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        for listener in connection.dispatch.before_cursor_execute:
            listener(connection, cursor, shape.sql, ordered, None, False)
        rows = cursor.execute(shape.sql, ordered).fetchall()
    except sqlite3.Error as error:
        raise DBAPIError.instance(
            shape.sql, ordered, error, sqlite3.Error, dialect=connection.dialect
        ) from error
    finally:
        cursor.close()
    return Rows(prepared.convert(rows))
