"""Reading activities from a CSV or XLSX file a coordinator uploads (docs/activity-import.md).

One row is one shift; rows with the same `activity` key make one activity, whose own columns
(title, theme, place…) come from its first row. Every value goes through the parsers the chat
conversation uses, so a value accepted in one is accepted in the other. Every problem in the
file is collected with its row number, so the coordinator can fix them all at once: either the
whole file is valid, or nothing of it is imported.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import partial
from pathlib import PurePath
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import openpyxl

from models.errors import InvalidInput
from models.publishing import activity_input
from models.publishing.publication import ActivityPlan, ShiftPlan, check_plan, check_shift
from models.reference import District, Theme
from models.teams.tables import Team

MAX_BYTES = 1024 * 1024
MAX_ROWS = 500  # below the header; blank rows between filled ones count, trailing ones do not
FILE_TYPES = (".csv", ".xlsx")
HEADER_ROW = 1  # rows are numbered as a spreadsheet shows them
CSV_DELIMITERS = (",", ";", "\t")
QUOTED_MAX_CHARS = 40  # of a cell's text quoted back in a problem

# Every column by its English header, with the Chinese header accepted instead.
COLUMNS: dict[str, str] = {
    "activity": "活动",
    "title": "标题",
    "description": "简介",
    "theme": "主题",
    "team": "队伍",
    "district": "区域",
    "address": "地址",
    "latitude": "纬度",
    "longitude": "经度",
    "date": "日期",
    "time": "时间",
    "places": "名额",
    "deadline": "报名截止",
    "min_age": "最低年龄",
    "real_name": "实名",
    "insurance": "保险",
    "required_theme": "限定主题",
}
REQUIRED_COLUMNS = ("activity", "title", "theme", "team", "address", "date", "time", "places")
SHIFT_COLUMNS = ("date", "time", "places")
# The columns describing the activity as a whole: given on the first row of its group.
ACTIVITY_COLUMNS = tuple(c for c in COLUMNS if c != "activity" and c not in SHIFT_COLUMNS)
REQUIRED_ACTIVITY_COLUMNS = tuple(c for c in REQUIRED_COLUMNS if c in ACTIVITY_COLUMNS)
HEADER_LOOKUP = {name: name for name in COLUMNS} | {zh: name for name, zh in COLUMNS.items()}
HEADER_SEPARATORS = re.compile(r"[\s\-]+")
YES = frozenset({"yes", "y", "true", "1", "是"})
NO = frozenset({"no", "n", "false", "0", "否"})

Problem = tuple[int, InvalidInput]
Cells = Sequence[object]
T = TypeVar("T")
Choice = TypeVar("Choice", Theme, District)


class ImportRejected(Exception):
    """The file's problems, each with the row it is on, in row order."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems)
        self.problems = sorted(problems, key=lambda problem: problem[0])


# ---- reading the file --------------------------------------------------------------------------


def check_file(filename: str | None, size: int | None) -> str:
    """Refuse a file by its name and size before anything downloads it; its type (`.csv` or
    `.xlsx`) otherwise."""
    suffix = PurePath(filename or "").suffix.casefold()
    if suffix not in FILE_TYPES:
        raise InvalidInput("import_file_type")
    if size is not None and size > MAX_BYTES:
        raise InvalidInput("import_too_large", max_kb=MAX_BYTES // 1024)
    return suffix


def read_rows(filename: str, content: bytes) -> list[dict[str, str]]:
    """The rows below the header, each as `{column: text}`; row `i` of the list is spreadsheet
    row `i + 2`, so blank rows between filled ones are kept (as all-blank rows) and trailing
    blank rows dropped. Raises InvalidInput for a file that cannot be read at all, and
    ImportRejected for problems with the header row."""
    suffix = check_file(filename, len(content))
    header, body = _read_csv(content) if suffix == ".csv" else _read_xlsx(content)
    headers = [_text(cell, None) for cell in header]
    columns = _columns(headers, body)
    return [
        {name: _text(cells[i] if i < len(cells) else None, name) for i, name in columns.items()}
        for cells in body
    ]


def _read_csv(content: bytes) -> tuple[Cells, list[Cells]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("gb18030")  # what Excel saves as "CSV" on Chinese Windows
        except UnicodeDecodeError:
            raise InvalidInput("import_unreadable") from None
    first_line = text.partition("\n")[0]
    delimiter = max(CSV_DELIMITERS, key=first_line.count)
    try:
        return _collect(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        raise InvalidInput("import_unreadable") from None


def _read_xlsx(content: bytes) -> tuple[Cells, list[Cells]]:
    """The first sheet's rows, with the values Excel last computed for formulas."""
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # a damaged or disguised upload can fail anywhere in openpyxl's parsing
        raise InvalidInput("import_unreadable") from None
    try:
        return _collect(book.worksheets[0].iter_rows(values_only=True))
    except InvalidInput:
        raise
    except Exception:
        raise InvalidInput("import_unreadable") from None
    finally:
        book.close()


def _collect(rows: Iterable[Cells]) -> tuple[Cells, list[Cells]]:
    """The header row and the rows below it up to the last filled one, refusing a file with
    filled rows beyond the limit without reading all of it."""
    iterator = iter(rows)
    header = next(iterator, None)
    body: list[Cells] = []
    blank_run = 0
    for cells in iterator:
        if _blank(cells):
            blank_run += 1
            continue
        if len(body) + blank_run >= MAX_ROWS:
            raise InvalidInput("import_too_many_rows", max=MAX_ROWS)
        body.extend([()] * blank_run)
        blank_run = 0
        body.append(cells)
    if header is None or (_blank(header) and not body):
        raise InvalidInput("import_empty")
    return header, body


def _blank(cells: Cells) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in cells)


def _text(value: object, column: str | None) -> str:
    """A cell as the text the parsers read: spreadsheet dates, times, numbers and booleans in
    the forms a coordinator would type."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        if column != "deadline" and value.time() == time(0):
            return value.date().isoformat()  # a date cell: Excel stores dates as midnight
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _column_name(header: str) -> str | None:
    return HEADER_LOOKUP.get(HEADER_SEPARATORS.sub("_", header.strip().casefold()))


def _columns(headers: list[str], body: list[Cells]) -> dict[int, str]:
    """Which column each cell position holds; every problem with the header row at once."""
    problems: list[Problem] = []
    columns: dict[int, str] = {}
    width = max([len(headers), *(len(cells) for cells in body)])
    for index in range(width):
        header = headers[index] if index < len(headers) else ""
        if not header:
            if any(index < len(cells) and not _blank([cells[index]]) for cells in body):
                problems.append(
                    (HEADER_ROW, InvalidInput("import_column_unnamed", number=index + 1))
                )
            continue
        name = _column_name(header)
        if name is None:
            problems.append(
                (
                    HEADER_ROW,
                    InvalidInput("import_column_unknown", header=header[:QUOTED_MAX_CHARS]),
                )
            )
        elif name in columns.values():
            problems.append((HEADER_ROW, InvalidInput("import_column_twice", column=name)))
        else:
            columns[index] = name
    problems += [
        (HEADER_ROW, InvalidInput("import_column_missing", column=name))
        for name in REQUIRED_COLUMNS
        if name not in columns.values()
    ]
    if problems:
        raise ImportRejected(problems)
    return columns


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
    themes: Sequence[Theme],
    districts: Sequence[District],
    today: date,
    zone: ZoneInfo,
    now: datetime,
) -> list[ActivityPlan]:
    """The activities the rows describe, in the order they first appear; raises ImportRejected
    with every problem found (InvalidInput when no row is filled). `teams` are the ones the
    uploader may publish for."""
    parsers = _activity_parsers(teams, themes, districts, today=today, zone=zone)
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
        found = _find(themes, value)
        if found is None:
            raise InvalidInput("import_theme_unknown", value=value[:QUOTED_MAX_CHARS])
        return found.id

    def district(value: str) -> int:
        found = _find(districts, value)
        if found is None:
            raise InvalidInput("import_district_unknown", value=value[:QUOTED_MAX_CHARS])
        return found.id

    def team(value: str) -> int:
        for candidate in teams:
            if candidate.name.casefold() == value.casefold():
                return candidate.id
        raise InvalidInput("import_team_not_yours", value=value[:QUOTED_MAX_CHARS])

    def latitude(value: str) -> float:
        return _coordinate(value, limit=90, code="import_latitude_invalid")

    def longitude(value: str) -> float:
        return _coordinate(value, limit=180, code="import_longitude_invalid")

    def deadline(value: str) -> datetime:
        return activity_input.parse_deadline(value, today=today, zone=zone)

    return {
        "title": title,
        "description": description,
        "theme": theme,
        "team": team,
        "district": district,
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
    day = _attempt(found, lambda text: activity_input.parse_date(text, today=today), cells["date"])
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
    return ActivityPlan(
        title=values["title"],
        description=values.get("description", ""),
        theme_id=values["theme"],
        team_id=values["team"],
        district_id=values.get("district"),
        address=values["address"],
        latitude=values.get("latitude"),
        longitude=values.get("longitude"),
        shifts=[row.shift for row in members if row.shift is not None],
        signup_deadline=values.get("deadline"),
        min_age=values.get("min_age"),
        require_real_name=values.get("real_name", False),
        require_insurance=values.get("insurance", False),
        required_theme_id=values.get("required_theme"),
    )


def _find(choices: Sequence[Choice], value: str) -> Choice | None:
    """The theme or district named by its code or its name in either language."""
    wanted = value.casefold()
    for choice in choices:
        if wanted in (choice.code.casefold(), choice.name_zh.casefold(), choice.name_en.casefold()):
            return choice
    return None


def _coordinate(value: str, *, limit: int, code: str) -> float:
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
