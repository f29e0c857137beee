"""An update's transaction begins with its handled mark and the user's conversation state
(`models.turn`): one statement on PostgreSQL, two on SQLite, the same outcome on both."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from models import inbox
from models.db import create_engine, session_factory
from models.turn import settle_and_lock
from tests.models.world import NOW


async def test_the_update_is_marked_and_the_state_locked_once(db: AsyncSession) -> None:
    await inbox.record(db, [{"update_id": 41}], now=NOW, claim_for=inbox.LEASE)
    state = await settle_and_lock(db, 41, 7001, NOW, first_name="Xiao Ming")
    assert state is not None and (state.telegram_id, state.first_name) == (7001, "Xiao Ming")
    assert state.updated_at == NOW
    assert await settle_and_lock(db, 41, 7001, NOW) is None  # handled already
    # Never recorded (fed to the dispatcher directly): nothing to mark, the state all the same.
    again = await settle_and_lock(db, 42, 7001, NOW)
    assert again is state and again.first_name == "Xiao Ming"


async def test_a_second_handler_of_the_update_waits_and_finds_it_handled(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    try:
        async with sessions() as setup, setup.begin():
            await inbox.record(setup, [{"update_id": 41}], now=NOW, claim_for=inbox.LEASE)
        async with sessions() as first, sessions() as second:
            await first.begin()
            assert await settle_and_lock(first, 41, 7001, NOW) is not None

            async def handle_again() -> object:
                async with second.begin():
                    return await settle_and_lock(second, 41, 7001, NOW)

            again = asyncio.create_task(handle_again())
            await first.commit()
            assert await again is None
    finally:
        await engine.dispose()
