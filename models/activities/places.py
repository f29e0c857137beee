"""A shift's places: the lock every change of who holds one takes first, how many are held, a
volunteer's place in the waiting list, and each shift's places held and people waiting (what the
cards and the coordinators' alerts show).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models.activities.tables import Activity, Shift, ShiftStatus, Signup, SignupStatus
from models.db import dialect
from models.errors import Conflict

HOLDS_PLACE = (SignupStatus.CONFIRMED, SignupStatus.OFFERED)
ACTIVE = (SignupStatus.CONFIRMED, SignupStatus.OFFERED, SignupStatus.WAITING)


async def lock_shift(session: AsyncSession, shift_id: int) -> Shift:
    """The shift, locked for the rest of the transaction (row lock on PostgreSQL; on SQLite a
    no-op write takes the database's write lock before anything is read)."""
    if dialect(session) == "sqlite":
        await session.execute(
            update(Shift).where(Shift.id == shift_id).values(capacity=Shift.capacity)
        )
        query = select(Shift).where(Shift.id == shift_id)
    else:
        query = select(Shift).where(Shift.id == shift_id).with_for_update()
    shift = await session.scalar(query.execution_options(populate_existing=True))
    if shift is None:
        raise Conflict("shift_gone")
    return shift


async def held_places(session: AsyncSession, shift_id: int) -> int:
    count = await session.scalar(
        select(func.count()).where(Signup.shift_id == shift_id, Signup.status.in_(HOLDS_PLACE))
    )
    return count or 0


def _waiting_ahead(shift_id: Any, queued_at: Any, signup_id: Any) -> ColumnElement[bool]:
    """The sign-ups waiting before one (its shift, queue time and id: values or columns)."""
    return and_(
        Signup.shift_id == shift_id,
        Signup.status == SignupStatus.WAITING,
        (Signup.queued_at < queued_at) | and_(Signup.queued_at == queued_at, Signup.id < signup_id),
    )


async def waiting_position(session: AsyncSession, signup: Signup) -> int:
    """1 for the first person waiting."""
    ahead = await session.scalar(
        select(func.count()).where(_waiting_ahead(signup.shift_id, signup.queued_at, signup.id))
    )
    return (ahead or 0) + 1


async def upcoming(
    session: AsyncSession, volunteer_id: int, now: datetime
) -> list[tuple[Signup, Shift, Activity, int | None]]:
    """The volunteer's places on shifts not yet over, soonest first, each with its position in
    the waiting list (None unless waiting): one query, however many they wait for."""
    mine = aliased(Signup)
    position = (
        select(func.count() + 1)
        .where(_waiting_ahead(mine.shift_id, mine.queued_at, mine.id))
        .correlate(mine)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(mine, Shift, Activity, case((mine.status == SignupStatus.WAITING, position)))
        .join(Shift, Shift.id == mine.shift_id)
        .join(Activity, Activity.id == Shift.activity_id)
        .where(
            mine.volunteer_id == volunteer_id,
            mine.status.in_(ACTIVE),
            Shift.status != ShiftStatus.CANCELLED,
            Shift.ends_at > now,
        )
        .order_by(Shift.starts_at)
    )
    return [(row[0], row[1], row[2], row[3]) for row in rows]


@dataclass(frozen=True)
class ShiftLoad:
    held: int
    waiting: int


async def loads(session: AsyncSession, shift_ids: list[int]) -> dict[int, ShiftLoad]:
    """Places held and people waiting, per shift, in one query."""
    held = func.count().filter(Signup.status.in_(HOLDS_PLACE))
    waiting = func.count().filter(Signup.status == SignupStatus.WAITING)
    rows = await session.execute(
        select(Signup.shift_id, held, waiting)
        .where(Signup.shift_id.in_(shift_ids))
        .group_by(Signup.shift_id)
    )
    found = {shift_id: ShiftLoad(h, w) for shift_id, h, w in rows}
    return {shift_id: found.get(shift_id, ShiftLoad(0, 0)) for shift_id in shift_ids}
