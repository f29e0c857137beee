"""Webhook deliveries recorded before they are acknowledged: one row per update id however
often Telegram delivers it, taken by one process at a time, taken up again when its process died,
its text erased once handled, and forgotten a day later."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import inbox
from models.inbox import InboundUpdate
from tests.models.world import NOW

UPDATE = {"update_id": 41, "message": {"text": "Wang Xiaoming"}}


async def test_a_second_delivery_is_recognised(session: AsyncSession) -> None:
    assert await inbox.record(session, [UPDATE], now=NOW) == [41]
    assert await inbox.record(session, [UPDATE], now=NOW) == []
    rows = list(await session.scalars(select(InboundUpdate)))
    assert [(r.update_id, r.status) for r in rows] == [(41, "pending")]


async def test_one_process_at_a_time_and_again_when_its_lease_ends(session: AsyncSession) -> None:
    await inbox.record(session, [UPDATE], now=NOW)
    assert await inbox.claim(session, 41, now=NOW) == UPDATE
    assert await inbox.claim(session, 41, now=NOW + timedelta(seconds=30)) is None
    later = NOW + inbox.LEASE + timedelta(seconds=1)
    assert await inbox.left_behind(session, now=later, older_than=timedelta(seconds=30)) == [41]
    assert await inbox.claim(session, 41, now=later) == UPDATE


async def test_handled_updates_keep_no_text_and_are_forgotten_after_a_day(
    session: AsyncSession,
) -> None:
    await inbox.record(session, [UPDATE], now=NOW)
    await inbox.record(session, [{"update_id": 42}], now=NOW + timedelta(hours=2))
    await inbox.claim(session, 41, now=NOW)
    await inbox.handled(session, [41])
    handled = await session.get(InboundUpdate, 41, populate_existing=True)
    assert handled is not None and (handled.status, handled.payload) == ("done", None)
    assert await inbox.claim(session, 41, now=NOW) is None  # done: never handled again
    assert await inbox.record(session, [UPDATE], now=NOW) == []
    # Recent pending updates are not "left behind"; a day on, handled ones are forgotten.
    assert await inbox.left_behind(session, now=NOW, older_than=timedelta(seconds=30)) == []
    assert (
        await inbox.forget_old(
            session, now=NOW + timedelta(days=1, minutes=1), older_than=timedelta(seconds=30)
        )
        == 1
    )
    left = [r.update_id for r in await session.scalars(select(InboundUpdate))]
    assert left == [42]


async def test_a_batch_gives_the_ids_new_to_it_in_order_on_both_databases(db: AsyncSession) -> None:
    assert await inbox.record(db, [{"update_id": 44}], now=NOW) == [44]
    batch = [{"update_id": i} for i in (45, 43, 44, 42)]
    assert await inbox.record(db, batch, now=NOW, claim_for=inbox.LEASE) == [42, 43, 45]
    rows = await db.execute(
        select(InboundUpdate.update_id, InboundUpdate.status, InboundUpdate.tries)
        .order_by(InboundUpdate.update_id)
        .execution_options(populate_existing=True)
    )
    assert [tuple(row) for row in rows] == [
        (42, "handling", 1),
        (43, "handling", 1),
        (44, "pending", 0),  # recorded before: left as it was
        (45, "handling", 1),
    ]
    assert await inbox.claim(db, 43, now=NOW) is None  # taken when it was recorded
    await inbox.handled(db, [42, 45])
    erased = await db.execute(
        select(InboundUpdate.update_id).where(
            InboundUpdate.status == "done", InboundUpdate.payload.is_(None)
        )
    )
    assert sorted(erased.scalars()) == [42, 45]
