"""Finding open activities: newest first, by theme, district and date, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities.tables import Activity, ActivityStatus, Shift, ShiftStatus

Period = StrEnum("Period", "ANY TODAY WEEK WEEKEND")


SATURDAY = 5


def window(period: Period, now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime | None]:
    """[from, until) of shift starts the period means, in the deployment's zone."""
    local = now.astimezone(zone)
    midnight = datetime.combine(local.date(), time(0), tzinfo=zone)
    if period is Period.TODAY:
        return now, midnight + timedelta(days=1)
    if period is Period.WEEK:  # until the end of Sunday
        return now, midnight + timedelta(days=7 - local.weekday())
    if period is Period.WEEKEND:
        saturday = midnight + timedelta(days=max(0, SATURDAY - local.weekday()))
        if local.weekday() == SATURDAY + 1:  # Sunday: the weekend is now
            saturday = midnight - timedelta(days=1)
        return max(now, saturday), saturday + timedelta(days=2)
    return now, None


@dataclass(frozen=True)
class Filters:
    theme_id: int | None = None
    district_id: int | None = None
    period: Period = Period.ANY


@dataclass(frozen=True)
class Page:
    activities: list[Activity]
    number: int  # from 0
    total: int

    def has_next(self, size: int) -> bool:
        return (self.number + 1) * size < self.total


def open_condition(
    filters: Filters, *, now: datetime, zone: ZoneInfo, shift: ColumnElement[bool] | None = None
) -> ColumnElement[bool]:
    """Published activities matching the filters with an open shift still to start (within the
    period), the shift also meeting `shift` when given (the nearby search: places left)."""
    low, high = window(filters.period, now, zone)
    shift_open = (
        (Shift.activity_id == Activity.id)
        & (Shift.status == ShiftStatus.OPEN)
        & (Shift.starts_at > low)
    )
    if high is not None:
        shift_open &= Shift.starts_at < high
    if shift is not None:
        shift_open &= shift
    condition = (Activity.status == ActivityStatus.PUBLISHED) & exists().where(shift_open)
    if filters.theme_id is not None:
        condition &= Activity.theme_id == filters.theme_id
    if filters.district_id is not None:
        condition &= Activity.district_id == filters.district_id
    return condition


async def open_activities(
    session: AsyncSession,
    filters: Filters,
    *,
    now: datetime,
    zone: ZoneInfo,
    page: int,
    size: int,
) -> Page:
    """Published activities with an open shift still to start (within the period)."""
    condition = open_condition(filters, now=now, zone=zone)
    # The total comes with each row of the page (counted before the page is cut out): one
    # query. A page past the end has no rows to bring it: counted apart then (a rare turn to a
    # page whose activities closed meanwhile).
    rows = (
        await session.execute(
            select(Activity, func.count().over())
            .where(condition)
            .order_by(Activity.created_at.desc(), Activity.id.desc())
            .offset(page * size)
            .limit(size)
        )
    ).all()
    if rows:
        return Page([activity for activity, _ in rows], page, rows[0][1])
    total = await session.scalar(select(func.count()).select_from(Activity).where(condition))
    return Page([], page, total or 0)
