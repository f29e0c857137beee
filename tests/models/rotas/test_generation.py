"""Making a rota's shifts on SQLite and PostgreSQL: week by week as time moves, never twice
(two runs, or two processes at once), and with the holders of standing slots signed up on each
date they do not skip — a place while there is one, then the waiting list."""

from __future__ import annotations

from datetime import date, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities.tables import Activity, Shift, Signup
from models.rotas import generation, rules, slots
from models.rotas.rules import RulePlan
from models.rotas.tables import RotaOccurrence, RotaRule
from tests.models.activities.test_signup_concurrency import Sessions, all_at_once, processes
from tests.models.world import (
    COORDINATOR,
    NOW,
    POLICY,
    at,
    make_activity,
    make_volunteers,
    shift_plan,
    statuses,
)

__all__ = ["processes"]  # the fixture, used by name

SHANGHAI = ZoneInfo("Asia/Shanghai")
SATURDAYS = RulePlan(
    weekdays=frozenset({5}),
    every_weeks=1,
    starts_on=date(2026, 1, 5),
    ends_on=None,
    start_time=time(9),
    end_time=time(11),
    capacity=2,
)


async def recurring(db: AsyncSession) -> tuple[Activity, RotaRule]:
    """Saturday mornings, made from its first shift on Saturday 10 January."""
    activity, _ = await make_activity(db, shift_plan(at(days=5), hours=2))
    rule = await rules.save_rule(db, activity, SATURDAYS, actor=COORDINATOR, now=NOW)
    return activity, rule


async def generate(db: AsyncSession, days: float = 0, weeks: int = 2) -> list[Shift]:
    return await generation.generate(
        db, now=at(days=days), zone=SHANGHAI, weeks_ahead=weeks, policy=POLICY
    )


async def shift_days(db: AsyncSession, activity: Activity) -> list[date]:
    starts = await db.scalars(
        select(Shift.starts_at).where(Shift.activity_id == activity.id).order_by(Shift.starts_at)
    )
    return [start.astimezone(SHANGHAI).date() for start in starts]


async def test_shifts_appear_week_by_week_and_never_twice(db: AsyncSession) -> None:
    activity, _ = await recurring(db)
    made = await generate(db)
    # The activity's own shift on the 10th is adopted as that date, not doubled.
    assert await shift_days(db, activity) == [date(2026, 1, 10), date(2026, 1, 17)]
    assert [shift.capacity for shift in made] == [2, 2]
    assert await generate(db) == []
    await generate(db, days=7)
    assert await shift_days(db, activity) == [date(2026, 1, d) for d in (10, 17, 24)]


async def test_standing_slots_fill_each_new_date_then_the_waiting_list_skips_honoured(
    db: AsyncSession,
) -> None:
    activity, rule = await recurring(db)
    await generate(db, weeks=1)
    first, second, third = await make_volunteers(db, 3)
    for volunteer in (first, second, third):
        await slots.take_slot(db, volunteer, rule, now=NOW, policy=POLICY)
    slot_of_second = (await slots.slots_of(db, second.id))[0][0]
    await generate(db, weeks=2)  # makes the 17th
    saturday = (await _shifts(db, activity))[1]  # the 17th
    await slots.skip_date(db, second, slot_of_second.id, saturday.id, now=NOW, policy=POLICY)
    # The skipped place went on to the first waiting (offered, as any freed place).
    assert await statuses(db, saturday.id) == {
        first.id: "confirmed",
        second.id: "cancelled",
        third.id: "offered",
    }
    await generate(db, days=7, weeks=2)  # the 24th: the second skips nothing there
    assert await statuses(db, (await _shifts(db, activity))[-1].id) == {
        first.id: "confirmed",
        second.id: "confirmed",
        third.id: "waiting",
    }


async def _shifts(db: AsyncSession, activity: Activity) -> list[Shift]:
    return list(
        await db.scalars(
            select(Shift).where(Shift.activity_id == activity.id).order_by(Shift.starts_at)
        )
    )


async def test_two_processes_generating_at_once_make_each_date_once(
    db: AsyncSession, processes: Sessions
) -> None:
    activity, rule = await recurring(db)
    volunteer = (await make_volunteers(db, 1))[0]
    await slots.take_slot(db, volunteer, rule, now=NOW, policy=POLICY)
    await db.commit()

    async def run(session: AsyncSession) -> int:
        made = await generation.generate(
            session, now=NOW, zone=SHANGHAI, weeks_ahead=4, policy=POLICY
        )
        return len(made)

    results = await all_at_once(processes, [run, run, run, run])
    assert sorted(results) == [0, 0, 0, 4]  # type: ignore[type-var]
    occurrences = await db.scalar(select(func.count()).select_from(RotaOccurrence))
    assert occurrences == 4
    assert len(await shift_days(db, activity)) == 4
    signed = await db.scalar(
        select(func.count()).select_from(Signup).where(Signup.volunteer_id == volunteer.id)
    )
    assert signed == 4  # the slot's holder, once on each date
