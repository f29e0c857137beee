"""Presence at the venue: a volunteer checks in to a shift they hold a place on, and checks out
when they leave; the times become their service record.

A check-in plans a reminder to check out shortly after the shift ends (someone who walks off
without checking out would otherwise lose the hours); checking out cancels it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit, reminders
from models.activity import ServiceRecord, Shift, Signup
from models.errors import Conflict, NotAllowed
from models.volunteer import Volunteer

METHODS = ("code", "location", "roster")


@dataclass(frozen=True)
class AttendancePolicy:
    """The deployment's presence rules (see the settings)."""

    checkout_reminder: timedelta = timedelta(minutes=30)  # after the shift's end


async def _own(session: AsyncSession, volunteer: Volunteer, signup_id: int) -> Signup:
    signup = await session.get(Signup, signup_id)
    if signup is None or signup.volunteer_id != volunteer.id:
        raise NotAllowed("not_your_signup")
    return signup


async def record_of(session: AsyncSession, signup_id: int) -> ServiceRecord | None:
    return await session.scalar(select(ServiceRecord).where(ServiceRecord.signup_id == signup_id))


async def check_in(
    session: AsyncSession,
    volunteer: Volunteer,
    signup_id: int,
    *,
    now: datetime,
    method: str,
    policy: AttendancePolicy,
) -> ServiceRecord:
    """Record that the volunteer arrived; refused without a place on the shift, or twice."""
    assert method in METHODS, method
    signup = await _own(session, volunteer, signup_id)
    if signup.status != "confirmed":
        raise NotAllowed("not_signed_up")
    record = await record_of(session, signup.id)
    if record is not None and record.checked_in_at is not None:
        raise Conflict("already_checked_in", at=record.checked_in_at)
    if record is None:
        record = ServiceRecord(signup_id=signup.id)
        session.add(record)
    record.checked_in_at = now
    record.checkin_method = method
    await session.flush()
    _audit(session, volunteer, record, "attendance.check_in", now)
    shift = await session.get(Shift, signup.shift_id)
    assert shift is not None
    await reminders.plan_checkout(session, signup.id, shift, after=policy.checkout_reminder)
    return record


async def check_out(
    session: AsyncSession, volunteer: Volunteer, signup_id: int, *, now: datetime
) -> ServiceRecord:
    """Record that the volunteer left; refused before a check-in, or twice."""
    signup = await _own(session, volunteer, signup_id)
    record = await record_of(session, signup.id)
    if record is None or record.checked_in_at is None:
        raise NotAllowed("not_checked_in")
    if record.checked_out_at is not None:
        raise Conflict("already_checked_out", at=record.checked_out_at)
    record.checked_out_at = max(now, record.checked_in_at)
    _audit(session, volunteer, record, "attendance.check_out", now)
    await reminders.drop_checkout(session, signup.id)
    return record


def _audit(
    session: AsyncSession, volunteer: Volunteer, record: ServiceRecord, action: str, now: datetime
) -> None:
    audit.record(
        session,
        actor=volunteer.telegram_id,
        action=action,
        target_type="service_record",
        target_id=record.id,
        at=now,
        after={"signup_id": record.signup_id, "method": record.checkin_method},
    )
