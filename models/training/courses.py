"""Courses as admins and coordinators run them (/courses): creating one, naming the activities that
are its training sessions and those that require it, and when it next runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.activities.tables import Activity, ActivityStatus, Shift, ShiftStatus
from models.errors import Conflict, InvalidInput
from models.numbers import whole_number
from models.training.tables import Course, CourseRequirement, TrainingSession
from models.visible_text import visible

NAME_MAX = 128
DESCRIPTION_MAX = 1000
VALIDITY_MAX_MONTHS = 120
# What a coordinator types for a course whose qualification never expires.
NO_EXPIRY = frozenset({"0", "-", "none", "never", "无", "不限", "长期", "永久"})


def course_name(text: str) -> str:
    name = visible(text).strip()
    if not name:
        raise InvalidInput("course_name_empty")
    if len(name) > NAME_MAX:
        raise InvalidInput("course_name_too_long", max=NAME_MAX)
    return name


def validity(text: str) -> int | None:
    """Months a qualification lasts, as typed: a whole number, or none (it never expires)."""
    typed = visible(text).strip().lower()
    if typed in NO_EXPIRY:
        return None
    months = whole_number(typed, digits=3)
    if months is None or not 0 < months <= VALIDITY_MAX_MONTHS:
        raise InvalidInput("course_validity", max=VALIDITY_MAX_MONTHS)
    return months


async def create(
    session: AsyncSession,
    *,
    name: str,
    description: str,
    validity_months: int | None,
    actor: int,
    now: datetime,
) -> Course:
    name = course_name(name)
    if await session.scalar(select(Course.id).where(Course.name == name)) is not None:
        raise Conflict("course_exists", name=name)
    course = Course(
        name=name,
        description=visible(description).strip()[:DESCRIPTION_MAX],
        validity_months=validity_months,
        created_by=actor,
        created_at=now,
    )
    session.add(course)
    await session.flush()
    after = {"name": name, "validity_months": validity_months}
    audit.record(session, actor, "course.create", course, now, after=after)
    return course


async def courses(session: AsyncSession) -> list[Course]:
    return list(await session.scalars(select(Course).order_by(Course.name)))


async def course(session: AsyncSession, course_id: int) -> Course:
    found = await session.get(Course, course_id)
    if found is None:
        raise Conflict("course_gone")
    return found


async def next_session(session: AsyncSession, course_id: int, *, now: datetime) -> datetime | None:
    """When the course next runs: the earliest open shift, not yet started, of its published
    training sessions."""
    return await session.scalar(
        select(func.min(Shift.starts_at))
        .join(Activity, Activity.id == Shift.activity_id)
        .join(TrainingSession, TrainingSession.activity_id == Activity.id)
        .where(
            TrainingSession.course_id == course_id,
            Activity.status == ActivityStatus.PUBLISHED,
            Shift.status == ShiftStatus.OPEN,
            Shift.starts_at > now,
        )
    )


async def links(session: AsyncSession, course_id: int) -> tuple[list[Activity], list[Activity]]:
    """The course's training sessions, and the activities that require it."""
    sessions = await session.scalars(
        select(Activity)
        .join(TrainingSession, TrainingSession.activity_id == Activity.id)
        .where(TrainingSession.course_id == course_id)
        .order_by(Activity.title)
    )
    requiring = await session.scalars(
        select(Activity)
        .join(CourseRequirement, CourseRequirement.activity_id == Activity.id)
        .where(CourseRequirement.course_id == course_id)
        .order_by(Activity.title)
    )
    return list(sessions), list(requiring)


async def toggle_session(
    session: AsyncSession, course: Course, activity: Activity, *, actor: int, now: datetime
) -> bool:
    """Make the activity a session of the course, or stop it being one (an activity is a session
    of one course at most: choosing another course moves it). Whether it is one now."""
    current = await session.get(TrainingSession, activity.id)
    if await session.get(CourseRequirement, (activity.id, course.id)) is not None:
        raise Conflict("session_cannot_require")
    linked = current is None or current.course_id != course.id
    if current is not None:
        await session.delete(current)
        await session.flush()
    if linked:
        session.add(TrainingSession(activity_id=activity.id, course_id=course.id))
    await _audit_link(session, "course.session", course, activity, linked, actor, now)
    return linked


async def toggle_requirement(
    session: AsyncSession, course: Course, activity: Activity, *, actor: int, now: datetime
) -> bool:
    """Make the activity require the course, or stop requiring it (never a session of the
    course itself: nobody could sign up for it). Whether it requires it now."""
    current = await session.get(TrainingSession, activity.id)
    if current is not None and current.course_id == course.id:
        raise Conflict("session_cannot_require")
    found = await session.get(CourseRequirement, (activity.id, course.id))
    if found is not None:
        await session.delete(found)
    else:
        session.add(CourseRequirement(activity_id=activity.id, course_id=course.id))
    await _audit_link(session, "course.require", course, activity, found is None, actor, now)
    return found is None


async def _audit_link(
    session: AsyncSession,
    action: str,
    course: Course,
    activity: Activity,
    linked: bool,
    actor: int,
    now: datetime,
) -> None:
    await session.flush()
    after = {"course_id": course.id, "linked": linked}
    audit.record(session, actor, action, activity, now, after=after)
