"""A small world for domain tests: teams, volunteers and published activities, made directly
through the models (no Telegram, no conversations)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities import signup
from models.activities.tables import Activity, Shift, Signup
from models.publishing import publication
from models.publishing.publication import ActivityPlan, ShiftPlan
from models.reference import Theme
from models.registration.tables import Volunteer
from models.teams import roles
from models.teams.tables import Team

# The tests' "now": the same moment as the `clock` fixture's ManualClock starts at.
NOW = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
COORDINATOR = 900_001
POLICY = signup.SignupPolicy()

_telegram_ids = itertools.count(10_001)
_team_names = itertools.count(1)


def at(days: float = 0, hours: float = 0) -> datetime:
    """A moment relative to NOW."""
    return NOW + timedelta(days=days, hours=hours)


async def theme(session: AsyncSession, code: str) -> Theme:
    """One of the themes the migration seeds (`elderly`, `events`, …)."""
    found = await session.scalar(select(Theme).where(Theme.code == code))
    assert found is not None, code
    return found


async def make_team(session: AsyncSession, name: str | None = None) -> Team:
    return await roles.create_team(session, name or f"Team {next(_team_names)}", now=NOW)


def volunteer_row(
    telegram_id: int | None = None,
    *,
    language: str = "en",
    name: str = "Li Hua",
    real_name: bool = False,
    birth_date: date | None = None,
    themes: Sequence[Theme] = (),
) -> Volunteer:
    """A registered volunteer, not yet added to a session."""
    telegram_id = telegram_id or next(_telegram_ids)
    return Volunteer(
        telegram_id=telegram_id,
        status="active",
        language=language,
        full_name=name,
        phone=f"+86138{telegram_id:08d}",
        id_number_index=f"index-{telegram_id}" if real_name else None,
        birth_date=birth_date,
        registered_at=NOW - timedelta(days=100),
        themes=list(themes),
    )


async def make_volunteer(
    session: AsyncSession,
    telegram_id: int | None = None,
    *,
    language: str = "en",
    real_name: bool = False,
    birth_date: date | None = None,
    themes: Sequence[Theme] = (),
) -> Volunteer:
    volunteer = volunteer_row(
        telegram_id,
        language=language,
        real_name=real_name,
        birth_date=birth_date,
        themes=themes,
    )
    session.add(volunteer)
    await session.flush()
    return volunteer


async def make_volunteers(session: AsyncSession, count: int) -> list[Volunteer]:
    volunteers = [volunteer_row() for _ in range(count)]
    session.add_all(volunteers)
    await session.flush()
    return volunteers


def shift_plan(starts_at: datetime, hours: float = 3, capacity: int = 2) -> ShiftPlan:
    return ShiftPlan(starts_at, starts_at + timedelta(hours=hours), capacity)


async def plan(session: AsyncSession, *shifts: ShiftPlan, **fields: object) -> ActivityPlan:
    """A valid plan (a fresh team, the `events` theme, one shift tomorrow unless given)."""
    values: dict[str, object] = {
        "title": "Beach clean-up",
        "description": "Bring gloves.",
        "address": "Huandao Road 1",
        "theme_id": (await theme(session, "events")).id,
        "team_id": (await make_team(session)).id,
        "shifts": list(shifts) or [shift_plan(at(days=1))],
    }
    values.update(fields)
    return ActivityPlan(**values)  # type: ignore[arg-type]


async def make_activity(
    session: AsyncSession, *shifts: ShiftPlan, **fields: object
) -> tuple[Activity, list[Shift]]:
    """A published activity and its shifts (sorted by start)."""
    activity = await publication.publish(
        session, await plan(session, *shifts, **fields), created_by=COORDINATOR, now=NOW
    )
    return activity, await publication.shifts_of(session, activity.id)


async def make_shift(
    session: AsyncSession, starts_at: datetime | None = None, hours: float = 3, capacity: int = 2
) -> Shift:
    """One shift of a fresh published activity."""
    _, shifts = await make_activity(
        session, shift_plan(starts_at or at(days=1), hours=hours, capacity=capacity)
    )
    return shifts[0]


async def statuses(session: AsyncSession, shift_id: int) -> dict[int, str]:
    """volunteer id → sign-up status on the shift, as stored."""
    rows = await session.execute(
        select(Signup.volunteer_id, Signup.status)
        .where(Signup.shift_id == shift_id)
        .execution_options(populate_existing=True)
    )
    return {volunteer_id: status for volunteer_id, status in rows}


async def waiting_list(session: AsyncSession, shift_id: int) -> list[int]:
    """The volunteer ids waiting for the shift, first first, as stored."""
    return list(
        await session.scalars(
            select(Signup.volunteer_id)
            .where(Signup.shift_id == shift_id, Signup.status == "waiting")
            .order_by(Signup.queued_at, Signup.id)
        )
    )


async def no_show(session: AsyncSession, volunteer: Volunteer, starts_at: datetime) -> None:
    """A past shift the volunteer was signed up for and did not come to."""
    shift = await make_shift(session)
    shift.starts_at, shift.ends_at = starts_at, starts_at + timedelta(hours=3)
    session.add(
        Signup(
            shift_id=shift.id,
            volunteer_id=volunteer.id,
            status="no_show",
            queued_at=starts_at - timedelta(days=1),
            updated_at=starts_at,
        )
    )
    await session.flush()


@contextmanager
def counting(session: AsyncSession) -> Iterator[list[str]]:
    """The SQL statements the session runs inside the block."""
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(args[2])

    engine = session.bind.sync_engine  # type: ignore[union-attr]
    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", seen)
