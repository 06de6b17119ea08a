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
site-busy page). A statement is compiled for the driver on its second run, so only
statements built once (module level or cached) are: one built anew for each call, and forms
the driver path does not handle (a list of tuples, a list written into the SQL), run through
SQLAlchemy as before. SQLAlchemy's `after_cursor_execute` and `handle_error` events are not
fired for the driver's statements.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Iterator
from functools import partial
from typing import Any

from sqlalchemy import Executable
from sqlalchemy.engine import Connection, Result
from sqlalchemy.exc import DBAPIError, MultipleResultsFound, NoResultFound, StatementError
from sqlalchemy.types import TupleType

# Shapes kept per statement (one per listing page and tag: which values are written into the
# SQL); a new one costs an expansion, some 10-40 µs.
KEPT_SHAPES = 256
_MISSING = object()
_REQUIRED = object()  # the default of a bind the statement gives no value: the caller must


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
        if not self._rows:
            raise NoResultFound("No row was found when one was required")
        if len(self._rows) > 1:
            raise MultipleResultsFound("Multiple rows were found when exactly one was required")
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
            if value is _REQUIRED:
                raise StatementError(
                    f"A value is required for bind parameter {name!r}", self.sql, values, None
                )
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
        self.defaults = {
            name: _REQUIRED if bind.required else bind.effective_value
            for name, bind in binds.items()
        }
        # The compiled statement's columns, as SQLAlchemy's own result reads them (an entity's
        # columns spelled out; none for text())
        processors = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in self.compiled._result_columns
        ]
        self.converted = tuple(
            (index, process) for index, process in enumerate(processors) if process is not None
        )
        self._shapes: dict[tuple, Shape] = {}
        self._lock = threading.Lock()
        # Forms left to SQLAlchemy: a list of tuples (its elements are not single values) and
        # a list written into the SQL (its values would be the shape's key)
        self.runs_here = not any(
            isinstance(bind.type, TupleType) or (bind.expanding and bind.literal_execute)
            for bind in binds.values()
        )

    def shape(self, values: dict) -> Shape:
        """This run's SQL and the order of its values (a shape seen before is kept)."""
        key = (
            *(values.get(name, _MISSING) for name in self.literal_names),
            *(len(values.get(name, ())) for name in self.expanding_names),
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


# Statements seen, by identity: None after a first run, then the statement compiled for the
# driver. An entry goes when its statement is collected.
_statements: dict[int, tuple[weakref.ref, DriverStatement | None]] = {}


def driver_statement(statement: Executable, dialect) -> DriverStatement | None:
    """The statement compiled for the driver, from its second run on; None until then, or for
    a form left to SQLAlchemy. A statement built anew on every call never runs twice, and
    SQLAlchemy's compiled cache (keyed by its structure) serves it better than compiling it."""
    key = id(statement)
    entry = _statements.get(key)
    if entry is None or entry[0]() is not statement:
        _statements[key] = (weakref.ref(statement, partial(_forget, key)), None)
        return None
    prepared = entry[1]
    if prepared is None or prepared.dialect is not dialect:
        prepared = DriverStatement(statement, dialect)
        _statements[key] = (entry[0], prepared)
    return prepared if prepared.runs_here else None


def _forget(key: int, _collected: weakref.ref, statements: dict = _statements) -> None:
    statements.pop(key, None)  # the dict held here: at exit, the module's names are gone first


def read_on_sqlite(
    connection: Connection, statement: Executable, values: dict | None
) -> Rows | Result:
    """Run the statement on the connection's sqlite3 connection (in its transaction)."""
    prepared = driver_statement(statement, connection.dialect)
    if prepared is None:
        return connection.execute(statement, values)
    values = values or {}
    shape = prepared.shape(values)
    try:
        ordered = shape.values_for(values)
    except StatementError:
        raise
    except Exception as error:  # a bind processor refused a value, as SQLAlchemy reports it
        raise StatementError(str(error), shape.sql, values, error) from error
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
