"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import re

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import CheckConstraint, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.schema import CreateTable

import models
from models.db import create_engine


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync), models.Base.metadata
                )
            )
            themes = (await connection.execute(text("SELECT count(*) FROM themes"))).scalar()
    finally:
        await engine.dispose()
    assert diff == []
    assert themes == 11  # the city's themes are seeded


CHECK = re.compile(r"CONSTRAINT (\w+) CHECK \((.*?)\)(?=,\s*\n|\s*\n\))", re.S)


def _checks(sql: str) -> dict[str, str]:
    return {name: " ".join(body.split()) for name, body in CHECK.findall(sql)}


async def test_the_migrated_checks_are_the_ones_the_enums_generate(engine: AsyncEngine) -> None:
    """Alembic's comparison leaves check constraints out: each check the models declare
    (`one_of` builds the state checks from their enums) must stand in the migrated schema with
    the same name and the same SQL."""
    async with engine.connect() as connection:
        migrated = {
            name: _checks(sql)
            for name, sql in await connection.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
            )
        }
    declared = {
        name: _checks(str(CreateTable(table).compile(dialect=sqlite.dialect())))
        for name, table in models.Base.metadata.tables.items()
    }
    assert sum(len(checks) for checks in declared.values()) == sum(
        isinstance(constraint, CheckConstraint)
        for table in models.Base.metadata.tables.values()
        for constraint in table.constraints
    )
    assert {name: declared[name] for name in declared} == {
        name: migrated[name] for name in declared
    }
