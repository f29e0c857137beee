"""What a coordinator does with a shift's attendance once it has started: mark people present
(the roster way in, for those who could not check in themselves) or absent, confirm the hours
recorded, change them with a reason, or add honour hours with a reason. Only confirmed hours
count toward a volunteer's total, stars and certificate.

The scheduler marks as no-shows those who held a place and never checked in by the time the
check-in window closed; a coordinator can correct that by marking them present. Every change is
in the audit log with its before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.activities.tables import (
    CheckinMethod,
    ServiceRecord,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
)
from models.attendance import checkin
from models.attendance.checkin import AttendancePolicy
from models.errors import Conflict, InvalidInput, NotAllowed
from models.numbers import decimal_number, typed, whole_number
from models.registration.tables import Volunteer
from models.training import qualifications
from models.visible_text import visible

ON_ROSTER = (SignupStatus.CONFIRMED, SignupStatus.NO_SHOW)
MAX_MINUTES = 24 * 60  # no shift record is more than a day


@dataclass(frozen=True)
class Line:
    """One person on a shift's attendance roster."""

    signup: Signup
    volunteer: Volunteer
    record: ServiceRecord | None


async def roster(session: AsyncSession, shift_id: int) -> list[Line]:
    """The shift's people by name; those erased (no name) last, on either database (SQLite
    would put them first, PostgreSQL last)."""
    rows = await session.execute(
        select(Signup, Volunteer, ServiceRecord)
        .join(Volunteer, Volunteer.id == Signup.volunteer_id)
        .outerjoin(ServiceRecord, ServiceRecord.signup_id == Signup.id)
        .where(Signup.shift_id == shift_id, Signup.status.in_(ON_ROSTER))
        .order_by(Volunteer.full_name.asc().nulls_last(), Signup.id)
    )
    return [Line(signup, volunteer, record) for signup, volunteer, record in rows]


async def _on_roster(
    session: AsyncSession, signup_id: int, *, now: datetime
) -> tuple[Signup, Shift]:
    signup = await session.get(Signup, signup_id)
    if signup is None or signup.status not in ON_ROSTER:
        raise NotAllowed("not_on_roster")
    shift = await session.get(Shift, signup.shift_id)
    assert shift is not None
    if now < shift.starts_at:
        raise NotAllowed("shift_not_started", starts=shift.starts_at)
    return signup, shift


def _state(signup: Signup, record: ServiceRecord | None) -> dict[str, object]:
    return {
        "status": signup.status,
        "credited_minutes": record.credited_minutes if record else 0,
        "honour_minutes": record.honour_minutes if record else 0,
        "confirmed": bool(record and record.confirmed_at),
    }


def _audit(
    session: AsyncSession,
    actor: int,
    action: str,
    signup: Signup,
    before: dict[str, object],
    after: dict[str, object],
    now: datetime,
) -> None:
    audit.record(session, actor, action, signup, now, before=before, after=after)


async def _count_no_show(session: AsyncSession, signup: Signup, change: int) -> None:
    volunteer = await session.get(Volunteer, signup.volunteer_id)
    assert volunteer is not None
    volunteer.no_show_count = max(0, volunteer.no_show_count + change)


async def mark_present(
    session: AsyncSession, *, actor: int, signup_id: int, now: datetime, policy: AttendancePolicy
) -> ServiceRecord:
    """The coordinator saw them there: the whole shift is recorded (and a no-show undone);
    confirming is a separate step."""
    signup, shift = await _on_roster(session, signup_id, now=now)
    record = await checkin.record_of(session, signup.id)
    if record is not None and record.checked_in_at is not None:
        raise Conflict("already_checked_in", at=record.checked_in_at)
    before = _state(signup, record)
    if signup.status == SignupStatus.NO_SHOW:
        signup.status = SignupStatus.CONFIRMED
        signup.updated_at = now
        await _count_no_show(session, signup, -1)
    if record is None:
        record = ServiceRecord(signup_id=signup.id)
        session.add(record)
    record.checked_in_at, record.checked_out_at = shift.starts_at, shift.ends_at
    record.checkin_method = CheckinMethod.ROSTER
    credited = checkin.credit(shift.starts_at, shift.ends_at, shift, policy)
    record.credited_minutes, record.flagged = credited.minutes, credited.flagged
    await session.flush()
    _audit(session, actor, "attendance.mark_present", signup, before, _state(signup, record), now)
    return record


async def mark_absent(session: AsyncSession, *, actor: int, signup_id: int, now: datetime) -> None:
    """The coordinator says they did not come: a no-show (refused for someone who checked in:
    change their hours instead)."""
    signup, _ = await _on_roster(session, signup_id, now=now)
    record = await checkin.record_of(session, signup.id)
    if record is not None and record.checked_in_at is not None:
        raise Conflict("checked_in_not_absent", at=record.checked_in_at)
    if signup.status == SignupStatus.NO_SHOW:
        raise Conflict("already_no_show")
    before = _state(signup, record)
    signup.status = SignupStatus.NO_SHOW
    signup.updated_at = now
    await _count_no_show(session, signup, +1)
    _audit(session, actor, "attendance.mark_absent", signup, before, _state(signup, record), now)


async def _recorded(session: AsyncSession, signup_id: int) -> tuple[Signup, ServiceRecord]:
    signup = await session.get(Signup, signup_id)
    record = await checkin.record_of(session, signup_id)
    if signup is None or record is None or record.checked_out_at is None:
        raise NotAllowed("hours_not_recorded")
    return signup, record


async def _confirm(
    session: AsyncSession, signup: Signup, record: ServiceRecord, actor: int, now: datetime
) -> None:
    """Confirmed hours count; those of a training session also earn its course's qualification."""
    record.confirmed_by, record.confirmed_at = actor, now
    await qualifications.qualify_by_attendance(session, signup, record, actor=actor, now=now)


async def confirm(
    session: AsyncSession, *, actor: int, signup_id: int, now: datetime
) -> ServiceRecord:
    """The coordinator confirms the recorded hours (a flagged record too: that is their call)."""
    signup, record = await _recorded(session, signup_id)
    if record.confirmed_at is not None:
        raise Conflict("already_confirmed")
    before = _state(signup, record)
    await _confirm(session, signup, record, actor, now)
    _audit(session, actor, "hours.confirm", signup, before, _state(signup, record), now)
    return record


async def confirm_all(
    session: AsyncSession, *, actor: int, shift_id: int, now: datetime
) -> list[Signup]:
    """Confirm every recorded, unflagged, unconfirmed record of the shift; the flagged ones wait
    for a look each. The sign-ups whose hours were confirmed."""
    confirmed = []
    for line in await roster(session, shift_id):
        record = line.record
        if record is None or record.checked_out_at is None:
            continue
        if record.flagged or record.confirmed_at is not None:
            continue
        await confirm(session, actor=actor, signup_id=line.signup.id, now=now)
        confirmed.append(line.signup)
    return confirmed


def parse_hours(text: str) -> int:
    """Minutes from hours as a coordinator types them: `2.5`, `2,5`, `2:30` or `3`."""
    whole, colon, part = typed(text).partition(":")
    if colon:
        hours, minutes = whole_number(whole, digits=2), whole_number(part, digits=2)
        if hours is None or minutes is None or len(part.strip()) != 2 or minutes >= 60:
            raise InvalidInput("hours_format")
        return _minutes(hours * 60 + minutes)
    number = decimal_number(text)
    if number is None:
        raise InvalidInput("hours_format")
    return _minutes(round(number * 60))


def _reason(reason: str) -> str:
    reason = visible(reason).strip()
    if not reason:
        raise InvalidInput("reason_needed")
    return reason[:500]


def _minutes(minutes: int) -> int:
    if not 0 <= minutes <= MAX_MINUTES:
        raise InvalidInput("hours_out_of_range")
    return minutes


async def adjust(
    session: AsyncSession, *, actor: int, signup_id: int, minutes: int, reason: str, now: datetime
) -> ServiceRecord:
    """The coordinator sets the credited time, with a reason; that confirms it."""
    minutes, reason = _minutes(minutes), _reason(reason)
    signup, record = await _recorded(session, signup_id)
    before = _state(signup, record)
    record.credited_minutes = minutes
    record.flagged = False
    record.note = reason
    await _confirm(session, signup, record, actor, now)
    after = {**_state(signup, record), "reason": reason}
    _audit(session, actor, "hours.adjust", signup, before, after, now)
    return record


async def add_honour(
    session: AsyncSession, *, actor: int, signup_id: int, minutes: int, reason: str, now: datetime
) -> ServiceRecord:
    """Honour hours on top of what was measured (training, preparation…), with a reason; kept
    apart from credited hours. The coordinator has looked at the record: it is confirmed."""
    minutes, reason = _minutes(minutes), _reason(reason)
    if minutes == 0:
        raise InvalidInput("hours_out_of_range")
    signup, _ = await _on_roster(session, signup_id, now=now)
    record = await checkin.record_of(session, signup.id)
    before = _state(signup, record)
    if record is None:
        record = ServiceRecord(signup_id=signup.id, credited_minutes=0)
        session.add(record)
    record.honour_minutes = (record.honour_minutes or 0) + minutes
    record.note = reason
    await _confirm(session, signup, record, actor, now)
    await session.flush()
    after = {**_state(signup, record), "reason": reason}
    _audit(session, actor, "hours.honour", signup, before, after, now)
    return record


# ---- no-shows, marked by the scheduler ----------------------------------------------------


async def mark_no_shows(
    session: AsyncSession, *, now: datetime, policy: AttendancePolicy, limit: int = 500
) -> list[Signup]:
    """Those who held a place and never checked in, once the shift's check-in window has
    closed, are no-shows (which counts toward the sign-up block)."""
    checked_in = exists().where(
        ServiceRecord.signup_id == Signup.id, ServiceRecord.checked_in_at.is_not(None)
    )
    due = await session.scalars(
        select(Signup)
        .join(Shift, Shift.id == Signup.shift_id)
        .where(
            Signup.status == SignupStatus.CONFIRMED,
            Shift.status != ShiftStatus.CANCELLED,
            Shift.ends_at <= now - policy.closes_after,
            ~checked_in,
        )
        .order_by(Signup.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Signup)
    )
    marked = list(due)
    for signup in marked:
        signup.status = SignupStatus.NO_SHOW
        signup.updated_at = now
        await _count_no_show(session, signup, +1)
        audit.record(session, None, "attendance.no_show", signup, now)
    return marked
