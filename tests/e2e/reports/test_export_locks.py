"""Issue 15, point 18: a chat export holds no lock while its file is made. The rows are read in
a read-only transaction, the file is written after it (in a thread) and the export is audited in
a short transaction of its own, so another session's write commits meanwhile, at once, on both
databases: before, the export ran inside the update's transaction, which on SQLite holds the
database's one write lock (and on PostgreSQL the exporter's conversation row) to its end.

The test writes from inside the step that makes the file (the sheet being opened), in a thread
of its own with a one-second lock timeout, so "meanwhile" is exact, not a race."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, text, update

from bot.local.harness import RunningBot
from models.conversation import ConversationState
from models.db import create_engine, is_sqlite
from models.reports import exports
from tests.e2e.reports.test_exports import COORDINATOR, audit_rows, world

LOCK_WAIT_MS = 1000
WRITE_TIMEOUT_S = 20.0


async def write(database_url: str) -> str:
    """Commit a write to the exporter's conversation row; what happened."""
    engine = create_engine(database_url)
    if is_sqlite(database_url):

        @event.listens_for(engine.sync_engine, "connect")
        def _impatient(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.cursor().execute(f"PRAGMA busy_timeout={LOCK_WAIT_MS}")

    try:
        async with engine.connect() as connection:
            if not is_sqlite(database_url):
                await connection.execute(text(f"SET lock_timeout = {LOCK_WAIT_MS}"))
            await connection.execute(
                update(ConversationState)
                .where(ConversationState.telegram_id == COORDINATOR)
                .values(updated_at=datetime.now(UTC))
            )
            await connection.commit()
        return "committed"
    except Exception as error:  # the lock wait ran out: what the test reports
        return f"{type(error).__name__}: {str(error).splitlines()[0]}"
    finally:
        await engine.dispose()


def write_meanwhile(database_url: str) -> str:
    """`write` on a thread and event loop of its own, waited for (wherever this is called)."""
    outcome: list[str] = []
    worker = threading.Thread(target=lambda: outcome.append(asyncio.run(write(database_url))))
    worker.start()
    worker.join(WRITE_TIMEOUT_S)
    return outcome[0] if outcome else "still waiting"


async def test_a_write_commits_while_the_export_file_is_made(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    coordinator, ours, _ = await world(bot)
    meanwhile: list[str] = []
    make_sheet = exports._open

    def making_the_file(*args: Any) -> Any:
        meanwhile.append(write_meanwhile(bot.settings.database_url))
        return make_sheet(*args)

    monkeypatch.setattr(exports, "_open", making_the_file)

    await coordinator.send("/export")
    await coordinator.press("🧾 Confirmed service records")
    await coordinator.press("This month")
    await coordinator.press("XLSX (Excel)")

    assert meanwhile == ["committed"]
    sent = coordinator.last()
    assert sent.document is not None
    assert sent.document.filename == f"records-team{ours}-2026-01-01_2026-01-31.xlsx"
    [(actor, action, team, _)] = await audit_rows(bot)
    assert (actor, action, team) == (COORDINATOR, "export.records", ours)
