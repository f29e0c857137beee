"""Alembic environment: runs migrations over the project's async engine."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

import models
from models.db import create_engine, is_sqlite

target_metadata = models.Base.metadata


def _migrate(connection: Connection) -> None:
    sqlite = is_sqlite(str(connection.engine.url))
    if sqlite:
        # Batch mode copies a table, drops the old one and renames the copy. With foreign keys
        # enforced, dropping a table that other rows refer to (activities, by its shifts) fails;
        # SQLite's own procedure for such changes turns them off (outside the transaction, where
        # the pragma takes effect) and checks every reference afterwards, before committing.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER constraints in place; batch mode copies the table instead.
        render_as_batch=sqlite,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            if broken:
                raise RuntimeError(f"the migration left rows that refer to nothing: {broken[:5]}")


async def _run() -> None:
    url = context.config.attributes.get("database_url")
    if url is None:
        from bot.settings import Settings

        url = Settings().database_url
    engine = create_engine(url)
    async with engine.connect() as connection:
        await connection.run_sync(_migrate)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run `volbot db upgrade`")
asyncio.run(_run())
