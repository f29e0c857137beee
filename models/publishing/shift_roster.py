"""A shift's roster as coordinators see and export it: everyone confirmed, offered, waiting or
marked a no-show, with their phone number, check-in times and how they checked in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities import places
from models.activities.tables import CheckinMethod, ServiceRecord, Shift, Signup, SignupStatus
from models.registration.tables import Volunteer

ON_ROSTER = (
    SignupStatus.CONFIRMED,
    SignupStatus.OFFERED,
    SignupStatus.WAITING,
    SignupStatus.NO_SHOW,
)
# Confirmed first, then offers, the waiting list in its order, and no-shows last.
_ORDER = case(*((Signup.status == status, rank) for rank, status in enumerate(ON_ROSTER)))


@dataclass(frozen=True)
class Entry:
    shift: Shift
    signup: Signup
    volunteer: Volunteer
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    checkin_method: CheckinMethod | None


async def roster(session: AsyncSession, shift_ids: list[int]) -> list[Entry]:
    rows = await session.execute(
        select(
            Shift,
            Signup,
            Volunteer,
            ServiceRecord.checked_in_at,
            ServiceRecord.checked_out_at,
            ServiceRecord.checkin_method,
        )
        .join(Signup, Signup.shift_id == Shift.id)
        .join(Volunteer, Volunteer.id == Signup.volunteer_id)
        .outerjoin(ServiceRecord, ServiceRecord.signup_id == Signup.id)
        .where(Shift.id.in_(shift_ids), Signup.status.in_(ON_ROSTER))
        .order_by(Shift.starts_at, Shift.id, _ORDER, Signup.queued_at, Signup.id)
    )
    return [Entry(*row) for row in rows]


async def recipients(session: AsyncSession, shift_id: int) -> list[Volunteer]:
    """Everyone a message to the shift reaches: those holding or waiting for a place."""
    return list(
        await session.scalars(
            select(Volunteer)
            .join(Signup, Signup.volunteer_id == Volunteer.id)
            .where(
                Signup.shift_id == shift_id,
                Signup.status.in_(places.ACTIVE),
                Volunteer.telegram_id.is_not(None),
                Volunteer.reachable.is_(True),
            )
            .order_by(Signup.id)
        )
    )
