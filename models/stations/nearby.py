"""What is near a shared location: stations, and activities with a place still open on a shift
to come, within a radius, nearest first.

Fast on a city's worth of rows: the database finds the candidates inside the radius's
bounding box by its index on (latitude, longitude), counts them and returns only the nearest
(by a flat-earth distance) and those at the edge, three numbers a row; the exact great-circle
distance is then worked out here for those few, and only the page shown is loaded as whole
rows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from models.activities import places
from models.activities.browse import Filters, open_condition
from models.activities.tables import Activity, Shift, Signup
from models.stations.distance import METRES_PER_DEGREE, Box, bounding_box, distance_m
from models.stations.tables import Station

Kind = StrEnum("Kind", "STATION ACTIVITY")
T = TypeVar("T", Station, Activity)
# The flat-earth distance's error within a radius of a few kilometres, as a share of it (about
# 4e-4 at 5 km and 25° N, where the plane is tangent at the location); rows within it of the
# edge are measured on the great circle.
FLAT_ERROR = 2e-3
# Activities read past the page's last place: the flat and great-circle orders may differ by
# the same error between two activities almost as far.
ORDER_MARGIN = 5


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


Row = tuple[Kind, int, float, float]  # kind, id, latitude, longitude


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
    activities (a station has no theme and no dates). `box=False` reads every row and
    measures each (the benchmark's baseline)."""
    area = bounding_box(latitude, longitude, radius_m) if box else None
    stations = await _stations(session, area)
    open_here = open_condition(filters, now=now, zone=zone, shift=has_places_left())
    if area is None or area.wraps:
        activities, unread = await _activities(session, area, open_here), 0
    else:
        keep = (max(page, 0) + 1) * size + ORDER_MARGIN
        activities, unread = await _nearest_activities(
            session, latitude, longitude, radius_m, area, open_here, keep
        )
    found = nearest(stations + activities, latitude, longitude, radius_m)
    total = len(found) + unread
    number = min(max(page, 0), max(0, (total - 1) // size))
    shown = found[number * size : (number + 1) * size]
    wanted = {kind: [item.id for item in shown if item.kind is kind] for kind in Kind}
    return Page(
        shown,
        number,
        total,
        {s.id: s for s in await _rows(session, Station, wanted[Kind.STATION])},
        {a.id: a for a in await _rows(session, Activity, wanted[Kind.ACTIVITY])},
    )


async def _stations(session: AsyncSession, area: Box | None) -> list[Row]:
    """The stations in the box (a city has a hundred or so: all of them are measured)."""
    query = select(Station.id, Station.latitude, Station.longitude)
    if area is not None:
        query = query.where(within_box(Station.latitude, Station.longitude, area))
    return [
        (Kind.STATION, row_id, lat, lon)
        for row_id, lat, lon in (await session.execute(query)).all()
    ]


async def _activities(
    session: AsyncSession, area: Box | None, open_here: ColumnElement[bool]
) -> list[Row]:
    """Every open activity with a pin in the box (anywhere without one)."""
    query = select(Activity.id, Activity.latitude, Activity.longitude).where(
        Activity.latitude.is_not(None), open_here
    )
    if area is not None:
        query = query.where(within_box(Activity.latitude, Activity.longitude, area))
    return [
        (Kind.ACTIVITY, row_id, lat, lon)
        for row_id, lat, lon in (await session.execute(query)).all()
        if lat is not None and lon is not None  # so the query asked; for the type checker
    ]


async def _nearest_activities(
    session: AsyncSession,
    latitude: float,
    longitude: float,
    radius_m: float,
    area: Box,
    open_here: ColumnElement[bool],
    keep: int,
) -> tuple[list[Row], int]:
    """The `keep` open activities nearest the location and those near the radius's edge, for
    their exact distance here; and how many others lie within the radius, unread.

    A city's box holds thousands of activities: the database counts them and orders them by
    the flat-earth distance (on a plane tangent at the location, exact to `FLAT_ERROR` within a
    radius of kilometres), so only a page's worth comes back. Those the flat distance puts
    within `FLAT_ERROR` of the edge are read too, so that the count is the great circle's."""
    scale = math.cos(math.radians(latitude))
    flat = (Activity.latitude - latitude) * (Activity.latitude - latitude) + (
        (Activity.longitude - longitude) * scale
    ) * ((Activity.longitude - longitude) * scale)
    edge = radius_m / METRES_PER_DEGREE
    inner = (
        select(
            Activity.id,
            Activity.latitude,
            Activity.longitude,
            flat.label("flat"),
            func.row_number().over(order_by=(flat, Activity.id)).label("rank"),
            func.count().over().label("counted"),
        )
        .where(
            within_box(Activity.latitude, Activity.longitude, area),
            flat <= (edge * (1 + FLAT_ERROR)) ** 2,
            open_here,
        )
        .subquery()
    )
    rows = (
        await session.execute(
            select(inner.c.id, inner.c.latitude, inner.c.longitude, inner.c.counted).where(
                (inner.c.rank <= keep) | (inner.c.flat > (edge * (1 - FLAT_ERROR)) ** 2)
            )
        )
    ).all()
    read = [(Kind.ACTIVITY, row_id, lat, lon) for row_id, lat, lon, _ in rows]
    # The rows not read rank past `keep` and lie well inside the radius.
    return read, (rows[0].counted - len(rows)) if rows else 0


async def _rows(session: AsyncSession, table: type[T], ids: list[int]) -> Sequence[T]:
    if not ids:
        return []
    return (await session.scalars(select(table).where(table.id.in_(ids)))).all()
