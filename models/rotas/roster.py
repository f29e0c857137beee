"""The rota as coordinators read it: who covers which coming date, and where places are open;
and which of their activities recur."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities import places
from models.activities.places import HOLDS_PLACE, ShiftLoad
from models.activities.tables import Activity, ActivityStatus, Shift, ShiftStatus, Signup
from models.registration.tables import Volunteer
from models.rotas.tables import RotaOccurrence, RotaRule, StandingSlot


@dataclass(frozen=True)
class RotaDate:
    day: date
    shift: Shift
    load: ShiftLoad
    names: list[str]  # those holding a place, first come first

    @property
    def gap(self) -> int:
        return max(0, self.shift.capacity - self.load.held)


async def coming(
    session: AsyncSession, rule: RotaRule, *, now: datetime, limit: int = 30
) -> list[RotaDate]:
    """The rule's coming dates made into shifts, earliest first, with who covers each."""
    rows = (
        await session.execute(
            select(Shift, RotaOccurrence.day)
            .join(RotaOccurrence, RotaOccurrence.shift_id == Shift.id)
            .where(
                RotaOccurrence.rule_id == rule.id,
                Shift.status != ShiftStatus.CANCELLED,
                Shift.ends_at > now,
            )
            .order_by(Shift.starts_at)
            .limit(limit)
        )
    ).all()
    shift_ids = [shift.id for shift, _ in rows]
    loads = await places.loads(session, shift_ids)
    names: dict[int, list[str]] = defaultdict(list)
    held = await session.execute(
        select(Signup.shift_id, Volunteer.full_name)
        .join(Volunteer, Volunteer.id == Signup.volunteer_id)
        .where(Signup.shift_id.in_(shift_ids), Signup.status.in_(HOLDS_PLACE))
        .order_by(Signup.queued_at, Signup.id)
    )
    for shift_id, name in held:
        if name:
            names[shift_id].append(name)
    return [RotaDate(day, shift, loads[shift.id], names[shift.id]) for shift, day in rows]


async def holders(session: AsyncSession, rule_id: int) -> list[str]:
    """The names of the standing slot's holders, first come first."""
    found = await session.scalars(
        select(Volunteer.full_name)
        .join(StandingSlot, StandingSlot.volunteer_id == Volunteer.id)
        .where(StandingSlot.rule_id == rule_id, Volunteer.full_name.is_not(None))
        .order_by(StandingSlot.created_at, StandingSlot.id)
    )
    return [name for name in found if name]


async def recurring(session: AsyncSession, team_ids: Collection[int]) -> list[Activity]:
    """The teams' published activities that have a rule, by title."""
    return list(
        await session.scalars(
            select(Activity)
            .join(RotaRule, RotaRule.activity_id == Activity.id)
            .where(Activity.team_id.in_(team_ids), Activity.status == ActivityStatus.PUBLISHED)
            .order_by(Activity.title, Activity.id)
        )
    )
