"""Reading activities from CSV and XLSX files: formats, grouping, and every problem by row."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import InvalidInput
from models.publishing import import_activities, import_file
from models.publishing.import_file import ImportRejected
from models.publishing.publication import ActivityPlan
from models.reference import District
from models.registration import volunteers
from models.stations import stations
from models.stations.stations import StationPlan
from models.teams import roles
from models.teams.tables import Team

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
EXAMPLE = Path(__file__).parents[3] / "docs" / "examples" / "activities.csv"
HEADER = ["activity", "title", "theme", "team", "address", "date", "time", "places"]
ROW = ["beach", "Beach clean-up", "environment", "Haicang Team", "Baicheng Beach"]
SHIFT = ["2026-05-16", "09:00-12:00", "20"]


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZONE)


def csv_bytes(rows: list[list[str]], *, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.create_sheet("Notes").append(["not read"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
async def world(session: AsyncSession) -> dict[str, Any]:
    """What `plan_import` is given: the uploader coordinates Haicang Team (not Jimei Team),
    linked to Park station (Jimei station is Jimei Team's)."""
    haicang = await roles.create_team(session, "Haicang Team", now=NOW)
    jimei = await roles.create_team(session, "Jimei Team", now=NOW)
    siming = await session.scalar(select(District.id).where(District.code == "siming"))
    for name, team in (("Park station", haicang), ("Jimei station", jimei)):
        await stations.save(
            session,
            StationPlan(name, f"{name} Road", 24.46, 118.08, siming, team_ids=[team.id]),
            station_id=None,
            actor=1,
            may_link=[team.id],
            now=NOW,
        )
    return {
        "teams": [haicang],
        "stations": await stations.linked_to(session, [haicang.id]),
        "themes": await volunteers.themes(session),
        "districts": await volunteers.districts(session),
        "today": NOW.astimezone(ZONE).date(),
        "zone": ZONE,
        "now": NOW,
    }


def plans_of(world: dict[str, Any], filename: str, content: bytes) -> list[ActivityPlan]:
    return import_activities.plan_import(import_file.read_rows(filename, content), **world)


def problems_of(world: dict[str, Any], filename: str, content: bytes) -> list[tuple[int, str]]:
    with pytest.raises(ImportRejected) as rejected:
        plans_of(world, filename, content)
    return [(row, error.code) for row, error in rejected.value.problems]


def file_error(world: dict[str, Any], filename: str, content: bytes) -> InvalidInput:
    with pytest.raises(InvalidInput) as refused:
        plans_of(world, filename, content)
    return refused.value


def ids(world: dict[str, Any], kind: str) -> dict[str, int]:
    return {choice.code: choice.id for choice in world[kind]}


# ---- valid files ---------------------------------------------------------------------------


async def test_the_documented_example_gives_two_activities_with_three_shifts(
    world: dict[str, Any],
) -> None:
    beach, visit = plans_of(world, "activities.csv", EXAMPLE.read_bytes())

    assert beach.title == "Beach clean-up at Baicheng"
    assert beach.description.startswith("Gloves, bags and water")
    assert beach.theme_id == ids(world, "themes")["environment"]
    assert beach.team_id == world["teams"][0].id
    assert beach.district_id == ids(world, "districts")["siming"]
    assert (beach.address, beach.latitude, beach.longitude) == (
        "Baicheng Beach, Siming",
        24.4366,
        118.0994,
    )
    assert [(s.starts_at, s.ends_at, s.capacity) for s in beach.shifts] == [
        (local(2026, 5, 16, 9, 0), local(2026, 5, 16, 12, 0), 20),
        (local(2026, 5, 16, 14, 0), local(2026, 5, 16, 17, 0), 15),
    ]
    assert beach.signup_deadline == local(2026, 5, 15, 18, 0)
    assert (beach.min_age, beach.require_real_name, beach.required_theme_id) == (None, False, None)

    assert visit.title == "Afternoon at the Haicang care home"
    assert visit.district_id == ids(world, "districts")["haicang"]
    assert (visit.latitude, visit.longitude, visit.signup_deadline) == (None, None, None)
    assert [(s.starts_at, s.capacity) for s in visit.shifts] == [(local(2026, 5, 17, 14, 0), 8)]
    assert visit.min_age == 18
    assert visit.require_real_name is True
    assert visit.required_theme_id == ids(world, "themes")["elderly"]


async def test_a_utf8_byte_order_mark_is_not_part_of_the_first_header(
    world: dict[str, Any],
) -> None:
    content = EXAMPLE.read_bytes()
    assert plans_of(world, "a.csv", b"\xef\xbb\xbf" + content) == plans_of(world, "a.csv", content)


async def test_gb18030_with_chinese_headers_and_names(world: dict[str, Any]) -> None:
    """What Excel on Chinese Windows saves as CSV."""
    rows = [
        ["活动", "标题", "主题", "队伍", "区域", "地址", "日期", "时间", "名额", "实名"],
        [
            "净滩",
            "白城沙滩净滩",
            "生态环保",
            "haicang team",
            "思明区",
            "白城沙滩",
            "2026/5/16",
            "9:00到12:00",
            "20",
            "是",
        ],
    ]
    [plan] = plans_of(world, "活动.CSV", csv_bytes(rows, encoding="gb18030"))
    assert plan.title == "白城沙滩净滩"
    assert plan.theme_id == ids(world, "themes")["environment"]
    assert plan.district_id == ids(world, "districts")["siming"]
    assert plan.require_real_name is True
    assert plan.shifts[0].starts_at == local(2026, 5, 16, 9, 0)


async def test_semicolons_separate_values_when_the_header_uses_them(
    world: dict[str, Any],
) -> None:
    [plan] = plans_of(world, "a.csv", csv_bytes([HEADER, ROW + SHIFT], delimiter=";"))
    assert plan.title == "Beach clean-up"


async def test_xlsx_cells_as_excel_stores_them_read_like_typed_text(
    world: dict[str, Any],
) -> None:
    header = ["Activity", "Title", "Theme", "Team", "Address", "Latitude", "Longitude", "Date"]
    header += ["Time", "Places", "Deadline", "Min age", "Real name"]
    rows = [
        header,
        [
            "beach",
            "Beach clean-up",
            "Environmental protection",
            "Haicang Team",
            "Baicheng",
            24.5,
            118,
            datetime(2026, 5, 16),
            "09:00-12:00",
            20,
            datetime(2026, 5, 15, 0, 0),
            16,
            True,
        ],
        ["beach", *[None] * 6, date(2026, 5, 17), "14:00-17:00", 12.0],
    ]
    [plan] = plans_of(world, "plan.xlsx", xlsx_bytes(rows))
    assert (plan.latitude, plan.longitude) == (24.5, 118.0)
    assert [(s.starts_at, s.capacity) for s in plan.shifts] == [
        (local(2026, 5, 16, 9, 0), 20),
        (local(2026, 5, 17, 14, 0), 12),
    ]
    assert plan.signup_deadline == local(2026, 5, 15, 0, 0)  # midnight stays a deadline
    assert (plan.min_age, plan.require_real_name) == (16, True)


def test_xlsx_cells_become_the_text_a_coordinator_would_type() -> None:
    header = [*HEADER, "deadline", "real_name"]
    cells = [*ROW, datetime(2026, 5, 16), time(9, 0), 20.0, datetime(2026, 5, 15, 18), False]
    [row] = import_file.read_rows("a.xlsx", xlsx_bytes([header, cells]))
    typed = [*ROW, "2026-05-16", "09:00", "20", "2026-05-15 18:00", "no"]
    assert row == dict(zip(header, typed, strict=True))


async def test_xlsx_and_csv_of_the_same_table_give_the_same_plans(world: dict[str, Any]) -> None:
    with EXAMPLE.open(encoding="utf-8", newline="") as example:
        table = list(csv.reader(example))
    assert plans_of(world, "a.xlsx", xlsx_bytes(table)) == plans_of(
        world, "a.csv", EXAMPLE.read_bytes()
    )


async def test_rows_of_one_activity_need_not_be_next_to_each_other(
    world: dict[str, Any],
) -> None:
    rows = [
        [*HEADER, "min_age"],
        [*ROW, *SHIFT, "16"],
        ["other", "Park walk", "environment", "Haicang Team", "Park", *SHIFT, ""],
        ["beach", "Beach clean-up", "", "", "", "2026-05-17", "09:00-12:00", "5", "16"],
    ]
    beach, park = plans_of(world, "a.csv", csv_bytes(rows))
    assert [s.capacity for s in beach.shifts] == [20, 5]
    assert beach.min_age == 16
    assert park.title == "Park walk"


async def test_blank_rows_are_skipped_and_keep_the_numbering(world: dict[str, Any]) -> None:
    rows = [HEADER, ROW + SHIFT, [""] * 8, ["beach", "", "", "", "", "2026-05-16", "9-25", "5"]]
    assert problems_of(world, "a.csv", csv_bytes(rows)) == [(4, "time_format")]


# ---- problems, each with its row ----------------------------------------------------------

BAD_CELLS: list[tuple[str, str, str]] = [
    ("title", "x" * 129, "title_too_long"),
    ("description", "x" * 2001, "description_too_long"),
    ("theme", "knitting", "import_theme_unknown"),
    ("team", "Jimei Team", "import_team_not_yours"),
    ("district", "atlantis", "import_district_unknown"),
    ("address", "x" * 257, "address_too_long"),
    ("latitude", "24.4", "import_coordinates_pair"),
    ("date", "mid-May", "date_format"),
    ("date", "2026-02-30", "date_impossible"),
    ("date", "2025-12-01", "shift_in_past"),
    ("time", "morning", "time_range_format"),
    ("time", "9-25", "time_format"),
    ("time", "12:00-09:00", "time_range_order"),
    ("places", "0", "capacity_invalid"),
    ("places", "many", "capacity_invalid"),
    ("deadline", "tomorrow", "deadline_format"),
    ("deadline", "2026-01-01 18:00", "deadline_past"),
    ("deadline", "2026-06-01 18:00", "deadline_after_shifts"),
    ("min_age", "200", "min_age_invalid"),
    ("real_name", "maybe", "import_yes_no"),
    ("insurance", "perhaps", "import_yes_no"),
    ("required_theme", "knitting", "import_theme_unknown"),
    ("activity", "", "import_value_missing"),
    ("title", "", "import_value_missing"),
    ("places", "", "import_value_missing"),
]


@pytest.mark.parametrize(
    ("column", "value", "code"), BAD_CELLS, ids=[f"{c}={v[:12]!r}" for c, v, _ in BAD_CELLS]
)
async def test_each_bad_cell_is_reported_on_its_row(
    world: dict[str, Any], column: str, value: str, code: str
) -> None:
    header = [*HEADER, "description", "district", "latitude", "deadline", "min_age"]
    header += ["real_name", "insurance", "required_theme"]
    good = dict(zip(header, [*ROW, *SHIFT] + [""] * 8, strict=True))
    bad = good | {"activity": "second"} | {column: value}
    rows = [header, list(good.values()), list(bad.values())]
    assert problems_of(world, "a.csv", csv_bytes(rows)) == [(3, code)]


async def test_an_activity_may_need_insured_volunteers(world: dict[str, Any]) -> None:
    rows = [[*HEADER, "insurance"], [*ROW, *SHIFT, "是"], ["b", *ROW[1:], *SHIFT, "no"]]
    insured, plain = plans_of(world, "a.csv", csv_bytes(rows))
    assert (insured.require_insurance, plain.require_insurance) == (True, False)
    rows[2][-1] = "perhaps"
    with pytest.raises(ImportRejected) as rejected:
        plans_of(world, "a.csv", csv_bytes(rows))
    [(row, error)] = rejected.value.problems
    assert (row, error.code, error.params) == (3, "import_yes_no", {"column": "insurance"})


async def test_coordinates_out_of_range_are_refused(world: dict[str, Any]) -> None:
    rows = [
        [*HEADER, "latitude", "longitude"],
        [*ROW, *SHIFT, "95", "118"],
        ["b", *ROW[1:], *SHIFT, "24", "east"],
    ]
    assert problems_of(world, "a.csv", csv_bytes(rows)) == [
        (2, "import_latitude_invalid"),
        (3, "import_longitude_invalid"),
    ]


async def test_a_row_reports_all_its_problems(world: dict[str, Any]) -> None:
    rows = [HEADER, ["beach", "", "knitting", "Jimei Team", "Beach", "2026-02-30", "9-25", "0"]]
    rejected = problems_of(world, "a.csv", csv_bytes(rows))
    assert sorted(code for _, code in rejected) == [
        "capacity_invalid",
        "date_impossible",
        "import_team_not_yours",
        "import_theme_unknown",
        "import_value_missing",
        "time_format",
    ]
    assert {row for row, _ in rejected} == {2}


async def test_a_later_row_contradicting_the_first_of_its_activity(
    world: dict[str, Any],
) -> None:
    rows = [
        HEADER,
        ROW + SHIFT,
        ["beach", "Beach party", "", "", "", "2026-05-17", "9:00-12:00", "5"],
    ]
    with pytest.raises(ImportRejected) as rejected:
        plans_of(world, "a.csv", csv_bytes(rows))
    [(row, error)] = rejected.value.problems
    assert (row, error.code, error.params) == (
        3,
        "import_conflict",
        {"column": "title", "first": 2, "activity": "beach"},
    )


async def test_the_same_shift_twice_in_one_activity(world: dict[str, Any]) -> None:
    rows = [HEADER, ROW + SHIFT, ["beach", "", "", "", "", *SHIFT]]
    assert problems_of(world, "a.csv", csv_bytes(rows)) == [(3, "import_shift_twice")]


async def test_too_many_shifts_are_reported_on_the_activitys_first_row(
    world: dict[str, Any],
) -> None:
    shifts = [
        ["beach", "", "", "", "", f"2026-05-{day:02d}", "14:00-17:00", "5"] for day in range(1, 21)
    ]
    rows = [HEADER, ["other", *ROW[1:], *SHIFT], ROW + SHIFT, *shifts]
    assert problems_of(world, "a.csv", csv_bytes(rows)) == [(3, "shifts_too_many")]


async def test_three_bad_rows_are_exactly_the_ones_reported(world: dict[str, Any]) -> None:
    rows = [
        HEADER,
        ROW + SHIFT,
        ["beach", "", "", "", "", "2026-02-30", "09:00-12:00", "5"],
        ["park", "Park walk", "environment", "Haicang Team", "Park", *SHIFT],
        ["park", "", "", "", "", "2026-05-17", "09:00-12:00", "0"],
        ["museum", "Museum guide", "knitting", "Haicang Team", "Museum", *SHIFT],
        ["museum", "", "", "", "", "2026-05-18", "09:00-12:00", "3"],
    ]
    assert problems_of(world, "a.csv", csv_bytes(rows)) == [
        (3, "date_impossible"),
        (5, "capacity_invalid"),
        (6, "import_theme_unknown"),
    ]


async def test_an_activity_at_a_station_takes_its_place_unless_the_row_gives_one(
    world: dict[str, Any],
) -> None:
    rows = [
        [*HEADER, "station"],
        ["park", *ROW[1:4], "", *SHIFT, "park STATION"],
        ["gate", *ROW[1:4], "Gate 2", *SHIFT, "Park station"],
    ]
    at, own = plans_of(world, "a.csv", csv_bytes(rows))
    [park] = world["stations"]
    assert (at.station_id, at.address, at.latitude, at.longitude, at.district_id) == (
        park.id,
        "Park station Road",
        24.46,
        118.08,
        ids(world, "districts")["siming"],
    )
    assert (own.station_id, own.address) == (park.id, "Gate 2")


async def test_a_station_of_no_team_of_the_uploader_or_not_the_activitys_is_refused(
    world: dict[str, Any], session: AsyncSession
) -> None:
    rows = [
        [*HEADER, "station"],
        ["a", *ROW[1:4], "", *SHIFT, "Atlantis station"],
        ["b", *ROW[1:4], "", *SHIFT, "Jimei station"],  # not linked to the uploader's team
        ["c", *ROW[1:4], "", *SHIFT, ""],  # neither an address nor a station
    ]
    assert problems_of(world, "a.csv", csv_bytes(rows)) == [
        (2, "import_station_unknown"),
        (3, "import_station_unknown"),
        (4, "import_address_missing"),
    ]
    # An admin runs both teams: Jimei station is theirs, but not Haicang Team's.
    teams = [*world["teams"], await session.scalar(select(Team).where(Team.name == "Jimei Team"))]
    admin = world | {
        "teams": teams,
        "stations": await stations.linked_to(session, [team.id for team in teams]),
    }
    with pytest.raises(ImportRejected) as rejected:
        plans_of(admin, "a.csv", csv_bytes(rows[:1] + rows[2:3]))
    [(row, error)] = rejected.value.problems
    assert (row, error.code, error.params) == (
        2,
        "import_station_other_team",
        {"station": "Jimei station", "team": "Haicang Team"},
    )


# ---- the header row and the file as a whole ---------------------------------------------


async def test_header_problems_are_all_reported_on_row_1(world: dict[str, Any]) -> None:
    rows = [
        ["activity", "title", "Title", "colour", "team", "address", "date", "time", "", "places"],
        ["beach", "Beach", "Beach", "red", "Haicang Team", "Beach", *SHIFT[:2], "note", "20"],
    ]
    assert problems_of(world, "a.csv", csv_bytes(rows)) == [
        (1, "import_column_twice"),
        (1, "import_column_unknown"),
        (1, "import_column_unnamed"),
        (1, "import_column_missing"),  # theme
    ]


async def test_a_value_beyond_the_last_named_column_is_reported(world: dict[str, Any]) -> None:
    rows = [HEADER, [*ROW, *SHIFT, "stray"]]
    with pytest.raises(ImportRejected) as rejected:
        plans_of(world, "a.csv", csv_bytes(rows))
    [(row, error)] = rejected.value.problems
    assert (row, error.code, error.params) == (1, "import_column_unnamed", {"number": 9})


@pytest.mark.parametrize(
    ("filename", "content", "code"),
    [
        ("plan.pdf", b"%PDF-1.7", "import_file_type"),
        ("plan.xls", b"\xd0\xcf\x11\xe0", "import_file_type"),
        ("plan", b"activity", "import_file_type"),
        ("plan.csv", b"", "import_empty"),
        ("plan.csv", b"\n\n", "import_empty"),
        ("plan.csv", ",".join(HEADER).encode() + b"\n,,,\n", "import_no_rows"),
        ("plan.csv", b"\xff\xfe\xff", "import_unreadable"),
        ("plan.xlsx", b"PK\x03\x04 not really a workbook", "import_unreadable"),
        ("plan.csv", b"x" * (import_file.MAX_BYTES + 1), "import_too_large"),
    ],
)
async def test_files_that_cannot_be_imported_at_all(
    world: dict[str, Any], filename: str, content: bytes, code: str
) -> None:
    assert file_error(world, filename, content).code == code


async def test_an_empty_workbook_is_empty(world: dict[str, Any]) -> None:
    assert file_error(world, "a.xlsx", xlsx_bytes([])).code == "import_empty"


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
async def test_the_row_limit_counts_up_to_the_last_filled_row(
    world: dict[str, Any], kind: str
) -> None:
    limit = import_file.MAX_ROWS
    at_limit: list[list[Any]] = [HEADER, *[[""] * 8] * (limit - 1), ROW + SHIFT, *[[""] * 8] * 50]
    over: list[list[Any]] = [HEADER, *[[""] * 8] * limit, ROW + SHIFT]
    make = csv_bytes if kind == "csv" else xlsx_bytes
    assert len(plans_of(world, f"a.{kind}", make(at_limit))) == 1
    refused = file_error(world, f"a.{kind}", make(over))
    assert (refused.code, refused.params) == ("import_too_many_rows", {"max": limit})


def test_check_file_refuses_by_name_and_size_before_downloading() -> None:
    assert import_file.check_file("Plan.XLSX", 10) == ".xlsx"
    assert import_file.check_file("plan.csv", None) == ".csv"
    with pytest.raises(InvalidInput, match="import_too_large"):
        import_file.check_file("plan.csv", import_file.MAX_BYTES + 1)
    with pytest.raises(InvalidInput, match="import_file_type"):
        import_file.check_file(None, 10)
