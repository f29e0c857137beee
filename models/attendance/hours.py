"""A volunteer's confirmed service hours and the star level they earn.

Only confirmed records count (`confirmed_at` set by a coordinator); a flagged record counts once
it is confirmed. Credited minutes (measured by check-in and out) and honour minutes (added by a
coordinator with a reason) are kept apart everywhere; whether honour minutes count toward stars
is the deployment's choice. Everything is summed in SQL on one volunteer's rows (a city has
650,000 volunteers), and in whole minutes, so thresholds are met exactly, never by float drift.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BindParameter, Select, and_, bindparam, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities.tables import Activity, ServiceRecord, Shift, Signup

MINUTES_PER_HOUR = 60

# Star levels by accumulated hours. The national scheme for registered volunteers gives 1 to 5
# stars at these hours; some cities run their own, like the example here.
STAR_PRESETS: dict[str, tuple[int, ...]] = {
    "national": (100, 300, 600, 1000, 1500),
    "city": (100, 200, 500, 800, 1000),
}


def thresholds_in_minutes(hours: Sequence[Decimal | int | str]) -> tuple[int, ...]:
    """`100,300,…` hours as minutes; each a whole number of minutes, positive and rising."""
    minutes: list[int] = []
    for value in hours:
        exact = Decimal(str(value)) * MINUTES_PER_HOUR
        if exact != exact.to_integral_value() or exact <= 0:
            raise ValueError(f"a star threshold must be a positive whole minute, not {value} h")
        minutes.append(int(exact))
    if not minutes:
        raise ValueError("give at least one star threshold")
    if any(later <= earlier for earlier, later in pairwise(minutes)):
        raise ValueError(f"star thresholds must rise: {', '.join(map(str, hours))}")
    return tuple(minutes)


@dataclass(frozen=True)
class StarPolicy:
    """The deployment's star rules (see the settings)."""

    thresholds: tuple[int, ...] = field(
        default_factory=lambda: thresholds_in_minutes(STAR_PRESETS["national"])
    )  # minutes
    honour_counts: bool = True


@dataclass(frozen=True)
class Progress:
    level: int  # 0: no star yet
    levels: int
    to_next: int | None  # minutes still to go; None at the top level


def level_for(minutes: int, thresholds: Sequence[int]) -> int:
    """How many thresholds `minutes` has reached (a threshold is reached *at* its value)."""
    return sum(1 for threshold in thresholds if minutes >= threshold)


def progress(minutes: int, thresholds: Sequence[int]) -> Progress:
    level = level_for(minutes, thresholds)
    to_next = thresholds[level] - minutes if level < len(thresholds) else None
    return Progress(level=level, levels=len(thresholds), to_next=to_next)


def level_reached(before_minutes: int, after_minutes: int, thresholds: Sequence[int]) -> int | None:
    """The new level when a change of hours (a confirmation) crossed a threshold, else None.
    Crossing several at once gives the highest."""
    before, after = level_for(before_minutes, thresholds), level_for(after_minutes, thresholds)
    return after if after > before else None


def hours_text(minutes: int) -> str:
    """Minutes as hours for people: `99.75`, `100`, `0.33` (two decimals at most)."""
    hours = (Decimal(minutes) / MINUTES_PER_HOUR).quantize(Decimal("0.01"))
    return f"{hours:f}".rstrip("0").rstrip(".")


def dates_text(first: date, last: date) -> str:
    """`2026-01-05`, or `2025-12-20 – 2026-01-05` for an activity served on several days."""
    return first.isoformat() if first == last else f"{first.isoformat()} – {last.isoformat()}"


# ---- what the database holds --------------------------------------------------------------


@dataclass(frozen=True)
class Served:
    """A volunteer's confirmed minutes of all time, credited and honour apart."""

    credited: int
    honour: int

    @property
    def total(self) -> int:
        return self.credited + self.honour

    def for_stars(self, policy: StarPolicy) -> int:
        return self.credited + (self.honour if policy.honour_counts else 0)


NOTHING_SERVED = Served(0, 0)


@dataclass(frozen=True)
class Totals(Served):
    year_credited: int  # minutes served this calendar year (by the shift's local start)
    year_honour: int
    activities: int  # how many activities have confirmed hours

    @property
    def year_total(self) -> int:
        return self.year_credited + self.year_honour


@dataclass(frozen=True)
class ActivityHours:
    """One activity's confirmed hours for one volunteer, over all its shifts they served."""

    activity_id: int
    title: str
    first_day: date  # local date of the first and last shift served
    last_day: date
    credited: int  # minutes
    honour: int


def _confirmed(volunteer_id: int | BindParameter[int]) -> Select[*tuple[Any, ...]]:
    """The volunteer's confirmed records joined to their shifts (columns chosen by callers)."""
    return (
        select(ServiceRecord.id)
        .join(Signup, Signup.id == ServiceRecord.signup_id)
        .join(Shift, Shift.id == Signup.shift_id)
        .where(Signup.volunteer_id == volunteer_id, ServiceRecord.confirmed_at.is_not(None))
    )


def year_bounds(now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The local calendar year containing `now`, as aware datetimes [start, end)."""
    year = now.astimezone(zone).year
    return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)


@cache
def _totals() -> Select[*tuple[Any, ...]]:
    """`totals`' statement, built once (every /hours runs it): the sums, all time and within
    the year, and how many activities have confirmed minutes. Minutes are never negative (a
    check), so an activity whose minutes add up to more than zero is one with a record above
    zero: counted in the same query, without grouping by activity."""
    this_year = and_(
        Shift.starts_at >= bindparam("year_start"), Shift.starts_at < bindparam("year_end")
    )
    credited, honour = ServiceRecord.credited_minutes, ServiceRecord.honour_minutes
    return _confirmed(bindparam("volunteer")).with_only_columns(
        func.coalesce(func.sum(credited), 0),
        func.coalesce(func.sum(honour), 0),
        func.coalesce(func.sum(case((this_year, credited), else_=0)), 0),
        func.coalesce(func.sum(case((this_year, honour), else_=0)), 0),
        func.count(case((credited + honour > 0, Shift.activity_id)).distinct()),
    )


async def totals(
    session: AsyncSession, volunteer_id: int, *, now: datetime, zone: ZoneInfo
) -> Totals:
    start, end = year_bounds(now, zone)
    row = await session.execute(
        _totals(), {"volunteer": volunteer_id, "year_start": start, "year_end": end}
    )
    credited, honour, year_credited, year_honour, activities = (int(v) for v in row.one())
    return Totals(credited, honour, year_credited, year_honour, activities=activities)


async def served(session: AsyncSession, volunteer_ids: Collection[int]) -> dict[int, Served]:
    """Each volunteer's confirmed minutes of all time, in one query for a whole shift's roster;
    those with none confirmed are left out (`NOTHING_SERVED`)."""
    if not volunteer_ids:
        return {}
    rows = await session.execute(
        select(
            Signup.volunteer_id,
            func.coalesce(func.sum(ServiceRecord.credited_minutes), 0),
            func.coalesce(func.sum(ServiceRecord.honour_minutes), 0),
        )
        .join(Signup, Signup.id == ServiceRecord.signup_id)
        .where(Signup.volunteer_id.in_(volunteer_ids), ServiceRecord.confirmed_at.is_not(None))
        .group_by(Signup.volunteer_id)
    )
    return {
        volunteer_id: Served(int(credited), int(honour)) for volunteer_id, credited, honour in rows
    }


async def star_minutes(session: AsyncSession, volunteer_id: int, policy: StarPolicy) -> int:
    """The minutes that count toward the volunteer's stars (call before and after confirming
    hours, and give both to `level_reached`)."""
    mine = (await served(session, [volunteer_id])).get(volunteer_id, NOTHING_SERVED)
    return mine.for_stars(policy)


def _activity_lines(volunteer_id: int) -> Select[*tuple[Any, ...]]:
    credited = func.sum(ServiceRecord.credited_minutes)
    honour = func.sum(ServiceRecord.honour_minutes)
    return (
        _confirmed(volunteer_id)
        .join(Activity, Activity.id == Shift.activity_id)
        .with_only_columns(
            Activity.id,
            Activity.title,
            func.min(Shift.starts_at).label("first"),
            func.max(Shift.starts_at).label("last"),
            credited,
            honour,
        )
        .group_by(Activity.id, Activity.title)
        .having(credited + honour > 0)  # a confirmed zero (no hours) is not a line
    )


async def activity_hours(
    session: AsyncSession, volunteer_id: int, *, zone: ZoneInfo, limit: int | None = None
) -> list[ActivityHours]:
    """The volunteer's activities with confirmed hours, most recently served first."""
    lines = _activity_lines(volunteer_id).subquery()
    query = select(lines).order_by(lines.c.last.desc(), lines.c.id.desc()).limit(limit)
    rows = await session.execute(query)
    return [
        ActivityHours(
            activity_id=activity_id,
            title=title,
            first_day=_utc(first).astimezone(zone).date(),
            last_day=_utc(last).astimezone(zone).date(),
            credited=int(credited),
            honour=int(honour),
        )
        for activity_id, title, first, last, credited, honour in rows
    ]


def _utc(value: datetime) -> datetime:
    """An aggregate of a UTC column (SQLite hands back naive or even text values)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=ZoneInfo("UTC"))
