"""The few statements every update runs, sent straight to the database driver's cursor.

Each update's transaction opens with the same statements: its handled mark (`inbox.settle`),
the user's conversation state (`conversation.lock_state`; the two are one on PostgreSQL:
`models.turn`) and who they are (`volunteers.find_volunteer`). Through SQLAlchemy's execution
layer and the ORM's loading they cost about five times what the driver itself spends on them
(1.4-1.8 against 0.2-0.3 ms of CPU for the three and their transaction, on PostgreSQL:
docs/performance.md), a third of the bot's CPU per update; the hottest reads (`/my`'s places, a
page of activities, a person's roles) go the same way. Each statement is built with SQLAlchemy
and compiled once per database; its parameters and values still go through the columns' types
(an aware datetime bound as naive UTC, a status read back as its enum member), and it runs on
the cursor of the session's own connection, in the session's transaction, after what the
session has pending is written (as the ORM's autoflush does). A row becomes an ORM instance as
the ORM would load it (`held_or_loaded`).

What SQLAlchemy's execution would have done and still is: a driver error is raised as SQLAlchemy
raises it (a `DBAPIError`, the connection invalidated when the driver says it is gone). What is
not: its statement events and its echo do not see these statements (the statement-count test
counts at the driver: tests/test_statement_count.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict, set_committed_value
from sqlalchemy.sql.expression import Executable
from sqlalchemy.types import TypeEngine

from models.base import table_of

T = TypeVar("T")
Row = Sequence[Any]
Processor = Callable[[Any], Any] | None


@dataclass
class _Compiled:
    sql: str
    binds: tuple[tuple[str, Processor], ...]  # in the order of the statement's placeholders
    defaults: Mapping[str, Any]  # the values written into the statement itself
    types: tuple[TypeEngine[Any], ...]  # of each column of its result, for the database
    # What reads each column's value: some depend on the type the driver says it sent (a
    # number on PostgreSQL), so they are made when the statement first runs.
    results: tuple[Processor, ...] | None = None

    def arguments(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        values = {**self.defaults, **params}
        return tuple(
            values[name] if process is None else process(values[name])
            for name, process in self.binds
        )

    def rows(self, cursor: Any, dialect: Dialect) -> list[tuple[Any, ...]]:
        raw: Sequence[Row] = cursor.fetchall()
        if self.results is None:
            self.results = tuple(
                kind.result_processor(dialect, sent[1])
                for kind, sent in zip(self.types, cursor.description, strict=True)
            )
        return [
            tuple(
                value if process is None else process(value)
                for process, value in zip(self.results, row, strict=True)
            )
            for row in raw
        ]


def _compile(statement: Any, dialect: Dialect, entities: Sequence[type[Any]]) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    # A list bound whole (`in_` of values) is written out only when it runs: give its values
    # one by one (`literal`) instead.
    assert "POSTCOMPILE" not in compiled.string, f"a list bound whole in {compiled.string}"
    if entities:
        whole_rows = [column for cls in entities for column in table_of(cls).c]
        selected = list(statement.exported_columns)[: len(whole_rows)]
        assert selected == whole_rows, "not whole rows of the entities"
    names = tuple(compiled.positiontup or ())
    # Each name once: a parameter written twice would be bound twice, in order.
    assert len(set(names)) == len(names), f"a parameter repeated in {compiled.string}"
    binds = tuple(
        (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
        for name in names
    )
    types = tuple(column.type.dialect_impl(dialect) for column in statement.exported_columns)
    defaults = {
        name: bind.effective_value for name, bind in compiled.binds.items() if not bind.required
    }
    return _Compiled(compiled.string, binds, defaults, types)


class OnDriver:
    """A statement (with a result: RETURNING, or a query) run on the driver's cursor; `build`
    makes it for a database ("postgresql", "sqlite"), its parameters bound by name. A query of
    whole rows of mapped classes (`select(Signup, Shift)`, then perhaps more columns) names them
    as `entities`, and `loaded` gives its rows as their instances (then the columns' values)."""

    def __init__(
        self, build: Callable[[str], Executable], *, entities: Sequence[type[Any]] = ()
    ) -> None:
        self._build = build
        self._entities = tuple(entities)
        self._columns = [table_of(cls).c.keys() for cls in self._entities]  # each one's, by name
        self._compiled: dict[tuple[str, str], _Compiled] = {}  # by database and driver

    async def rows(self, session: AsyncSession, **params: Any) -> list[tuple[Any, ...]]:
        """Its result, in the session's transaction (begun by it, when it is the first), after
        what the session has pending is written (as the ORM's autoflush does before a query)."""
        return await session.run_sync(self._run, params)

    def _run(self, session: Session, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        if session.autoflush and (session.new or session.dirty or session.deleted):
            session.flush()
        connection = session.connection()
        dialect = connection.dialect
        compiled = self._compiled.get((dialect.name, dialect.driver))
        if compiled is None:
            compiled = _compile(self._build(dialect.name), dialect, self._entities)
            self._compiled[dialect.name, dialect.driver] = compiled
        arguments = compiled.arguments(params)
        dbapi_connection = connection.connection
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(compiled.sql, arguments)
            return compiled.rows(cursor, dialect)
        except dialect.loaded_dbapi.Error as error:
            gone = dialect.is_disconnect(error, dbapi_connection, cursor)
            if gone:
                connection.invalidate(error)
            raise DBAPIError.instance(
                compiled.sql,
                arguments,
                error,
                dialect.loaded_dbapi.Error,
                hide_parameters=True,
                connection_invalidated=gone,
                dialect=dialect,
            ) from error
        finally:
            cursor.close()

    async def loaded(self, session: AsyncSession, **params: Any) -> list[tuple[Any, ...]]:
        """Its rows, each as an instance of each of its `entities` (`held_or_loaded`), then the
        values of the columns after theirs."""
        instances = []
        for row in await self.rows(session, **params):
            start, found = 0, []
            for cls, columns in zip(self._entities, self._columns, strict=True):
                values = dict(zip(columns, row[start : start + len(columns)], strict=True))
                found.append(held_or_loaded(session, cls, values))
                start += len(columns)
            instances.append((*found, *row[start:]))
        return instances


def held_or_loaded(
    session: AsyncSession, cls: type[T], values: Mapping[str, Any], *, refresh: bool = False
) -> T:
    """The instance of `cls` for a row (`values`: every column, by name) as the ORM loads one:
    the instance the session holds already (with `refresh`, its columns set to the row's, as
    the ORM's `populate_existing` does), or else a new one in the session, persistent and
    unmodified (a change to it is written at the flush, as to any loaded instance). Its
    relationships are to be set with `fill`: one left unset is expired, and reading it would
    load the whole row again (or fail, outside a greenlet), where the ORM loads it on its own."""
    mapper = inspect(cls)
    key = mapper.identity_key_from_primary_key(
        [values[column.key] for column in mapper.primary_key]
    )
    held: T | None = session.identity_map.get(key)
    if held is not None:
        if refresh:
            for name, value in values.items():
                set_committed_value(held, name, value)
        return held
    # As the ORM's loading makes one: no constructor, no attribute events, the row's values
    # written into the instance's own dictionary (a third of the cost).
    instance: T = mapper.class_manager.new_instance()
    instance_dict(instance).update(values)
    make_transient_to_detached(instance)  # its attributes are now as loaded, none changed
    session.add(instance)
    return instance


def fill(instance: object, name: str, value: Any) -> None:
    """Set a relationship as loaded (no change to write), unless it is loaded already."""
    if name in inspect(instance).unloaded:
        set_committed_value(instance, name, value)
