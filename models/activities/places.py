"""A shift's places: the lock every change of who holds one takes first, how many are held, a
volunteer's place in the waiting list, and each shift's places held and people waiting (what the
cards and the coordinators' alerts show); a volunteer's upcoming sign-ups.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models.activities.tables import Activity, Shift, ShiftStatus, Signup, SignupStatus
from models.db import dialect, writes_already
from models.driver import OnDriver
from models.errors import Conflict

HOLDS_PLACE = (SignupStatus.CONFIRMED, SignupStatus.OFFERED)
ACTIVE = (SignupStatus.CONFIRMED, SignupStatus.OFFERED, SignupStatus.WAITING)


async def lock_shift(session: AsyncSession, shift_id: int) -> Shift:
    """The shift, locked for the rest of the transaction (row lock on PostgreSQL; on SQLite
    the database's write lock, taken before anything is read: by a no-op write, unless the
    transaction has written already, as an update's has: `inbox.settle`)."""
    if dialect(session) == "sqlite":
        if not await writes_already(session):
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


def _waiting_ahead(
    ahead: Any, shift_id: Any, queued_at: Any, signup_id: Any
) -> ColumnElement[bool]:
    """The sign-ups (`ahead`: `Signup` or an alias of it) waiting before one (its shift, queue
    time and id: values, or the columns of the sign-up a query is about)."""
    return and_(
        ahead.shift_id == shift_id,
        ahead.status == SignupStatus.WAITING,
        (ahead.queued_at < queued_at) | and_(ahead.queued_at == queued_at, ahead.id < signup_id),
    )


async def waiting_position(session: AsyncSession, signup: Signup) -> int:
    """1 for the first person waiting."""
    ahead = await session.scalar(
        select(func.count()).where(
            _waiting_ahead(Signup, signup.shift_id, signup.queued_at, signup.id)
        )
    )
    return (ahead or 0) + 1


def places_of(
    volunteer_id: int | BindParameter[int],
    statuses: Collection[SignupStatus],
    *,
    ends_after: datetime | BindParameter[datetime],
) -> Select[Signup, Shift, Activity]:
    """The query of the volunteer's sign-ups in `statuses` on shifts (not cancelled) that end
    after `ends_after`, with their shifts and activities, earliest first."""
    return (
        select(Signup, Shift, Activity)
        .join(Shift, Shift.id == Signup.shift_id)
        .join(Activity, Activity.id == Shift.activity_id)
        .where(
            Signup.volunteer_id == volunteer_id,
            # Each status bound on its own (`literal`): a list bound whole is written out anew
            # each time the query runs, and `models.driver` cannot run it.
            Signup.status.in_([literal(status, Signup.status.type) for status in statuses]),
            Shift.status != ShiftStatus.CANCELLED,
            Shift.ends_at > ends_after,
        )
        .order_by(Shift.starts_at, Shift.id)
    )


_AHEAD = aliased(Signup)  # made once: an alias made per query costs more than a statement


# /my and the dashboard run it on every request: on the driver (`models.driver`).
_UPCOMING = OnDriver(
    lambda _database: places_of(bindparam("volunteer"), ACTIVE, ends_after=bindparam("now")),
    entities=(Signup, Shift, Activity),
)


async def upcoming(
    session: AsyncSession, volunteer_id: int, now: datetime
) -> list[tuple[Signup, Shift, Activity, int | None]]:
    """The volunteer's places on shifts not yet over, soonest first, each with its position in
    the waiting list (None unless waiting). One query, and one more for the positions when
    they wait for any, however many (a correlated count in the first query would slow it for
    everyone, most of whom wait for none)."""
    found = await _UPCOMING.loaded(session, volunteer=volunteer_id, now=now)
    waiting = [mine.id for mine, _, _ in found if mine.status == SignupStatus.WAITING]
    positions: dict[int, int] = {}
    if waiting:
        ahead = (
            select(func.count() + 1)
            .where(_waiting_ahead(_AHEAD, Signup.shift_id, Signup.queued_at, Signup.id))
            .correlate(Signup)
            .scalar_subquery()
        )
        counted = await session.execute(select(Signup.id, ahead).where(Signup.id.in_(waiting)))
        positions = {signup_id: position for signup_id, position in counted}
    return [(mine, shift, activity, positions.get(mine.id)) for mine, shift, activity in found]


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
