"""Importing stations: every row valid and saved, or every problem reported by row and nothing
saved; a row naming an existing station changes it if the uploader runs it."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import InvalidInput
from models.publishing import import_file
from models.publishing.import_file import ImportRejected
from models.registration import volunteers
from models.stations import import_stations, stations
from models.stations.import_stations import LAYOUT, Existing
from models.stations.tables import Station
from tests.models.world import NOW, make_team

GOOD = (
    "名称,地址,纬度,经度,区域,开放时间,队伍\n"
    "Park station,Gongyuan South Road,24.4591,118.0879,思明区,Mon–Fri 9:00–17:00,Team A\n"
    "\n"
    "Pier station,Lujiang Road,24.4530,118.0660,,,Team A；Team B\n"
)


async def _plan(db: AsyncSession, csv: str, **world: object) -> list[import_stations.Planned]:
    rows = import_file.read_rows("stations.csv", csv.encode(), LAYOUT)
    values: dict[str, object] = {
        "teams": [],
        "own_team_ids": [],
        "districts": await volunteers.districts(db),
        "existing": {},
    }
    values.update(world)
    return import_stations.plan_import(rows, **values)  # type: ignore[arg-type]


async def test_a_valid_file_gives_every_station(db: AsyncSession) -> None:
    a, b = await make_team(db, "Team A"), await make_team(db, "Team B")
    planned = await _plan(db, GOOD, teams=[a, b])
    assert [(p.row, p.plan.name, p.plan.team_ids, p.station_id) for p in planned] == [
        (2, "Park station", [a.id], None),
        (4, "Pier station", [a.id, b.id], None),
    ]
    park = planned[0].plan
    assert (park.latitude, park.longitude, park.opening_hours) == (
        24.4591,
        118.0879,
        "Mon–Fri 9:00–17:00",
    )
    assert park.district_id is not None


async def test_every_problem_is_reported_by_row(db: AsyncSession) -> None:
    a = await make_team(db, "Team A")
    other = await make_team(db, "Not mine")
    csv = (
        "name,address,latitude,longitude,district,teams\n"
        "Park,,91,118.1,Atlantis,Not mine\n"
        "Pier,Lujiang Road,24.45,east,,\n"
        "park,Again,24.45,118.06,,\n"
        "Theirs,Somewhere,24.45,118.06,,\n"
    )
    theirs = Existing(station_id=7, team_ids=(other.id,), manageable=False)
    with pytest.raises(ImportRejected) as rejected:
        await _plan(db, csv, teams=[a], existing={"theirs": theirs})
    assert [(row, error.code) for row, error in rejected.value.problems] == [
        (2, "import_value_missing"),
        (2, "import_latitude_invalid"),
        (2, "import_district_unknown"),
        (2, "import_team_not_yours"),
        (3, "import_longitude_invalid"),
        (4, "station_twice"),
        (5, "station_not_yours"),
    ]
    with pytest.raises(InvalidInput, match="stations_import_no_rows"):
        await _plan(db, "name,address,latitude,longitude\n\n")


async def test_a_named_station_is_changed_keeping_its_teams(db: AsyncSession) -> None:
    a = await make_team(db, "Team A")
    saved = await stations.save(
        db,
        stations.StationPlan("Park station", "Old address", 24.0, 118.0, team_ids=[a.id]),
        station_id=None,
        actor=1,
        may_link=[a.id],
        now=NOW,
    )
    existing = {"park station": Existing(saved.id, (a.id,), manageable=True)}
    csv = "name,address,latitude,longitude\nPARK STATION,New address,24.46,118.09\n"
    [planned] = await _plan(db, csv, teams=[a], existing=existing)
    assert (planned.station_id, planned.plan.team_ids) == (saved.id, [a.id])
    await stations.save(db, planned.plan, station_id=saved.id, actor=1, may_link=[a.id], now=NOW)
    rows = (await db.scalars(select(Station))).all()
    assert [(s.name, s.address) for s in rows] == [("PARK STATION", "New address")]
    assert [t.id for t in await stations.teams_of(db, saved.id)] == [a.id]
