"""Changing a published activity: its title, description and address, and a shift's times or
number of places. Each change is checked, written with an audit row, and marks the activity's
group cards for a fresh figure; changes volunteers must hear of return whom to tell.

Cancelling is in `publication.cancel_shifts`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.activities import groups, places, signup
from models.activities.places import ACTIVE
from models.activities.signup import SignupPolicy, Vacancy
from models.activities.tables import Activity, ActivityStatus, Shift, ShiftStatus
from models.errors import Conflict, InvalidInput
from models.publishing import activity_input, publication
from models.publishing.publication import Affected, ShiftPlan
from models.reminders import before_shift
from models.visible_text import visible


async def upcoming_shifts(session: AsyncSession, activity: Activity, now: datetime) -> list[Shift]:
    """The shifts that can still be changed or cancelled: not cancelled and not yet started."""
    return [
        shift
        for shift in await publication.shifts_of(session, activity.id)
        if shift.status != ShiftStatus.CANCELLED and shift.starts_at > now
    ]


# ---- the activity --------------------------------------------------------------------------


async def change_title(
    session: AsyncSession, activity: Activity, title: str, *, actor: int, now: datetime
) -> None:
    title = activity_input.text(title, max_chars=activity_input.TITLE_MAX_CHARS, code="title")
    await _change(session, activity, "title", title, actor=actor, now=now)


async def change_description(
    session: AsyncSession, activity: Activity, description: str, *, actor: int, now: datetime
) -> None:
    description = visible(description).strip()
    if len(description) > activity_input.DESCRIPTION_MAX_CHARS:
        raise InvalidInput("description_too_long", max=activity_input.DESCRIPTION_MAX_CHARS)
    await _change(session, activity, "description", description, actor=actor, now=now)


async def change_address(
    session: AsyncSession, activity: Activity, address: str, *, actor: int, now: datetime
) -> list[Affected]:
    """A new meeting place; returns everyone on an upcoming shift, who must be told. A typed
    address is no longer the station's: the activity leaves its station."""
    address = activity_input.text(
        address, max_chars=activity_input.ADDRESS_MAX_CHARS, code="address"
    )
    await _change(session, activity, "address", address, actor=actor, now=now)
    activity.station_id = None
    upcoming = await upcoming_shifts(session, activity, now)
    for shift in upcoming:
        shift.sequence += 1  # the place changed: calendars take the new version of the event
    return await publication.affected_by(session, [shift.id for shift in upcoming], ACTIVE)


async def _change(
    session: AsyncSession, activity: Activity, name: str, value: str, *, actor: int, now: datetime
) -> None:
    if activity.status == ActivityStatus.CANCELLED:
        raise Conflict("activity_cancelled")
    before = getattr(activity, name)
    setattr(activity, name, value)
    activity.updated_at = now
    audit.record(
        session,
        actor,
        f"activity.{name}",
        activity,
        now,
        before={name: before},
        after={name: value},
    )
    await groups.mark_activity_stale(session, activity.id)


# ---- one shift ------------------------------------------------------------------------------


async def _changeable_shift(
    session: AsyncSession, activity: Activity, shift_id: int, now: datetime
) -> Shift:
    """The activity's shift, locked; refused when cancelled or already started."""
    if activity.status == ActivityStatus.CANCELLED:
        raise Conflict("activity_cancelled")
    shift = await places.lock_shift(session, shift_id)
    if shift.activity_id != activity.id:
        raise Conflict("shift_gone")
    if shift.status == ShiftStatus.CANCELLED:
        raise Conflict("shift_cancelled")
    if shift.starts_at <= now:
        raise Conflict("shift_already_started")
    return shift


async def change_shift_times(
    session: AsyncSession,
    activity: Activity,
    shift_id: int,
    starts_at: datetime,
    ends_at: datetime,
    *,
    actor: int,
    now: datetime,
) -> list[Affected]:
    """Move a shift; returns everyone confirmed, offered or waiting on it, who must be told."""
    shift = await _changeable_shift(session, activity, shift_id, now)
    publication.check_shift(ShiftPlan(starts_at, ends_at, shift.capacity), now=now)
    if activity.signup_deadline is not None:
        others = [
            other.starts_at
            for other in await publication.shifts_of(session, activity.id)
            if other.id != shift.id and other.status != ShiftStatus.CANCELLED
        ]
        if activity.signup_deadline > max([starts_at, *others]):
            raise InvalidInput("deadline_after_shifts")
    before = {"starts_at": shift.starts_at.isoformat(), "ends_at": shift.ends_at.isoformat()}
    shift.starts_at, shift.ends_at = starts_at, ends_at
    shift.sequence += 1
    activity.updated_at = now
    audit.record(
        session,
        actor,
        "shift.reschedule",
        shift,
        now,
        before=before,
        after={"starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()},
    )
    await groups.mark_stale(session, shift.id)
    await before_shift.follow_shift(session, shift, now=now)
    await session.flush()
    return await publication.affected_by(session, [shift.id], ACTIVE)


async def change_capacity(
    session: AsyncSession,
    activity: Activity,
    shift_id: int,
    capacity: int,
    *,
    actor: int,
    now: datetime,
    policy: SignupPolicy,
) -> Vacancy:
    """Set a shift's number of places: never below the places already held; places added are
    offered to the people waiting, first come first (the returned vacancy)."""
    shift = await _changeable_shift(session, activity, shift_id, now)
    if not 1 <= capacity <= activity_input.CAPACITY_MAX:
        raise InvalidInput("capacity_invalid", low=1, high=activity_input.CAPACITY_MAX)
    held = await places.held_places(session, shift.id)
    if capacity < held:
        raise InvalidInput("capacity_below_held", held=held)
    before = shift.capacity
    shift.capacity = capacity
    activity.updated_at = now
    audit.record(
        session,
        actor,
        "shift.capacity",
        shift,
        now,
        before={"capacity": before},
        after={"capacity": capacity},
    )
    await groups.mark_stale(session, shift.id)
    await session.flush()
    if capacity <= before:
        return Vacancy(shift, [], 0)
    return await signup.fill_places(session, shift, now=now, policy=policy)


async def shift_of(session: AsyncSession, activity: Activity, shift_id: int) -> Shift:
    """One of the activity's shifts (for showing it; changes lock it themselves)."""
    shift = await session.scalar(
        select(Shift).where(Shift.id == shift_id, Shift.activity_id == activity.id)
    )
    if shift is None:
        raise Conflict("shift_gone")
    return shift
