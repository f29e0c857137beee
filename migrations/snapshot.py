"""A database's rows as JSON, and back: what `scripts/make_migration_snapshot.py` writes from a
database that an older revision of the code made and filled, and what the migration data test
(`tests/models/test_migration_data.py`) loads into a database at that revision, upgrades to the
newest, and compares — so that every later migration is shown to keep the rows it finds.

The tables are read by reflection (the database's own schema, not today's models), so a
snapshot taken at one revision loads at that revision whatever the models have become. Values
are stored as JSON: times and dates in ISO form (naive UTC, as both databases keep them),
binary as base64; each is turned back by the type of its column.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Date, DateTime, Integer, LargeBinary, MetaData, Table, text
from sqlalchemy.types import TypeEngine

SKIPPED = frozenset({"alembic_version"})  # the revision is the snapshot's `revision`


def encode(value: Any) -> Any:
    """A column's value as JSON holds it."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, Decimal):
        return str(value)
    return value


def decode(value: Any, kind: TypeEngine[Any]) -> Any:
    """A JSON value back as its column (of type `kind`) takes it."""
    if value is None:
        return None
    if isinstance(kind, DateTime):
        moment = datetime.fromisoformat(value)
        return moment if not kind.timezone or moment.tzinfo else moment.replace(tzinfo=None)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    if isinstance(kind, LargeBinary):
        return base64.b64decode(value)
    return value


def _tables(connection: Connection) -> list[Table]:
    """The database's tables, each after those it refers to."""
    metadata = MetaData()
    metadata.reflect(connection)
    return [table for table in metadata.sorted_tables if table.name not in SKIPPED]


def _ordered(table: Table) -> list[Any]:
    return list(table.primary_key.columns) or list(table.columns)


def dump(connection: Connection) -> dict[str, Any]:
    """Every table's columns and rows (by primary key), and the database's revision."""
    revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    tables = {}
    for table in _tables(connection):
        rows = connection.execute(table.select().order_by(*_ordered(table)))
        tables[table.name] = {
            "columns": list(rows.keys()),
            "rows": [[encode(value) for value in row] for row in rows],
        }
    return {"revision": revision, "tables": tables}


def load(connection: Connection, snapshot: dict[str, Any]) -> None:
    """Replace the rows of the snapshot's tables by the snapshot's (the database is at the
    snapshot's revision): emptied in reverse order of reference, filled in order."""
    tables = [t for t in _tables(connection) if t.name in snapshot["tables"]]
    for table in reversed(tables):
        connection.execute(table.delete())
    for table in tables:
        saved = snapshot["tables"][table.name]
        rows = [
            {
                name: decode(value, table.c[name].type)
                for name, value in zip(saved["columns"], row, strict=True)
            }
            for row in saved["rows"]
        ]
        if rows:
            connection.execute(table.insert(), rows)
        if connection.dialect.name == "postgresql":
            _catch_up_sequences(connection, table)


def _catch_up_sequences(connection: Connection, table: Table) -> None:
    """Rows inserted with their ids leave a serial column's sequence behind: move it on."""
    for column in table.primary_key.columns:
        if isinstance(column.type, Integer) and column.autoincrement in (True, "auto"):
            connection.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence(:table, :column), "
                    f'(SELECT greatest(max("{column.name}"), 0) + 1 FROM "{table.name}"), false)'
                ),
                {"table": table.name, "column": column.name},
            )


def differences(connection: Connection, snapshot: dict[str, Any]) -> list[str]:
    """Where the database no longer holds the snapshot's rows as they were: a table or column
    gone, a row gone, a value changed (columns and rows added since are no difference)."""
    found = {table.name: table for table in _tables(connection)}
    lost: list[str] = []
    for name, saved in snapshot["tables"].items():
        table = found.get(name)
        if table is None:
            lost.append(f"table {name} is gone")
            continue
        gone = [column for column in saved["columns"] if column not in table.c]
        lost += [f"column {name}.{column} is gone" for column in gone]
        kept = [column for column in saved["columns"] if column in table.c]
        keys = [column.name for column in _ordered(table)]
        now = {
            _key(row._mapping, keys): row._mapping
            for row in connection.execute(table.select())  # the snapshot's tables are small
        }
        for row in saved["rows"]:
            before = dict(zip(saved["columns"], row, strict=True))
            key = _key(before, keys)
            after = now.get(key)
            if after is None:
                lost.append(f"{name} row {key} is gone")
                continue
            lost += [
                f"{name} row {key}: {column} was {before[column]!r}, is {encode(after[column])!r}"
                for column in kept
                if encode(after[column]) != before[column]
            ]
    return lost


def _key(row: Any, keys: Iterable[str]) -> tuple[Any, ...]:
    return tuple(encode(row[key]) for key in keys)
