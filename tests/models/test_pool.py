"""A server database's pool keeps every connection it opens (`models/db.SERVER_POOL_SIZE`):
under load the updates' sessions reuse them instead of each tenth one connecting afresh."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, literal, select

from bot.dispatcher import CONCURRENT_SESSIONS
from models.db import SERVER_POOL_SIZE, create_engine, session_factory

pytestmark = pytest.mark.postgres
ROUNDS = 3


async def test_busy_sessions_reuse_the_connections_they_opened(postgres_url: str) -> None:
    assert CONCURRENT_SESSIONS < SERVER_POOL_SIZE  # room left for the jobs and the sender
    engine = create_engine(postgres_url)
    connects = 0

    def connected(*_: object) -> None:
        nonlocal connects
        connects += 1

    event.listen(engine.sync_engine, "connect", connected)
    sessions = session_factory(engine)

    async def update() -> None:
        async with sessions() as session, session.begin():
            await session.execute(select(literal(1)))
            await asyncio.sleep(0)  # all of a round's sessions hold a connection at once

    try:
        for _ in range(ROUNDS):
            await asyncio.gather(*(update() for _ in range(CONCURRENT_SESSIONS)))
    finally:
        await engine.dispose()
    # SQLAlchemy's default pool kept 5 and closed the rest as they came back: 5 more each round.
    assert connects == CONCURRENT_SESSIONS
