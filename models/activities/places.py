"""A shift's places: the lock every change of who holds one takes first, how many are held, a
volunteer's place in the waiting list, and each shift's places held and people waiting (what the
cards and the coordinators' alerts show); a volunteer's upcoming sign-ups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

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


async def waiting_position(session: AsyncSession, signup: Signup) -> int:
    """1 for the first person waiting."""
    ahead = await session.scalar(
        select(func.count()).where(
            Signup.shift_id == signup.shift_id,
            Signup.status == SignupStatus.WAITING,
            (Signup.queued_at < signup.queued_at)
            | and_(Signup.queued_at == signup.queued_at, Signup.id < signup.id),
        )
    )
    return (ahead or 0) + 1


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


async def upcoming(
    session: AsyncSession,
    volunteer_id: int,
    *,
    ending_after: datetime,
    statuses: Sequence[SignupStatus] = ACTIVE,
    limit: int | None = None,
) -> list[tuple[Signup, Shift, Activity]]:
    """The volunteer's sign-ups (active ones unless told) for shifts not cancelled that end
    after `ending_after`, soonest first (/my, the calendar feed, the dashboard)."""
    rows = await session.execute(
        select(Signup, Shift, Activity)
        .join(Shift, Shift.id == Signup.shift_id)
        .join(Activity, Activity.id == Shift.activity_id)
        .where(
            Signup.volunteer_id == volunteer_id,
            Signup.status.in_(statuses),
            Shift.status != ShiftStatus.CANCELLED,
            Shift.ends_at > ending_after,
        )
        .order_by(Shift.starts_at, Shift.id)
        .limit(limit)
    )
    return [(row[0], row[1], row[2]) for row in rows]
