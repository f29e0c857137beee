"""Running stations: who manages one (an admin, or a coordinator of a team linked to it), what
a station must have to be saved, and saving it with its teams, audited. The chat conversation
(handlers/stations/manage.py) and the file import (`import_stations`) both save through here."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.errors import Conflict, InvalidInput
from models.publishing import activity_input
from models.publishing.import_activities import coordinate
from models.stations.tables import (
    ADDRESS_MAX_CHARS,
    HOURS_MAX_CHARS,
    NAME_MAX_CHARS,
    Station,
    StationTeam,
)
from models.teams import roles
from models.teams.tables import RoleGrant, Team
from models.visible_text import visible

# "24.4366, 118.0994", "24.4366 118.0994", "24.4366，118.0994": latitude first, as maps copy it.
TYPED_LOCATION = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[,，\s]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


@dataclass
class StationPlan:
    """A station as the conversation or a file row describes it; JSON-friendly for the state."""

    name: str = ""
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    district_id: int | None = None
    opening_hours: str = ""
    team_ids: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StationPlan:
        return cls(**data)

    @classmethod
    def of(cls, station: Station, team_ids: Sequence[int]) -> StationPlan:
        return cls(
            name=station.name,
            address=station.address,
            latitude=station.latitude,
            longitude=station.longitude,
            district_id=station.district_id,
            opening_hours=station.opening_hours,
            team_ids=list(team_ids),
        )


def name(value: str) -> str:
    return activity_input.text(value, max_chars=NAME_MAX_CHARS, code="station_name")


def address(value: str) -> str:
    return activity_input.text(value, max_chars=ADDRESS_MAX_CHARS, code="address")


def opening_hours(value: str) -> str:
    return activity_input.text(value, max_chars=HOURS_MAX_CHARS, code="station_hours")


def typed_location(value: str) -> tuple[float, float]:
    """A location typed as "latitude, longitude" (what a map app copies)."""
    found = TYPED_LOCATION.match(value)
    if found is None:
        raise InvalidInput("station_location_typed")
    return (
        coordinate(found[1], limit=90, code="import_latitude_invalid"),
        coordinate(found[2], limit=180, code="import_longitude_invalid"),
    )


def check_plan(plan: StationPlan) -> None:
    """Refuse a station missing what every station needs."""
    name(plan.name)
    address(plan.address)
    if plan.latitude is None or plan.longitude is None:
        raise InvalidInput("station_location_missing")


async def teams_of(session: AsyncSession, station_id: int) -> list[Team]:
    return list(
        await session.scalars(
            select(Team)
            .join(StationTeam, StationTeam.team_id == Team.id)
            .where(StationTeam.station_id == station_id)
            .order_by(Team.name)
        )
    )


async def team_names(session: AsyncSession, team_ids: Collection[int]) -> list[str]:
    """The names of these teams, in order."""
    if not team_ids:
        return []
    return list(
        await session.scalars(select(Team.name).where(Team.id.in_(team_ids)).order_by(Team.name))
    )


async def may_manage(
    session: AsyncSession, telegram_id: int, station_id: int, admin_ids: Collection[int]
) -> bool:
    """An admin, or a coordinator of a team linked to the station."""
    if await roles.is_admin(session, telegram_id, admin_ids):
        return True
    grant = await session.scalar(
        select(RoleGrant.id)
        .join(StationTeam, StationTeam.team_id == RoleGrant.team_id)
        .where(StationTeam.station_id == station_id, RoleGrant.telegram_id == telegram_id)
        .limit(1)
    )
    return grant is not None


async def managed(
    session: AsyncSession, telegram_id: int, admin_ids: Collection[int]
) -> list[Station]:
    """The stations this person may change: every one for an admin."""
    query = select(Station).order_by(Station.name)
    if not await roles.is_admin(session, telegram_id, admin_ids):
        query = query.where(
            Station.id.in_(
                select(StationTeam.station_id)
                .join(RoleGrant, RoleGrant.team_id == StationTeam.team_id)
                .where(RoleGrant.telegram_id == telegram_id)
            )
        )
    return list(await session.scalars(query))


async def linked_to(
    session: AsyncSession, team_ids: Collection[int]
) -> dict[Station, frozenset[int]]:
    """The stations linked to any of these teams, by name, each with which of them: where those
    teams' activities may take place (/new_activity, /import)."""
    rows = await session.execute(
        select(Station, StationTeam.team_id)
        .join(StationTeam, StationTeam.station_id == Station.id)
        .where(StationTeam.team_id.in_(team_ids))
        .order_by(Station.name, StationTeam.team_id)
    )
    linked: dict[Station, set[int]] = {}
    for station, team_id in rows:
        linked.setdefault(station, set()).add(team_id)
    return {station: frozenset(teams) for station, teams in linked.items()}


async def by_name(session: AsyncSession, names: Collection[str]) -> dict[str, Station]:
    """The stations of these names, by name (compared ignoring letter case)."""
    folded = {n.casefold() for n in names}
    found = await session.scalars(select(Station))
    return {s.name.casefold(): s for s in found if s.name.casefold() in folded}


async def save(
    session: AsyncSession,
    plan: StationPlan,
    *,
    station_id: int | None,
    actor: int,
    may_link: Collection[int],
    now: datetime,
) -> Station:
    """Create the station (`station_id` None) or change it, with its teams. Links to teams the
    actor may not link (`may_link`: the teams they manage) are kept as they were: a coordinator
    edits their own teams' links only."""
    check_plan(plan)
    assert plan.latitude is not None and plan.longitude is not None  # checked
    station = await session.get(Station, station_id) if station_id is not None else None
    if station_id is not None and station is None:
        raise Conflict("station_gone")
    before = (
        StationPlan.of(station, [t.id for t in await teams_of(session, station.id)])
        if (station is not None)
        else None
    )
    if station is None:
        clash = await by_name(session, [plan.name])
        if clash:
            raise InvalidInput("station_name_taken", name=plan.name)
        station = Station(created_at=now)
        session.add(station)
    station.name = name(plan.name)
    station.address = address(plan.address)
    station.latitude, station.longitude = plan.latitude, plan.longitude
    station.district_id = plan.district_id
    station.opening_hours = visible(plan.opening_hours).strip()
    station.updated_at = now
    await session.flush()
    kept = set(before.team_ids) - set(may_link) if before is not None else set()
    teams = kept | (set(plan.team_ids) & set(may_link))
    await session.execute(delete(StationTeam).where(StationTeam.station_id == station.id))
    session.add_all(StationTeam(station_id=station.id, team_id=team) for team in sorted(teams))
    await session.flush()
    after = StationPlan.of(station, sorted(teams)).to_json()
    audit.record(
        session,
        actor,
        "station.create" if before is None else "station.edit",
        ("station", station.id),
        now,
        before=before.to_json() if before is not None else None,
        after=after,
    )
    return station
