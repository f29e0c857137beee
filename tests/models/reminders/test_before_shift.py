"""Two bot processes claiming due reminders on PostgreSQL: a batch one process has claimed but
not yet committed is skipped by the other (not waited for, not taken twice), and a crashed
sender's rows come back when its lease runs out (by the database's clock)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import DateTime, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.activities import signup
from models.db import create_engine, session_factory
from models.reminders import before_shift
from models.reminders.tables import Reminder
from tests.models.world import NOW, POLICY, at, make_shift, make_volunteers

pytestmark = pytest.mark.postgres
DUE = at(days=1)  # the 24-hour reminders of a shift starting two days after NOW
TIME_LIMIT_SECONDS = 10  # a claim that waits for the other's locks fails instead of hanging


@pytest.fixture
async def two_processes(
    postgres_url: str,
) -> AsyncIterator[tuple[async_sessionmaker[AsyncSession], async_sessionmaker[AsyncSession]]]:
    engines = [create_engine(postgres_url) for _ in range(2)]
    first, second = (session_factory(engine) for engine in engines)
    yield first, second
    for engine in engines:
        await engine.dispose()


async def test_a_claimed_batch_is_skipped_by_the_other_process_until_its_lease_ends(
    two_processes: tuple[async_sessionmaker[AsyncSession], async_sessionmaker[AsyncSession]],
) -> None:
    first, second = two_processes
    async with first() as session, session.begin():
        shift = await make_shift(session, at(days=2), capacity=6)
        for volunteer in await make_volunteers(session, 6):
            await signup.sign_up(session, volunteer, shift.id, now=NOW, policy=POLICY)

    async with asyncio.timeout(TIME_LIMIT_SECONDS):
        async with first() as a, a.begin():
            taken_by_a = await before_shift.claim_due(a, now=DUE, limit=4)
            async with second() as b, b.begin():  # while A's claim is still uncommitted
                taken_by_b = await before_shift.claim_due(b, now=DUE, limit=10)

    assert len(taken_by_a) == 4 and len(taken_by_b) == 2
    assert not set(taken_by_a) & set(taken_by_b)
    async with second() as b, b.begin():
        assert await before_shift.claim_due(b, now=DUE, limit=10) == []  # both leases hold
    async with second() as b, b.begin():  # as if both senders had crashed a lease ago
        await b.execute(
            update(Reminder).values(
                lease_until=type_coerce(Reminder.lease_until, DateTime())
                - (before_shift.LEASE + before_shift.MINUTE)
            )
        )
    async with second() as b, b.begin():
        retaken = await before_shift.claim_due(b, now=DUE, limit=10)
    assert sorted(retaken) == sorted(taken_by_a + taken_by_b)
