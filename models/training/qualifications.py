"""Volunteers' qualifications: earned by attending a course's training session (granted when a
coordinator confirms the hours), granted or withdrawn by a coordinator with a reason, and checked
when a volunteer signs up for (or accepts an offered place on) a shift that requires a course.

A qualification is valid on a day when it is not withdrawn and has not expired by then; the
sign-up check asks for it on the shift's start, so one that lapses before the shift does not
count. Every grant and withdrawal is in the audit log.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import cache

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    delete,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.activities.tables import ServiceRecord, Shift, Signup
from models.errors import Conflict, InvalidInput, NotAllowed
from models.registration.tables import Volunteer
from models.training import courses
from models.training.tables import Course, CourseRequirement, Qualification, TrainingSession
from models.visible_text import visible

REASON_MAX = 500


def valid_at(moment: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    """The qualification holds at `moment`: not withdrawn, not expired by then."""
    return and_(
        Qualification.withdrawn_at.is_(None),
        or_(Qualification.expires_at.is_(None), Qualification.expires_at > moment),
    )


def expiry(course: Course, start: datetime) -> datetime | None:
    if course.validity_months is None:
        return None
    return add_months(start, course.validity_months)


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later; the month's last day where it has fewer (31 Jan → 28 Feb)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(
        year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1])
    )


def is_valid(qualification: Qualification, moment: datetime) -> bool:
    return qualification.withdrawn_at is None and (
        qualification.expires_at is None or qualification.expires_at > moment
    )


# ---- the sign-up check ----------------------------------------------------------------------


async def require_qualified(
    session: AsyncSession, volunteer: Volunteer, shift: Shift, *, now: datetime
) -> None:
    """Refuse a volunteer who lacks a course the shift's activity requires (valid on the shift's
    start), naming the course and when it next runs. One query when nothing is missing."""
    held = exists().where(
        Qualification.volunteer_id == volunteer.id,
        Qualification.course_id == CourseRequirement.course_id,
        valid_at(shift.starts_at),
    )
    missing = await session.scalar(
        select(Course)
        .join(CourseRequirement, CourseRequirement.course_id == Course.id)
        .where(CourseRequirement.activity_id == shift.activity_id, ~held)
        .order_by(Course.name)
        .limit(1)
    )
    if missing is None:
        return
    runs = await courses.next_session(session, missing.id, now=now)
    if runs is None:
        raise NotAllowed("needs_course_unscheduled", course=missing.name)
    raise NotAllowed("needs_course", course=missing.name, runs=runs)


# ---- granting -------------------------------------------------------------------------------


async def _grant(
    session: AsyncSession,
    volunteer_id: int,
    course: Course,
    *,
    start: datetime,
    actor: int,
    now: datetime,
    signup_id: int | None,
    reason: str,
    action: str,
) -> Qualification:
    """Grant (or renew, or restore) the volunteer's qualification of the course."""
    qualification = await session.scalar(
        select(Qualification).where(
            Qualification.volunteer_id == volunteer_id, Qualification.course_id == course.id
        )
    )
    if qualification is None:
        qualification = Qualification(volunteer_id=volunteer_id, course_id=course.id)
        session.add(qualification)
    before = _state(qualification) if qualification.granted_at is not None else None
    qualification.granted_at, qualification.granted_by = now, actor
    qualification.expires_at = expiry(course, start)
    qualification.signup_id, qualification.reason = signup_id, reason
    qualification.withdrawn_at = qualification.withdrawn_by = None
    qualification.withdrawn_reason = None
    await session.flush()
    after = {**_state(qualification), "reason": reason} if reason else _state(qualification)
    audit.record(session, actor, action, qualification, now, before=before, after=after)
    return qualification


def _state(qualification: Qualification) -> dict[str, object]:
    expires = qualification.expires_at
    return {
        "volunteer_id": qualification.volunteer_id,
        "course_id": qualification.course_id,
        "expires_at": expires.isoformat() if expires else None,
        "withdrawn": qualification.withdrawn_at is not None,
    }


async def qualify_by_attendance(
    session: AsyncSession, signup: Signup, record: ServiceRecord, *, actor: int, now: datetime
) -> Qualification | None:
    """A coordinator confirmed the hours of someone present at a training session: they hold the
    course's qualification from the session's start (renewed if they held it). None when the
    shift is no session, or they were not there."""
    if record.checked_in_at is None:
        return None
    found = (
        await session.execute(
            select(Course, Shift.starts_at)
            .join(TrainingSession, TrainingSession.course_id == Course.id)
            .join(Shift, Shift.activity_id == TrainingSession.activity_id)
            .where(Shift.id == signup.shift_id)
        )
    ).first()
    if found is None:
        return None
    course, start = found
    earned = await session.scalar(
        select(Qualification).where(
            Qualification.signup_id == signup.id, Qualification.withdrawn_at.is_(None)
        )
    )
    if earned is not None:  # the hours changed again: the qualification stands as granted
        return earned
    return await _grant(
        session,
        signup.volunteer_id,
        course,
        start=start,
        actor=actor,
        now=now,
        signup_id=signup.id,
        reason="",
        action="qualification.attended",
    )


async def grant(
    session: AsyncSession,
    volunteer: Volunteer,
    course: Course,
    *,
    reason: str,
    actor: int,
    now: datetime,
) -> Qualification:
    """A coordinator grants the qualification by hand (trained elsewhere…), with a reason."""
    return await _grant(
        session,
        volunteer.id,
        course,
        start=now,
        actor=actor,
        now=now,
        signup_id=None,
        reason=checked_reason(reason),
        action="qualification.grant",
    )


async def withdraw(
    session: AsyncSession, qualification_id: int, *, reason: str, actor: int, now: datetime
) -> Qualification:
    """A coordinator withdraws a qualification, with a reason: it no longer counts."""
    reason = checked_reason(reason)
    qualification = await session.get(Qualification, qualification_id)
    if qualification is None or qualification.withdrawn_at is not None:
        raise Conflict("qualification_gone")
    before = _state(qualification)
    qualification.withdrawn_at, qualification.withdrawn_by = now, actor
    qualification.withdrawn_reason = reason
    after = {**_state(qualification), "reason": reason}
    audit.record(
        session, actor, "qualification.withdraw", qualification, now, before=before, after=after
    )
    return qualification


def checked_reason(text: str) -> str:
    """A grant's or withdrawal's reason, as typed: needed, and kept short."""
    reason = visible(text).strip()
    if not reason:
        raise InvalidInput("reason_needed")
    return reason[:REASON_MAX]


# ---- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    """A qualification as its holder (or a coordinator) reads it."""

    qualification: Qualification
    course: Course
    volunteer: Volunteer


@cache
def _held_by() -> Select[Qualification, Course, Volunteer]:
    """`held_by`'s statement, built once: /hours and /profile run it on every request."""
    return (
        select(Qualification, Course, Volunteer)
        .join(Course, Course.id == Qualification.course_id)
        .join(Volunteer, Volunteer.id == Qualification.volunteer_id)
        .where(
            Qualification.volunteer_id.in_(bindparam("volunteers", expanding=True)),
            valid_at(bindparam("now")),
        )
        .order_by(Course.name)
    )


async def held_by(
    session: AsyncSession, volunteer_ids: set[int], *, now: datetime
) -> dict[int, list[Held]]:
    """The valid qualifications of these volunteers, by volunteer, by course name."""
    if not volunteer_ids:
        return {}
    rows = await session.execute(_held_by(), {"volunteers": list(volunteer_ids), "now": now})
    found: dict[int, list[Held]] = {}
    for qualification, course, volunteer in rows:
        found.setdefault(volunteer.id, []).append(Held(qualification, course, volunteer))
    return found


async def holders(session: AsyncSession, course_id: int, *, now: datetime) -> list[Held]:
    """Who holds the course's qualification now, by name."""
    rows = await session.execute(
        select(Qualification, Course, Volunteer)
        .join(Course, Course.id == Qualification.course_id)
        .join(Volunteer, Volunteer.id == Qualification.volunteer_id)
        .where(Qualification.course_id == course_id, valid_at(now))
        .order_by(Volunteer.full_name, Qualification.id)
    )
    return [Held(qualification, course, volunteer) for qualification, course, volunteer in rows]


async def holders_count(session: AsyncSession, course_id: int, *, now: datetime) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Qualification)
        .where(Qualification.course_id == course_id, valid_at(now))
    )
    return int(count or 0)


async def granted_with(session: AsyncSession, signup_ids: list[int]) -> list[tuple[int, Held]]:
    """The qualifications these sign-ups' confirmations granted just now, by sign-up: those
    whose grant is the very moment the sign-up's hours were confirmed (a later change of the
    hours confirms again, at a later moment, and grants nothing new to tell)."""
    rows = await session.execute(
        select(Qualification, Course, Volunteer)
        .join(Course, Course.id == Qualification.course_id)
        .join(Volunteer, Volunteer.id == Qualification.volunteer_id)
        .join(ServiceRecord, ServiceRecord.signup_id == Qualification.signup_id)
        .where(
            Qualification.signup_id.in_(signup_ids),
            Qualification.withdrawn_at.is_(None),
            Qualification.granted_at == ServiceRecord.confirmed_at,
        )
    )
    return [
        (qualification.signup_id or 0, Held(qualification, course, volunteer))
        for qualification, course, volunteer in rows
    ]


async def listed(
    session: AsyncSession, volunteer_ids: list[int], *, zone: tzinfo
) -> dict[int, str]:
    """For the volunteers export: each volunteer's qualifications not withdrawn, by course name,
    with the local day each expires (`急救（至2028-01-06）`, `心理疏导（长期）`), joined with `、`.
    An expired one is listed too: the day tells the reader."""
    found = await session.execute(
        select(Qualification.volunteer_id, Course.name, Qualification.expires_at)
        .join(Course, Course.id == Qualification.course_id)
        .where(Qualification.volunteer_id.in_(volunteer_ids), Qualification.withdrawn_at.is_(None))
    )
    cells: dict[int, list[str]] = {}
    rows = sorted(found.all(), key=lambda row: (row[0], row[1]))  # one order on both databases
    for volunteer_id, name, expires in rows:
        until = f"至{expires.astimezone(zone):%Y-%m-%d}" if expires else "长期"
        cells.setdefault(volunteer_id, []).append(f"{name}（{until}）")
    return {volunteer_id: "、".join(names) for volunteer_id, names in cells.items()}


async def forget(session: AsyncSession, volunteer_id: int) -> list[int]:
    """An erased volunteer's qualifications go; the ids deleted (their audit states go too)."""
    ids = list(
        await session.scalars(
            select(Qualification.id).where(Qualification.volunteer_id == volunteer_id)
        )
    )
    await session.execute(
        delete(Qualification)
        .where(Qualification.volunteer_id == volunteer_id)
        .execution_options(synchronize_session=False)
    )
    return ids
