"""Finding open activities: newest first, by theme, district and date, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Integer, Select, bindparam, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities.tables import Activity, ActivityStatus, Shift, ShiftStatus
from models.driver import OnDriver

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


@dataclass(frozen=True)
class _Shape:
    """Which filters a search uses: the statements differ by these, not by their values."""

    period_ends: bool
    theme: bool
    district: bool


def _values(filters: Filters, now: datetime, zone: ZoneInfo) -> tuple[_Shape, dict[str, object]]:
    low, high = window(filters.period, now, zone)
    theme, district = filters.theme_id, filters.district_id
    shape = _Shape(high is not None, theme is not None, district is not None)
    return shape, {"low": low, "high": high, "theme": theme, "district": district}


def _condition(shape: _Shape, shift: ColumnElement[bool] | None = None) -> ColumnElement[bool]:
    """`open_condition` with its values left as parameters (`low`, `high`, `theme`,
    `district`)."""
    shift_open = (
        (Shift.activity_id == Activity.id)
        & (Shift.status == ShiftStatus.OPEN)
        & (Shift.starts_at > bindparam("low"))
    )
    if shape.period_ends:
        shift_open &= Shift.starts_at < bindparam("high")
    if shift is not None:
        shift_open &= shift
    condition = (Activity.status == ActivityStatus.PUBLISHED) & exists().where(shift_open)
    if shape.theme:
        condition &= Activity.theme_id == bindparam("theme")
    if shape.district:
        condition &= Activity.district_id == bindparam("district")
    return condition


def open_condition(
    filters: Filters, *, now: datetime, zone: ZoneInfo, shift: ColumnElement[bool] | None = None
) -> ColumnElement[bool]:
    """Published activities matching the filters with an open shift still to start (within the
    period), the shift also meeting `shift` when given (the nearby search: places left)."""
    shape, values = _values(filters, now, zone)
    return _condition(shape, shift).params(values)


@cache
def _page_of(shape: _Shape) -> Select[Activity, int]:
    """`open_activities`' statement for one shape of filters, built once (every list of
    activities runs it; built each time, it took 3 % of the bot's CPU). The total comes with
    each row of the page (counted before the page is cut out): one query."""
    return (
        select(Activity, func.count().over())
        .where(_condition(shape))
        .order_by(Activity.created_at.desc(), Activity.id.desc())
        .offset(bindparam("offset", type_=Integer))
        .limit(bindparam("size", type_=Integer))
    )


@cache
def _page_on_driver(shape: _Shape) -> OnDriver:
    """`_page_of`, run on the driver (`models.driver`): every list of activities runs it."""
    return OnDriver(lambda _database: _page_of(shape), entities=(Activity,))


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
    shape, values = _values(filters, now, zone)
    rows = await _page_on_driver(shape).loaded(session, **values, offset=page * size, size=size)
    if rows:
        return Page([activity for activity, _ in rows], page, rows[0][1])
    # A page past the end has no rows to bring the total: counted apart (a rare turn to a page
    # whose activities closed meanwhile).
    counted = select(func.count()).select_from(Activity).where(_condition(shape))
    total = await session.scalar(counted, values)
    return Page([], page, total or 0)
