"""What is near a shared location: stations, and activities with a place still open on a shift
to come, within a radius, nearest first.

Fast on a city's worth of rows: the database finds the candidates inside the radius's
bounding box by its index on (latitude, longitude), returning three numbers per row; the exact
great-circle distance is then worked out here for those few, and only the page shown is loaded
as whole rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from models.activities import places
from models.activities.browse import Filters, open_condition
from models.activities.tables import Activity, Shift, Signup
from models.stations.distance import Box, bounding_box, distance_m
from models.stations.tables import Station

Kind = StrEnum("Kind", "STATION ACTIVITY")


@dataclass(frozen=True)
class Found:
    """A station or an activity near the location, and how far."""

    kind: Kind
    id: int
    metres: float


@dataclass(frozen=True)
class Page:
    found: list[Found]  # this page's, nearest first
    number: int  # from 0
    total: int
    stations: dict[int, Station]  # the page's stations by id
    activities: dict[int, Activity]  # the page's activities by id

    def has_next(self, size: int) -> bool:
        return (self.number + 1) * size < self.total


def within_box(
    latitude: InstrumentedAttribute[float] | InstrumentedAttribute[float | None],
    longitude: InstrumentedAttribute[float] | InstrumentedAttribute[float | None],
    box: Box,
) -> ColumnElement[bool]:
    """Rows whose (latitude, longitude) lie in the box: a range on the index's first column."""
    condition = latitude.between(box.south, box.north)
    if box.wraps:
        return condition & ((longitude >= box.west) | (longitude <= box.east))
    return condition & longitude.between(box.west, box.east)


def has_places_left() -> ColumnElement[bool]:
    """A shift (of the enclosing query) with fewer places held than it has."""
    held = (
        select(func.count())
        .where(Signup.shift_id == Shift.id, Signup.status.in_(places.HOLDS_PLACE))
        .scalar_subquery()
    )
    return Shift.capacity > held


def nearest(
    candidates: list[tuple[Kind, int, float, float]],
    latitude: float,
    longitude: float,
    radius_m: float,
) -> list[Found]:
    """The candidates (kind, id, latitude, longitude) within the radius, nearest first."""
    found = []
    for kind, row_id, lat, lon in candidates:
        metres = distance_m(latitude, longitude, lat, lon)
        if metres <= radius_m:
            found.append(Found(kind, row_id, metres))
    found.sort(key=lambda item: (item.metres, item.kind, item.id))
    return found


async def candidates(
    session: AsyncSession,
    latitude: float,
    longitude: float,
    radius_m: float,
    filters: Filters,
    *,
    now: datetime,
    zone: ZoneInfo,
    box: bool = True,
) -> list[tuple[Kind, int, float, float]]:
    """Every station, and every activity with a place open on a shift to come (matching the
    filters), inside the radius's bounding box (`box=False`: anywhere, for the benchmark's
    baseline)."""
    area = bounding_box(latitude, longitude, radius_m)
    station_query = select(Station.id, Station.latitude, Station.longitude)
    activity_query = select(Activity.id, Activity.latitude, Activity.longitude).where(
        Activity.latitude.is_not(None),
        open_condition(filters, now=now, zone=zone, shift=has_places_left()),
    )
    if box:
        station_query = station_query.where(within_box(Station.latitude, Station.longitude, area))
        activity_query = activity_query.where(
            within_box(Activity.latitude, Activity.longitude, area)
        )
    rows: list[tuple[Kind, int, float, float]] = [
        (Kind.STATION, row_id, lat, lon)
        for row_id, lat, lon in (await session.execute(station_query)).all()
    ]
    rows += [
        (Kind.ACTIVITY, row_id, lat, lon)
        for row_id, lat, lon in (await session.execute(activity_query)).all()
        if lat is not None and lon is not None  # so the query asked; for the type checker
    ]
    return rows


async def nearby(
    session: AsyncSession,
    latitude: float,
    longitude: float,
    filters: Filters,
    *,
    radius_m: float,
    now: datetime,
    zone: ZoneInfo,
    page: int,
    size: int,
    box: bool = True,
) -> Page:
    """Page `page` (of `size`) of the stations and open activities within `radius_m` of the
    location, nearest first; the stations are listed whatever the filters, which narrow the
    activities (a station has no theme and no dates)."""
    rows = await candidates(
        session, latitude, longitude, radius_m, filters, now=now, zone=zone, box=box
    )
    found = nearest(rows, latitude, longitude, radius_m)
    number = min(max(page, 0), max(0, (len(found) - 1) // size))
    shown = found[number * size : (number + 1) * size]
    wanted = {kind: [item.id for item in shown if item.kind is kind] for kind in Kind}
    stations = (
        {s.id: s for s in await session.scalars(select(Station).where(Station.id.in_(ids)))}
        if (ids := wanted[Kind.STATION])
        else {}
    )
    activities = (
        {a.id: a for a in await session.scalars(select(Activity).where(Activity.id.in_(ids)))}
        if (ids := wanted[Kind.ACTIVITY])
        else {}
    )
    return Page(shown, number, len(found), stations, activities)
