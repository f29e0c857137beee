"""An activity's recurrence rule: how a coordinator's choice (weekdays, every N weeks, an end
date, the hours and places of the activity's shift) becomes a rule, and which dates and times
it gives between two moments.

Dates are expanded by python-dateutil's `rrule` in the deployment's local wall time and only
then given the zone, so "Saturday 09:00" stays 09:00 on both sides of a change of daylight
saving time (`models.dates` reads typed days the same way: against the deployment's calendar).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from dateutil.rrule import WEEKLY, rrule, weekday
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.activities.tables import Activity, Shift, ShiftStatus
from models.db import upsert
from models.errors import Conflict, InvalidInput
from models.publishing import activity_input
from models.rotas.tables import RotaException, RotaOccurrence, RotaRule

EVERY_WEEKS_MAX = 52
WEEKDAYS = range(7)  # Monday first, as `date.weekday()` counts


@dataclass(frozen=True)
class RulePlan:
    """What a coordinator chose, before it is saved."""

    weekdays: frozenset[int]
    every_weeks: int
    starts_on: date
    ends_on: date | None
    start_time: time
    end_time: time
    capacity: int


@dataclass(frozen=True)
class Occurrence:
    day: date  # the local date
    starts_at: datetime  # aware, UTC
    ends_at: datetime


def mask(days: Collection[int]) -> int:
    return sum(1 << day for day in set(days))


def days_of(weekdays: int) -> list[int]:
    return [day for day in WEEKDAYS if weekdays >> day & 1]


def plan_of(rule: RotaRule) -> RulePlan:
    return RulePlan(
        weekdays=frozenset(days_of(rule.weekdays)),
        every_weeks=rule.every_weeks,
        starts_on=rule.starts_on,
        ends_on=rule.ends_on,
        start_time=rule.start_time,
        end_time=rule.end_time,
        capacity=rule.capacity,
    )


def check_plan(plan: RulePlan) -> None:
    if not plan.weekdays or not plan.weekdays <= set(WEEKDAYS):
        raise InvalidInput("rota_no_weekdays")
    if not 1 <= plan.every_weeks <= EVERY_WEEKS_MAX:
        raise InvalidInput("rota_every_weeks", high=EVERY_WEEKS_MAX)
    if plan.end_time <= plan.start_time:
        raise InvalidInput("rota_overnight")
    if not 1 <= plan.capacity <= activity_input.CAPACITY_MAX:
        raise InvalidInput("capacity_invalid", low=1, high=activity_input.CAPACITY_MAX)
    if plan.ends_on is not None and plan.ends_on < plan.starts_on:
        raise InvalidInput("rota_end_before_start", starts=plan.starts_on)


def expand(
    plan: RulePlan,
    exceptions: Collection[date],
    zone: tzinfo,
    *,
    after: datetime,
    before: datetime,
) -> list[Occurrence]:
    """The rule's dates whose shifts start after `after` and before `before`, less the
    exception dates, earliest first."""
    first = datetime.combine(plan.starts_on, plan.start_time)
    last = datetime.combine(plan.ends_on, plan.start_time) if plan.ends_on else None
    dates = rrule(
        WEEKLY,
        interval=plan.every_weeks,
        byweekday=[weekday(day) for day in sorted(plan.weekdays)],
        dtstart=first,
        until=last,
    )
    length = datetime.combine(date.min, plan.end_time) - datetime.combine(date.min, plan.start_time)
    # A day either side: the window's ends are moments, the rule's dates are local.
    low = after.astimezone(zone).replace(tzinfo=None) - timedelta(days=1)
    high = before.astimezone(zone).replace(tzinfo=None) + timedelta(days=1)
    found = []
    for local in dates.between(low, high, inc=True):
        if local.date() in exceptions:
            continue
        starts_at = local.replace(tzinfo=zone).astimezone(UTC)
        if after < starts_at < before:
            ends_at = (local + length).replace(tzinfo=zone).astimezone(UTC)
            found.append(Occurrence(local.date(), starts_at, ends_at))
    return found


async def rule_of(session: AsyncSession, activity_id: int) -> RotaRule | None:
    return await session.scalar(select(RotaRule).where(RotaRule.activity_id == activity_id))


async def lock_rule(session: AsyncSession, rule_id: int) -> None:
    """Hold the rule's row for the rest of the transaction (PostgreSQL; SQLite has one writer
    anyway), so making its dates and taking its standing slot take turns: a slot taken while a
    date is being made then sees that date's shift, or the date sees the slot."""
    await session.execute(select(RotaRule.id).where(RotaRule.id == rule_id).with_for_update())


async def exceptions_of(session: AsyncSession, rule_id: int) -> set[date]:
    return set(
        await session.scalars(select(RotaException.day).where(RotaException.rule_id == rule_id))
    )


async def last_shift(session: AsyncSession, activity: Activity) -> Shift:
    """The activity's latest shift not cancelled: a new rule starts from its hours and places."""
    shift = await session.scalar(
        select(Shift)
        .where(Shift.activity_id == activity.id, Shift.status != ShiftStatus.CANCELLED)
        .order_by(Shift.starts_at.desc(), Shift.id.desc())
        .limit(1)
    )
    if shift is None:
        raise Conflict("no_upcoming_shifts")
    return shift


async def save_rule(
    session: AsyncSession, activity: Activity, plan: RulePlan, *, actor: int, now: datetime
) -> RotaRule:
    """Make the activity recurring, or change its rule: dates already made stay as they are
    (their shifts may have people on them); dates not yet made follow the new rule."""
    check_plan(plan)
    rule = await rule_of(session, activity.id)
    before = None if rule is None else _fields(rule)
    if rule is None:
        rule = RotaRule(activity_id=activity.id, created_at=now)
        session.add(rule)
    rule.weekdays = mask(plan.weekdays)
    rule.every_weeks = plan.every_weeks
    rule.starts_on = plan.starts_on
    rule.ends_on = plan.ends_on
    rule.start_time = plan.start_time
    rule.end_time = plan.end_time
    rule.capacity = plan.capacity
    rule.updated_at = now
    await session.flush()
    audit.record(
        session,
        actor,
        "activity.rota_save",
        ("activity", activity.id),
        now,
        before=before,
        after=_fields(rule),
    )
    return rule


def _fields(rule: RotaRule) -> dict[str, object]:
    return {
        "activity_id": rule.activity_id,
        "weekdays": rule.weekdays,
        "every_weeks": rule.every_weeks,
        "starts_on": rule.starts_on.isoformat(),
        "ends_on": rule.ends_on.isoformat() if rule.ends_on else None,
        "hours": f"{rule.start_time:%H:%M}-{rule.end_time:%H:%M}",
        "capacity": rule.capacity,
    }


async def add_exception(
    session: AsyncSession, rule: RotaRule, day: date, *, actor: int, now: datetime
) -> int | None:
    """Skip `day` from now on; the id of that day's shift when it was made already (and is
    not cancelled), for the caller to cancel and tell its people."""
    if day.weekday() not in days_of(rule.weekdays):
        raise InvalidInput("rota_day_not_on_rota")
    await session.execute(
        upsert(session, RotaException)
        .values(rule_id=rule.id, day=day, created_at=now)
        .on_conflict_do_nothing()
    )
    audit.record(
        session,
        actor,
        "activity.rota_exception",
        ("activity", rule.activity_id),
        now,
        after={"day": day.isoformat()},
    )
    return await session.scalar(
        select(Shift.id)
        .join(RotaOccurrence, RotaOccurrence.shift_id == Shift.id)
        .where(
            RotaOccurrence.rule_id == rule.id,
            RotaOccurrence.day == day,
            Shift.status != ShiftStatus.CANCELLED,
            Shift.starts_at > now,
        )
    )
