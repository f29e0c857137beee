"""Leases are timed by the database's clock on PostgreSQL: a process whose own clock runs hours
ahead takes no update, reminder or broadcast send another process holds. On SQLite (one
machine, one clock) the process clock times them, as before."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from models import inbox
from models.activities import signup
from models.broadcasts import outbox
from models.db import create_engine, dialect, session_factory
from models.reminders import before_shift
from tests.models.broadcasts.test_broadcasting import started_call
from tests.models.world import NOW, POLICY, at, make_shift, make_volunteers

AHEAD = timedelta(hours=3)  # past every lease, by the skewed process clock


@pytest.fixture
async def any_session(database_url: str) -> AsyncIterator[AsyncSession]:
    engine = create_engine(database_url)
    async with session_factory(engine)() as session:
        yield session
    await engine.dispose()


def stolen_only_on_sqlite(session: AsyncSession, taken: object) -> None:
    if dialect(session) == "postgresql":
        assert not taken, "a process clock ahead took what another process holds"
    else:
        assert taken


async def test_an_update_held_by_another_process_stays_held(any_session: AsyncSession) -> None:
    session = any_session
    await inbox.record(session, [{"update_id": 41}], now=NOW)
    assert await inbox.claim(session, 41, now=NOW) is not None
    stolen_only_on_sqlite(session, await inbox.claim(session, 41, now=NOW + AHEAD))


async def test_an_update_taken_as_it_is_recorded_stays_held(any_session: AsyncSession) -> None:
    session = any_session
    await inbox.record(session, [{"update_id": 41}], now=NOW, claim_for=inbox.LEASE)
    stolen_only_on_sqlite(session, await inbox.claim(session, 41, now=NOW + AHEAD))


async def test_a_reminder_held_by_another_process_stays_held(any_session: AsyncSession) -> None:
    session = any_session
    shift = await make_shift(session, at(days=2), capacity=2)
    for volunteer in await make_volunteers(session, 2):
        await signup.sign_up(session, volunteer, shift.id, now=NOW, policy=POLICY)
    due = at(days=1)
    assert len(await before_shift.claim_due(session, now=due, limit=10)) == 2
    stolen_only_on_sqlite(session, await before_shift.claim_due(session, now=due + AHEAD, limit=10))


async def test_a_send_held_by_another_process_stays_held(any_session: AsyncSession) -> None:
    session = any_session
    call, _ = await started_call(session, 3)
    assert len(await outbox.claim(session, call.id, now=NOW, limit=3)) == 3
    taken_back = await outbox.take_back_expired(
        session, call.id, now=NOW + AHEAD, uncertain="resend"
    )
    stolen_only_on_sqlite(session, taken_back)
