"""Importing stations from a CSV or XLSX file (docs/stations.md): one row per station, read by
the activity import's reader (`models.publishing.import_file`, with its limits and its worker
process) under the stations' columns. A row naming a station that exists (by name, in any
letter case) changes it, if the uploader manages it; any other row adds one. Every problem is
collected with its row number: either every row is valid and saved, or none is."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from models.errors import InvalidInput
from models.publishing.import_activities import coordinate, find_choice
from models.publishing.import_file import HEADER_ROW, QUOTED_MAX_CHARS, ImportRejected, Layout
from models.reference import District
from models.stations import stations
from models.stations.stations import StationPlan
from models.teams.tables import Team

LAYOUT = Layout(
    columns={
        "name": "名称",
        "address": "地址",
        "latitude": "纬度",
        "longitude": "经度",
        "district": "区域",
        "opening_hours": "开放时间",
        "teams": "队伍",
    },
    required=("name", "address", "latitude", "longitude"),
)
# Between the teams of one cell: a comma would need quoting in a CSV, so these are the usual.
TEAM_SEPARATORS = re.compile(r"\s*[;；、|]\s*")


@dataclass(frozen=True)
class Existing:
    """A station the file may name: its id, its linked teams, and whether the uploader may
    change it."""

    station_id: int
    team_ids: tuple[int, ...]
    manageable: bool


@dataclass(frozen=True)
class Planned:
    station_id: int | None  # None: a new station
    plan: StationPlan
    row: int


def plan_import(
    rows: Sequence[dict[str, str]],
    *,
    teams: Sequence[Team],
    own_team_ids: Collection[int],
    districts: Sequence[District],
    existing: Mapping[str, Existing],
) -> list[Planned]:
    """The stations the rows describe, in file order; raises ImportRejected with every problem
    (InvalidInput when no row is filled). `teams`: those the uploader may link (every team for
    an admin); `own_team_ids`: the teams a new station gets when its `teams` cell is blank (the
    ones the uploader coordinates); `existing`: stations by their casefolded name."""
    problems: list[tuple[int, InvalidInput]] = []
    planned: list[Planned] = []
    first_row: dict[str, int] = {}
    for index, cells in enumerate(rows):
        if not any(value.strip() for value in cells.values()):
            continue
        number = index + HEADER_ROW + 1
        found: list[InvalidInput] = []
        plan = _plan(cells, teams, districts, found)
        key = plan.name.casefold()
        known = existing.get(key)
        if key in first_row:
            found.append(InvalidInput("station_twice", first=first_row[key]))
        elif key:
            first_row[key] = number
        if known is not None and not known.manageable:
            found.append(InvalidInput("station_not_yours", value=plan.name[:QUOTED_MAX_CHARS]))
        if not cells.get("teams", "").strip():
            plan.team_ids = list(known.team_ids if known is not None else own_team_ids)
        problems += [(number, error) for error in found]
        if not found:
            planned.append(Planned(known.station_id if known else None, plan, number))
    if not planned and not problems:
        raise InvalidInput("stations_import_no_rows")
    if problems:
        raise ImportRejected(problems)
    return planned


def _plan(
    cells: dict[str, str],
    teams: Sequence[Team],
    districts: Sequence[District],
    found: list[InvalidInput],
) -> StationPlan:
    """The row's station, as far as its cells parse; each problem added to `found`."""
    plan = StationPlan()
    value = {column: cells.get(column, "").strip() for column in LAYOUT.columns}
    for column in LAYOUT.required:
        if not value[column]:
            found.append(InvalidInput("import_value_missing", column=column))
    try:
        if value["name"]:
            plan.name = stations.name(value["name"])
        if value["address"]:
            plan.address = stations.address(value["address"])
    except InvalidInput as error:
        found.append(error)
    for column, limit in (("latitude", 90), ("longitude", 180)):
        if value[column]:
            try:
                number = coordinate(value[column], limit=limit, code=f"import_{column}_invalid")
            except InvalidInput as error:
                found.append(error)
            else:
                setattr(plan, column, number)
    if value["district"]:
        district = find_choice(districts, value["district"])
        if district is None:
            found.append(
                InvalidInput("import_district_unknown", value=value["district"][:QUOTED_MAX_CHARS])
            )
        else:
            plan.district_id = district.id
    if value["opening_hours"]:
        try:
            plan.opening_hours = stations.opening_hours(value["opening_hours"])
        except InvalidInput as error:
            found.append(error)
    by_name = {team.name.casefold(): team.id for team in teams}
    for team_name in filter(None, TEAM_SEPARATORS.split(value["teams"])):
        team_id = by_name.get(team_name.casefold())
        if team_id is None:
            found.append(InvalidInput("import_team_not_yours", value=team_name[:QUOTED_MAX_CHARS]))
        elif team_id not in plan.team_ids:
            plan.team_ids.append(team_id)
    return plan
