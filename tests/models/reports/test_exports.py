"""Records export without Telegram: the acceptance (10,000 volunteers and 100,000 confirmed
service records, written as XLSX and CSV, read back with a lean XLSX reader and csv, matching
the database's totals), the documented column layout, and the filters — team, local days at the
zone's midnight, confirmed only, credited and honour apart — on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import functools
import io
import random
import time
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import Element, iterparse
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import spreadsheet
from models.activities.tables import ServiceRecord, Shift, Signup
from models.audit import AuditEntry
from models.crypto import IdCipher
from models.errors import Conflict
from models.reference import District, Theme
from models.registration.tables import Volunteer, volunteer_themes
from models.reports import exports
from models.reports.export_files import FileFormat, Table
from models.reports.exports import Period, Scope
from models.teams.tables import TeamMember
from models.training import courses, qualifications
from tests.conftest import TEST_ID_KEY
from tests.ids import make_id
from tests.models.attendance.test_hours import record
from tests.models.world import NOW, make_activity, make_team, shift_plan, theme, volunteer_row

ZONE = ZoneInfo("Asia/Shanghai")
CIPHER = IdCipher(TEST_ID_KEY)

# The documented layout (docs/exports.md): other systems import by these headers, in this order.
VOLUNTEER_HEADER = [
    "志愿者编号/volunteer no.",
    "姓名/name",
    "证件类型/ID type",
    "证件号码/ID number",
    "出生日期/birth date",
    "手机号/phone",
    "所在区域/district",
    "服务类别/themes",
    "注册时间/registered at",
    "资质/qualifications",
]
RECORD_HEADER = [
    "记录编号/record no.",
    "志愿者编号/volunteer no.",
    "姓名/name",
    "证件号码/ID number",
    "队伍/team",
    "活动编号/activity no.",
    "活动名称/activity",
    "服务类别/theme",
    "服务地点/address",
    "服务日期/date",
    "开始时间/start",
    "结束时间/end",
    "签到时间/check-in",
    "签退时间/check-out",
    "服务时长/hours",
    "荣誉时长/honour hours",
    "服务分钟/minutes",
    "荣誉分钟/honour minutes",
    "确认时间/confirmed at",
    "备注/note",
]
HOURS, HONOUR, MINUTES, HONOUR_MINUTES = 14, 15, 16, 17  # record columns


async def export(
    session: AsyncSession, scope: Scope, file_format: FileFormat, **options: Any
) -> tuple[bytes, exports.Totals]:
    out = io.BytesIO()
    cipher = options.pop("cipher", CIPHER)
    totals = await exports.export(
        session, scope, file_format, out, zone=ZONE, cipher=cipher, **options
    )
    return out.getvalue(), totals


async def write(
    session: AsyncSession, scope: Scope, file_format: FileFormat, **options: Any
) -> tuple[list[list[Any]], exports.Totals]:
    """Export and read the file back as a spreadsheet reader or CSV parser sees it. An XLSX is
    read by openpyxl too, and the two readings must agree: the small files of the tests below
    vouch for the lean reader that the city-sized export is read back with."""
    content, totals = await export(session, scope, file_format, **options)
    rows = list(rows_of(content, file_format))
    if file_format is FileFormat.XLSX:
        assert rows == list(openpyxl_rows(content))
    return rows, totals


def rows_of(content: bytes, file_format: FileFormat) -> Iterator[list[Any]]:
    if file_format is FileFormat.CSV:
        assert content.startswith(b"\xef\xbb\xbf")  # the BOM that tells Excel it is UTF-8
        yield from csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""))
        return
    yield from xlsx_rows(content)


def openpyxl_rows(content: bytes) -> Iterator[list[Any]]:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    try:
        for row in book.worksheets[0].iter_rows(values_only=True):
            yield list(row)
    finally:
        book.close()


SHEET_XML = "xl/worksheets/sheet1.xml"
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
SHEET_DATA, ROW, CELL = f"{MAIN}sheetData", f"{MAIN}row", f"{MAIN}c"
INLINE, TEXT, VALUE = f"{MAIN}is", f"{MAIN}t", f"{MAIN}v"


def xlsx_rows(content: bytes) -> Iterator[list[Any]]:
    """The sheet's rows as openpyxl's read-only mode gives them (numbers as int or float, text
    as str, an empty cell as None), parsed straight from the sheet's XML a row at a time.
    openpyxl makes an object for every cell, and before reading a row it parses the whole sheet
    once looking for the size the write-only writer leaves out: on the 100,000 records it took
    longer to read the file back than the exporter took to write it. This reads only what
    `models.spreadsheet` writes — one sheet, inline strings and plain numbers, no shared
    strings, styles or formulas — and fails on anything else rather than guess."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        assert sheets == [SHEET_XML]
        with archive.open(SHEET_XML) as sheet:
            data: Element | None = None
            for event, element in iterparse(sheet, events=("start", "end")):
                if event == "start":
                    if element.tag == SHEET_DATA:
                        data = element
                elif element.tag == ROW:
                    yield _row(element)
                    assert data is not None
                    data.clear()  # drop the rows read: memory stays flat, whatever the size


def _row(row: Element) -> list[Any]:
    cells: list[Any] = []
    for cell in row:
        assert cell.tag == CELL
        # Empty cells are left out of the file: the reference ("C7") says where a cell belongs.
        column = _column(cell.get("r", "").rstrip("0123456789"))
        cells.extend([None] * (column - len(cells)))
        cells.append(_value(cell))
    return cells


@functools.cache
def _column(letters: str) -> int:
    """0 for A, 25 for Z, 26 for AA."""
    assert letters
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - ord("A") + 1
    return column - 1


def _value(cell: Element) -> Any:
    kind = cell.get("t")  # a formula has none, and is refused below
    if kind == "inlineStr":  # <is><t>text</t></is>; an empty string is a cell without <is>
        if len(cell) == 0:
            return None
        (inline,) = cell
        (text,) = inline  # one run of plain text, not rich text
        assert (inline.tag, text.tag) == (INLINE, TEXT)
        return text.text or ""
    assert kind == "n", f"{cell.get('r')}: a cell of type {kind}"
    (value,) = cell
    assert value.tag == VALUE and value.text
    # As openpyxl reads a number: a float if written with a point or an exponent.
    return float(value.text) if any(c in value.text for c in ".eE") else int(value.text)


def test_text_like_a_formula_or_an_error_stays_text_in_xlsx() -> None:
    # openpyxl would store "=…" as a formula and "#N/A" as an error value; the lean reader
    # refuses both, so reading the cells back as text proves they were written as text.
    texts = ["=1+1", "=", "#N/A", "#DIV/0!", "+1", "-2", "@x", "plain", "志愿者"]
    content = spreadsheet.table(FileFormat.XLSX, "t", [texts], free_text=())
    assert list(xlsx_rows(content)) == list(openpyxl_rows(content)) == [texts]


# ---- the acceptance: a city-sized export ----------------------------------------------------

VOLUNTEERS = 10_000
RECORDS = 100_000
UNCONFIRMED = 5_000
ACTIVITIES = 100
SHIFTS_PER_ACTIVITY = 11  # 1,100 shifts of up to 100 people: 105,000 sign-ups
INSERT_BATCH = 10_000


async def bulk(session: AsyncSession, table: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), INSERT_BATCH):
        await session.execute(insert(table), rows[start : start + INSERT_BATCH])


async def city(session: AsyncSession) -> dict[int, str]:
    """10,000 real-name volunteers, and 105,000 records on 1,100 shifts of 100 activities (of
    as many teams), 100,000 of them confirmed; made with Core inserts. Volunteer id → ID
    number."""
    rng = random.Random(6)
    district = await session.scalar(select(District.id).order_by(District.id))
    theme_ids = list(await session.scalars(select(Theme.id).order_by(Theme.id)))
    numbers: dict[int, str] = {}
    people = []
    for i in range(1, VOLUNTEERS + 1):
        numbers[i] = make_id(region=f"35{i // 1000:04d}", serial=f"{i % 1000:03d}")
        people.append(
            {
                "id": i,
                "telegram_id": 10_000_000 + i,
                "status": "active",
                "language": "zh-CN",
                "full_name": f"志愿者{i}",
                "phone": f"+86138{i:08d}",
                "id_number_encrypted": CIPHER.encrypt(numbers[i]),
                "id_number_index": f"index-{i}",
                "id_number_masked": "3502**********1234",
                "birth_date": date(1990, 5, 17),
                "district_id": district,
                "registered_at": NOW,
                "availability": 0,
            }
        )
    await bulk(session, Volunteer, people)
    await bulk(
        session,
        volunteer_themes,
        [{"volunteer_id": i, "theme_id": rng.choice(theme_ids)} for i in range(1, VOLUNTEERS + 1)],
    )
    for _ in range(ACTIVITIES):
        await make_activity(
            session, *(shift_plan(NOW + timedelta(days=d + 1)) for d in range(SHIFTS_PER_ACTIVITY))
        )
    shift_ids = list(await session.scalars(select(Shift.id).order_by(Shift.id)))
    signups, services = [], []
    for n in range(RECORDS + UNCONFIRMED):
        shift, place = divmod(n, 100)
        signup_id = n + 1
        signups.append(
            {
                "id": signup_id,
                "shift_id": shift_ids[shift],
                "volunteer_id": (shift * 37 + place) % VOLUNTEERS + 1,
                "status": "attended",
                "queued_at": NOW,
                "updated_at": NOW,
            }
        )
        confirmed = n < RECORDS
        services.append(
            {
                "signup_id": signup_id,
                "checked_in_at": NOW,
                "checked_out_at": NOW + timedelta(hours=3),
                "credited_minutes": 15 * rng.randint(0, 16),
                "honour_minutes": 15 * rng.choice((0, 0, 0, 2, 4)),
                "flagged": not confirmed,
                "confirmed_at": NOW if confirmed else None,
                "note": "",
            }
        )
    await bulk(session, Signup, signups)
    await bulk(session, ServiceRecord, services)
    await session.commit()
    return numbers


async def confirmed_totals(session: AsyncSession) -> tuple[int, int, int]:
    count, credited, honour = (
        await session.execute(
            select(
                func.count(),
                func.sum(ServiceRecord.credited_minutes),
                func.sum(ServiceRecord.honour_minutes),
            ).where(ServiceRecord.confirmed_at.is_not(None))
        )
    ).one()
    return int(count), int(credited), int(honour)


async def test_ten_thousand_volunteers_and_a_hundred_thousand_records_read_back(
    session: AsyncSession,
) -> None:
    clock = time.perf_counter()
    numbers = await city(session)
    timings = [f"data {time.perf_counter() - clock:.1f} s"]
    count, credited, honour = await confirmed_totals(session)
    assert count == RECORDS and credited > 0 and honour > 0

    records = Scope(Table.RECORDS)
    assert await exports.count(session, records, ZONE) == RECORDS
    for file_format in (FileFormat.XLSX, FileFormat.CSV):
        clock = time.perf_counter()
        content, totals = await export(session, records, file_format)
        timings.append(f"records {file_format} written {time.perf_counter() - clock:.1f} s")
        clock = time.perf_counter()
        assert (totals.records, totals.credited_minutes, totals.honour_minutes) == (
            count,
            credited,
            honour,
        )
        rows = rows_of(content, file_format)
        assert next(rows) == RECORD_HEADER
        seen: set[int] = set()
        minutes, honour_minutes, hours, honour_hours = 0, 0, Decimal(0), Decimal(0)
        for row in rows:  # one at a time: the whole sheet held at once takes 200 MB
            seen.add(int(row[0]))
            minutes += int(row[MINUTES])
            honour_minutes += int(row[HONOUR_MINUTES])
            hours += Decimal(str(row[HOURS]))
            honour_hours += Decimal(str(row[HONOUR]))
            if int(row[0]) % 2_000 == 0:  # a sample: the real ID numbers, decrypted
                assert row[3] == numbers[int(row[1])]
        assert len(seen) == RECORDS  # each confirmed record once, and nothing else
        assert (minutes, honour_minutes) == (credited, honour)
        # Every record is a whole number of quarter hours, so decimal hours add up exactly.
        assert (hours, honour_hours) == (Decimal(credited) / 60, Decimal(honour) / 60)
        timings.append(f"read {time.perf_counter() - clock:.1f} s")

    clock = time.perf_counter()
    volunteers = Scope(Table.VOLUNTEERS)
    for file_format in (FileFormat.XLSX, FileFormat.CSV):
        content, totals = await export(session, volunteers, file_format)
        sheet = list(rows_of(content, file_format))
        assert sheet[0] == VOLUNTEER_HEADER
        assert len(sheet) - 1 == totals.volunteers == VOLUNTEERS
        assert {str(row[3]) for row in sheet[1:]} == set(numbers.values())
    timings.append(f"volunteers both ways {time.perf_counter() - clock:.1f} s")
    print("\n" + "; ".join(timings))  # with -s: how long a city's export takes here


# ---- the filters ------------------------------------------------------------------------------


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZONE)


async def real_name(session: AsyncSession, name: str, number: str) -> Volunteer:
    volunteer = volunteer_row(language="zh-CN", name=name)
    volunteer.id_number_encrypted = CIPHER.encrypt(number)
    volunteer.id_number_index = CIPHER.blind_index(number)
    volunteer.birth_date = date(1990, 5, 17)
    session.add(volunteer)
    await session.flush()
    return volunteer


async def test_records_of_a_team_confirmed_only_with_credited_and_honour_apart(
    db: AsyncSession,
) -> None:
    alice = await real_name(db, "Alice", make_id())
    ours, theirs = await make_team(db), await make_team(db)
    _, (shift,) = await make_activity(db, team_id=ours.id, title='=HYPERLINK("x")')
    _, (other,) = await make_activity(db, team_id=ours.id)
    _, (elsewhere,) = await make_activity(db, team_id=theirs.id)
    start = local(2026, 1, 6, 9)
    kept = await record(db, shift, alice.id, start, 180, 30, NOW)
    kept.note = "set up the tables"
    await record(db, other, alice.id, start, 120, 0, None)  # not confirmed yet
    await record(db, elsewhere, alice.id, start, 60, 0, NOW)  # another team's
    await db.flush()

    scope = Scope(Table.RECORDS, team_id=ours.id)
    assert await exports.count(db, scope, ZONE) == 1
    rows, totals = await write(db, scope, FileFormat.XLSX)
    assert rows[1] == [
        kept.id,
        alice.id,
        "Alice",
        make_id(),
        ours.name,
        shift.activity_id,
        '=HYPERLINK("x")',  # text in a cell, never a formula
        "大型活动",
        "Huandao Road 1",
        "2026-01-06",
        "2026-01-06 09:00",
        "2026-01-06 12:00",
        "2026-01-06 09:00",
        "2026-01-06 12:00",
        3,
        0.5,
        180,
        30,
        "2026-01-05 09:00",
        "set up the tables",
    ]
    assert len(rows) == 2
    assert (totals.records, totals.credited_minutes, totals.honour_minutes) == (1, 180, 30)
    csv_rows, _ = await write(db, scope, FileFormat.CSV)
    assert csv_rows[1][6] == '\'=HYPERLINK("x")'  # a spreadsheet opening the CSV shows text
    assert csv_rows[1][HOURS : HONOUR_MINUTES + 1] == ["3", "0.5", "180", "30"]

    everyone = Scope(Table.RECORDS)  # an admin's: every team, still confirmed only
    rows, totals = await write(db, everyone, FileFormat.CSV)
    assert (len(rows) - 1, totals.credited_minutes) == (2, 240)


async def test_the_period_is_the_shifts_local_days(db: AsyncSession) -> None:
    volunteer = await real_name(db, "Bo", make_id())
    _, shifts = await make_activity(db, *(shift_plan(NOW + timedelta(days=d)) for d in (1, 2, 3)))
    # 23:30 on 31 January in Xiamen is January; its midnight is February, though still the
    # 31st in UTC; 1 March is past the end of February.
    for shift, start in zip(
        shifts,
        (local(2026, 1, 31, 23, 30), local(2026, 2, 1, 0, 0), local(2026, 3, 1, 0, 0)),
        strict=True,
    ):
        await record(db, shift, volunteer.id, start, 60, 0, NOW)

    async def days(first: date | None, last: date | None) -> list[list[Any]]:
        rows, _ = await write(db, Scope(Table.RECORDS, None, first, last), FileFormat.CSV)
        return [[row[9], row[10]] for row in rows[1:]]

    assert await days(date(2026, 1, 1), date(2026, 1, 31)) == [["2026-01-31", "2026-01-31 23:30"]]
    assert await days(date(2026, 2, 1), date(2026, 2, 28)) == [["2026-02-01", "2026-02-01 00:00"]]
    assert await days(date(2026, 2, 1), None) == [
        ["2026-02-01", "2026-02-01 00:00"],
        ["2026-03-01", "2026-03-01 00:00"],
    ]
    assert len(await days(None, None)) == 3


async def test_the_volunteers_of_a_team_are_its_active_members(db: AsyncSession) -> None:
    team, other = await make_team(db), await make_team(db)
    member = await real_name(db, "李华", make_id())
    member.themes = [await theme(db, "events"), await theme(db, "neighbourhood")]
    member.district_id = await db.scalar(select(District.id).where(District.code == "haicang"))
    plain = volunteer_row(name="Wang")  # registered without a real name
    asking, erased, outsider = (volunteer_row() for _ in range(3))
    db.add_all([plain, asking, erased, outsider])
    await db.flush()
    erased.status, erased.full_name, erased.phone = "erased", None, None
    for volunteer, status, team_id in (
        (member, "active", team.id),
        (plain, "active", team.id),
        (asking, "pending", team.id),  # asked to join, not approved
        (erased, "active", team.id),
        (outsider, "active", other.id),
    ):
        db.add(TeamMember(team_id=team_id, volunteer_id=volunteer.id, status=status, joined_at=NOW))
    for name, months in (("急救", 24), ("心理疏导", None)):
        course = await courses.create(
            db, name=name, description="", validity_months=months, actor=1, now=NOW
        )
        await qualifications.grant(db, member, course, reason="trained", actor=1, now=NOW)
    await db.flush()

    scope = Scope(Table.VOLUNTEERS, team_id=team.id)
    assert await exports.count(db, scope, ZONE) == 2
    rows, totals = await write(db, scope, FileFormat.XLSX)
    assert rows[1:] == [
        [member.id, "李华", "居民身份证", make_id(), "1990-05-17", member.phone, "海沧区",
         "邻里守望、大型活动", "2025-09-27 09:00", "心理疏导（长期）、急救（至2028-01-05）"],
        [plain.id, "Wang", None, None, None, plain.phone, None, None, "2025-09-27 09:00"],
    ]  # fmt: skip
    assert totals.volunteers == 2
    everyone, _ = await write(db, Scope(Table.VOLUNTEERS), FileFormat.CSV)
    assert len(everyone) - 1 == 4  # every active volunteer, in a team or not; not the erased


async def test_an_erased_volunteers_records_stay_without_their_name(db: AsyncSession) -> None:
    volunteer = await real_name(db, "Gone", make_id())
    _, (shift,) = await make_activity(db)
    await record(db, shift, volunteer.id, local(2026, 1, 6, 9), 90, 0, NOW)
    volunteer.status, volunteer.full_name, volunteer.phone = "erased", None, None
    volunteer.id_number_encrypted = volunteer.id_number_index = None
    await db.flush()
    rows, totals = await write(db, Scope(Table.RECORDS), FileFormat.CSV)
    assert rows[1][1:4] == [str(volunteer.id), "", ""]
    assert totals.credited_minutes == 90


async def test_without_the_key_id_numbers_are_not_guessed(session: AsyncSession) -> None:
    await real_name(session, "Alice", make_id())
    with pytest.raises(Conflict) as refused:
        await write(session, Scope(Table.VOLUNTEERS), FileFormat.CSV, cipher=None)
    assert refused.value.code == "export_no_key"


async def test_progress_is_told_after_each_chunk(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "CHUNK_ROWS", 2)
    session.add_all([volunteer_row() for _ in range(5)])
    await session.flush()
    seen: list[int] = []
    _, totals = await write(session, Scope(Table.VOLUNTEERS), FileFormat.CSV, progress=seen.append)
    assert seen == [2, 4, 5]
    assert totals.volunteers == 5


async def test_the_audit_row_says_what_was_exported(session: AsyncSession) -> None:
    team = await make_team(session)
    scope = Scope(Table.RECORDS, team.id, date(2026, 1, 1), date(2026, 1, 31))
    totals = exports.Totals(records=3, credited_minutes=180, honour_minutes=15)
    exports.record(
        session, actor=42, scope=scope, file_format=FileFormat.XLSX, totals=totals, at=NOW
    )
    entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "export.records"))
    assert entry is not None
    assert (entry.actor_telegram_id, entry.target_type, entry.target_id, entry.at) == (
        42,
        "team",
        team.id,
        NOW,
    )
    assert entry.after == {
        "format": "xlsx",
        "from": "2026-01-01",
        "to": "2026-01-31",
        "volunteers": 0,
        "records": 3,
        "credited_minutes": 180,
        "honour_minutes": 15,
    }


@pytest.mark.parametrize(
    ("period", "today", "days"),
    [
        (Period.THIS_MONTH, date(2026, 2, 10), (date(2026, 2, 1), date(2026, 2, 28))),
        (Period.LAST_MONTH, date(2026, 1, 5), (date(2025, 12, 1), date(2025, 12, 31))),
        (Period.LAST_MONTH, date(2024, 3, 31), (date(2024, 2, 1), date(2024, 2, 29))),
        (Period.THIS_YEAR, date(2026, 1, 5), (date(2026, 1, 1), date(2026, 12, 31))),
        (Period.LAST_YEAR, date(2026, 1, 5), (date(2025, 1, 1), date(2025, 12, 31))),
    ],
)
def test_periods_by_the_local_calendar(
    period: Period, today: date, days: tuple[date, date]
) -> None:
    assert exports.period_days(period, today) == days


async def test_a_team_is_found_by_name_or_id(session: AsyncSession) -> None:
    team = await make_team(session, "海沧志愿服务队")
    assert await exports.find_team(session, "海沧志愿服务队") == team
    assert await exports.find_team(session, str(team.id)) == team
    assert await exports.find_team(session, "nobody") is None
