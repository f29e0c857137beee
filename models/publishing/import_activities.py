"""Importing activities from a CSV or XLSX file a coordinator uploads (docs/activity-import.md):
its rows checked and grouped into activity plans.

One row is one shift; rows with the same `activity` key make one activity, whose own columns
(title, theme, place…) come from its first row. Every value goes through the parsers the chat
conversation uses, so a value accepted in one is accepted in the other. Every problem in the
file is collected with its row number, so the coordinator can fix them all at once: either the
whole file is valid, or nothing of it is imported. The file itself is read, and its header row
checked, by `import_file`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from models import dates
from models.errors import InvalidInput
from models.publishing import activity_input
from models.publishing.import_file import (
    COLUMNS,
    HEADER_ROW,
    QUOTED_MAX_CHARS,
    REQUIRED_COLUMNS,
    ImportRejected,
    Problem,
)
from models.publishing.publication import (
    ActivityPlan,
    ShiftPlan,
    check_plan,
    check_shift,
    placed_at,
)
from models.reference import District, Theme
from models.stations.tables import Station
from models.teams.tables import Team

SHIFT_COLUMNS = ("date", "time", "places")
# The columns describing the activity as a whole: given on the first row of its group.
ACTIVITY_COLUMNS = tuple(c for c in COLUMNS if c != "activity" and c not in SHIFT_COLUMNS)
REQUIRED_ACTIVITY_COLUMNS = tuple(c for c in REQUIRED_COLUMNS if c in ACTIVITY_COLUMNS)
YES = frozenset({"yes", "y", "true", "1", "是"})
NO = frozenset({"no", "n", "false", "0", "否"})
T = TypeVar("T")
Choice = TypeVar("Choice", Theme, District)


# ---- checking the rows and grouping them into activities ---------------------------------------


@dataclass
class _Row:
    """One filled row, parsed: what it says about its activity, and its shift."""

    number: int
    key: str
    given: set[str]  # the columns with a value in this row
    values: dict[str, Any] = field(default_factory=dict)  # activity columns that parsed
    shift: ShiftPlan | None = None
    ok: bool = True


def plan_import(
    rows: Sequence[dict[str, str]],
    *,
    teams: Sequence[Team],
    stations: Mapping[Station, Collection[int]],
    themes: Sequence[Theme],
    districts: Sequence[District],
    today: date,
    zone: ZoneInfo,
    now: datetime,
) -> list[ActivityPlan]:
    """The activities the rows describe, in the order they first appear; raises ImportRejected
    with every problem found (InvalidInput when no row is filled). `teams` are the ones the
    uploader may publish for; `stations` those linked to them, each with which of them."""
    parsers = _activity_parsers(teams, stations, themes, districts, today=today, zone=zone)
    team_names = {team.id: team.name for team in teams}
    problems: list[Problem] = []
    groups: dict[str, list[_Row]] = {}
    for index, cells in enumerate(rows):
        if not any(value.strip() for value in cells.values()):
            continue
        row = _Row(
            number=index + HEADER_ROW + 1,
            key=cells.get("activity", "").strip(),
            given={column for column, value in cells.items() if value.strip()},
        )
        found = _parse_row(row, cells, parsers, today=today, zone=zone, now=now)
        row.ok = not found
        problems += [(row.number, error) for error in found]
        if row.key:
            groups.setdefault(row.key, []).append(row)
    if not groups and not problems:
        raise InvalidInput("import_no_rows")
    plans: list[ActivityPlan] = []
    for key, members in groups.items():
        found_in_group = _check_group(key, members)
        problems += found_in_group
        if found_in_group or not all(row.ok for row in members):
            continue
        station, team_id = members[0].values.get("station"), members[0].values["team"]
        if station is not None and team_id not in stations[station]:
            problems.append(
                (
                    members[0].number,
                    InvalidInput(
                        "import_station_other_team", station=station.name, team=team_names[team_id]
                    ),
                )
            )
            continue
        plan = _plan(members)
        try:
            check_plan(plan, now=now)
        except InvalidInput as error:
            problems.append((members[0].number, error))  # about the activity: its first row
            continue
        plans.append(plan)
    if problems:
        raise ImportRejected(problems)
    return plans


Parser = Callable[[str], Any]


def _activity_parsers(
    teams: Sequence[Team],
    stations: Mapping[Station, Collection[int]],
    themes: Sequence[Theme],
    districts: Sequence[District],
    *,
    today: date,
    zone: ZoneInfo,
) -> dict[str, Parser]:
    """How each activity column's text becomes a value of the plan."""

    def title(value: str) -> str:
        return activity_input.text(value, max_chars=activity_input.TITLE_MAX_CHARS, code="title")

    def description(value: str) -> str:
        if len(value) > activity_input.DESCRIPTION_MAX_CHARS:
            raise InvalidInput("description_too_long", max=activity_input.DESCRIPTION_MAX_CHARS)
        return value

    def address(value: str) -> str:
        return activity_input.text(
            value, max_chars=activity_input.ADDRESS_MAX_CHARS, code="address"
        )

    def theme(value: str) -> int:
        found = find_choice(themes, value)
        if found is None:
            raise InvalidInput("import_theme_unknown", value=value[:QUOTED_MAX_CHARS])
        return found.id

    def district(value: str) -> int:
        found = find_choice(districts, value)
        if found is None:
            raise InvalidInput("import_district_unknown", value=value[:QUOTED_MAX_CHARS])
        return found.id

    def team(value: str) -> int:
        for candidate in teams:
            if candidate.name.casefold() == value.casefold():
                return candidate.id
        raise InvalidInput("import_team_not_yours", value=value[:QUOTED_MAX_CHARS])

    def station(value: str) -> Station:
        for candidate in stations:
            if candidate.name.casefold() == value.casefold():
                return candidate
        raise InvalidInput("import_station_unknown", value=value[:QUOTED_MAX_CHARS])

    def latitude(value: str) -> float:
        return coordinate(value, limit=90, code="import_latitude_invalid")

    def longitude(value: str) -> float:
        return coordinate(value, limit=180, code="import_longitude_invalid")

    def deadline(value: str) -> datetime:
        return activity_input.parse_deadline(value, today=today, zone=zone)

    return {
        "title": title,
        "description": description,
        "theme": theme,
        "team": team,
        "district": district,
        "station": station,
        "address": address,
        "latitude": latitude,
        "longitude": longitude,
        "deadline": deadline,
        "min_age": activity_input.parse_min_age,
        "real_name": partial(_yes_no, column="real_name"),
        "insurance": partial(_yes_no, column="insurance"),
        "required_theme": theme,
    }


def _parse_row(
    row: _Row,
    cells: dict[str, str],
    parsers: dict[str, Parser],
    *,
    today: date,
    zone: ZoneInfo,
    now: datetime,
) -> list[InvalidInput]:
    """Fill `row` from its cells; every problem the row has on its own."""
    found: list[InvalidInput] = []
    if not row.key:
        found.append(InvalidInput("import_value_missing", column="activity"))
    for column in ACTIVITY_COLUMNS:
        if column in row.given:
            value = _attempt(found, parsers[column], cells[column])
            if value is not None:
                row.values[column] = value
    if ("latitude" in row.given) != ("longitude" in row.given):
        found.append(InvalidInput("import_coordinates_pair"))
    missing = [column for column in SHIFT_COLUMNS if column not in row.given]
    found += [InvalidInput("import_value_missing", column=column) for column in missing]
    if missing:
        return found
    day = _attempt(found, lambda text: dates.parse_day(text, today=today), cells["date"])
    times = _attempt(found, activity_input.parse_time_range, cells["time"])
    capacity = _attempt(found, activity_input.parse_capacity, cells["places"])
    if day is None or times is None or capacity is None:
        return found
    row.shift = ShiftPlan(*activity_input.shift_times(day, *times, zone), capacity)
    try:
        check_shift(row.shift, now=now)
    except InvalidInput as error:
        found.append(error)
    return found


def _attempt(found: list[InvalidInput], parse: Callable[[str], T], text: str) -> T | None:
    """`parse(text)`, or None with its refusal added to `found`."""
    try:
        return parse(text.strip())
    except InvalidInput as error:
        found.append(error)
        return None


def _check_group(key: str, members: list[_Row]) -> list[Problem]:
    """What is wrong with the rows of one activity together: its first row lacks a required
    activity column, a later row contradicts the first, or two rows are the same shift."""
    first = members[0]
    problems: list[Problem] = [
        (first.number, InvalidInput("import_value_missing", column=column))
        for column in REQUIRED_ACTIVITY_COLUMNS
        if column not in first.given
    ]
    if not first.given & {"address", "station"}:
        problems.append((first.number, InvalidInput("import_address_missing")))
    failed_first = first.given - first.values.keys()
    shifts: dict[tuple[datetime, datetime], int] = {}
    for row in members:
        if row is not first:
            problems += [
                (
                    row.number,
                    InvalidInput(
                        "import_conflict",
                        column=column,
                        first=first.number,
                        activity=key[:QUOTED_MAX_CHARS],
                    ),
                )
                for column in ACTIVITY_COLUMNS
                if column in row.values
                and column not in failed_first
                and row.values[column] != first.values.get(column)
            ]
        if row.shift is not None:
            times = (row.shift.starts_at, row.shift.ends_at)
            if times in shifts:
                problems.append(
                    (row.number, InvalidInput("import_shift_twice", first=shifts[times]))
                )
            shifts.setdefault(times, row.number)
    return problems


def _plan(members: list[_Row]) -> ActivityPlan:
    values = members[0].values
    plan = ActivityPlan(
        title=values["title"],
        description=values.get("description", ""),
        theme_id=values["theme"],
        team_id=values["team"],
        district_id=values.get("district"),
        address=values.get("address", ""),
        latitude=values.get("latitude"),
        longitude=values.get("longitude"),
        shifts=[row.shift for row in members if row.shift is not None],
        signup_deadline=values.get("deadline"),
        min_age=values.get("min_age"),
        require_real_name=values.get("real_name", False),
        require_insurance=values.get("insurance", False),
        required_theme_id=values.get("required_theme"),
    )
    return plan if "station" not in values else placed_at(plan, values["station"])


def find_choice(choices: Sequence[Choice], value: str) -> Choice | None:
    """The theme or district named by its code or its name in either language."""
    wanted = value.casefold()
    for choice in choices:
        if wanted in (choice.code.casefold(), choice.name_zh.casefold(), choice.name_en.casefold()):
            return choice
    return None


def coordinate(value: str, *, limit: int, code: str) -> float:
    """A latitude (`limit` 90) or longitude (180) in decimal degrees; `code` refuses others."""
    try:
        number = float(value)
    except ValueError:
        raise InvalidInput(code) from None
    if not -limit <= number <= limit:  # also refuses nan
        raise InvalidInput(code)
    return number


def _yes_no(value: str, *, column: str) -> bool:
    answer = value.casefold()
    if answer in YES:
        return True
    if answer in NO:
        return False
    raise InvalidInput("import_yes_no", column=column)
