"""Reading the file a coordinator uploads to import activities (docs/activity-import.md): its
type and size, checked before it downloads, then its rows as text, CSV or XLSX alike, under the
columns its header row names (in English or Chinese). Every problem with the header row is
reported at once; `import_activities` then checks the rows and groups them into activities.

An upload is untrusted: `read_upload` first runs the cheap checks of its shape
(`upload_checks`), then parses it in a worker process with CPU, memory and time limits
(`models.isolated`), never on the event loop. `read_rows`, the parse itself, is pure and bounded
by the same limits on rows, columns and cell length.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import PurePath

import openpyxl

from models import isolated
from models.errors import InvalidInput
from models.publishing import upload_checks
from models.publishing.upload_checks import MAX_CELL_CHARS, MAX_COLUMNS, MAX_SHEET_ROWS

MAX_BYTES = 1024 * 1024
MAX_ROWS = 500  # below the header; blank rows between filled ones count, trailing ones do not
FILE_TYPES = (".csv", ".xlsx")
HEADER_ROW = 1  # rows are numbered as a spreadsheet shows them
CSV_DELIMITERS = (",", ";", "\t")
QUOTED_MAX_CHARS = 40  # of a cell's text quoted back in a problem
# A worker reading a file that passed the checks: a 500-row file takes well under a second and
# 100 MB; a file still past these is refused as too large or complex.
PARSE_LIMITS = isolated.Limits(cpu_seconds=5, memory_bytes=1024 * 1024 * 1024, wall_seconds=8)

# Every column by its English header, with the Chinese header accepted instead.
COLUMNS: dict[str, str] = {
    "activity": "活动",
    "title": "标题",
    "description": "简介",
    "theme": "主题",
    "team": "队伍",
    "district": "区域",
    "station": "驿站",
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
# And an address or a station: checked per activity (models/publishing/import_activities.py).
REQUIRED_COLUMNS = ("activity", "title", "theme", "team", "date", "time", "places")
HEADER_SEPARATORS = re.compile(r"[\s\-]+")


@dataclass(frozen=True)
class Layout:
    """The columns a kind of file has (activities; stations, models/stations): each by its
    English header with the Chinese one accepted instead, and those it must have."""

    columns: Mapping[str, str]
    required: tuple[str, ...]

    def column(self, header: str) -> str | None:
        """The column a header names: either language, any letter case, `_`, `-` or a space
        between words."""
        wanted = HEADER_SEPARATORS.sub("_", header.strip().casefold())
        for name, chinese in self.columns.items():
            if wanted in (name, chinese):
                return name
        return None


ACTIVITIES = Layout(COLUMNS, REQUIRED_COLUMNS)

Problem = tuple[int, InvalidInput]
Cells = Sequence[object]


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


async def read_upload(
    filename: str, content: bytes, layout: Layout = ACTIVITIES
) -> list[dict[str, str]]:
    """`read_rows` of an uploaded file, in a limited worker process after the cheap checks
    (done inside it too, and here first so that most hostile files never start a worker)."""
    _checked(filename, content)
    try:
        return await isolated.run(read_rows, filename, content, layout, limits=PARSE_LIMITS)
    except isolated.OverLimit:
        raise InvalidInput(
            "import_too_complex",
            seconds=PARSE_LIMITS.cpu_seconds,
            max_rows=MAX_ROWS,
        ) from None


def read_rows(filename: str, content: bytes, layout: Layout = ACTIVITIES) -> list[dict[str, str]]:
    """The rows below the header, each as `{column: text}`; row `i` of the list is spreadsheet
    row `i + 2`, so blank rows between filled ones are kept (as all-blank rows) and trailing
    blank rows dropped. Raises InvalidInput for a file that cannot be read at all, and
    ImportRejected for problems with the header row."""
    header, body = _checked(filename, content)()
    headers = [_text(cell, None) for cell in header]
    columns = _columns(headers, body, layout)
    return [
        {name: _text(cells[i] if i < len(cells) else None, name) for i, name in columns.items()}
        for cells in body
    ]


Read = Callable[[], tuple[Cells, list[Cells]]]


def _checked(filename: str, content: bytes) -> Read:
    """The file's cheap checks (raising InvalidInput); how to read it once they passed."""
    suffix = check_file(filename, len(content))
    if suffix == ".xlsx":
        upload_checks.check_xlsx(content)
        return lambda: _read_xlsx(content)
    text = _decoded(content)
    delimiter = max(CSV_DELIMITERS, key=text.partition("\n")[0].count)
    upload_checks.check_csv(text, delimiter)
    return lambda: _read_csv(text, delimiter)


def _decoded(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return content.decode("gb18030")  # what Excel saves as "CSV" on Chinese Windows
        except UnicodeDecodeError:
            raise InvalidInput("import_unreadable") from None


def _read_csv(text: str, delimiter: str) -> tuple[Cells, list[Cells]]:
    try:
        return _collect(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        raise InvalidInput("import_unreadable") from None


def _read_xlsx(content: bytes) -> tuple[Cells, list[Cells]]:
    """The first sheet's rows, with the values Excel last computed for formulas."""
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except MemoryError:  # past the worker's memory limit: too complex, not damaged
        raise
    except Exception:  # a damaged or disguised upload can fail anywhere in openpyxl's parsing
        raise InvalidInput("import_unreadable") from None
    try:
        # One column past the limit, to tell a too-wide sheet; rows are counted as they come.
        sheet = book.worksheets[0]
        return _collect(sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True))
    except (InvalidInput, MemoryError):
        raise
    except Exception:
        raise InvalidInput("import_unreadable") from None
    finally:
        book.close()


def _collect(rows: Iterable[Cells]) -> tuple[Cells, list[Cells]]:
    """The header row and the rows below it up to the last filled one, refusing a file with
    filled rows, rows, columns or cells beyond the limits without reading all of it."""
    iterator = map(_within_limits, iter(rows))
    header = next(iterator, None)
    body: list[Cells] = []
    blank_run = 0
    for number, cells in enumerate(iterator, start=HEADER_ROW + 1):
        if number > MAX_SHEET_ROWS:
            raise upload_checks.too_big()
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


def _within_limits(cells: Cells) -> Cells:
    """A row read, refused if wider than the limit or with a cell too long."""
    if len(cells) > MAX_COLUMNS and not _blank(cells[MAX_COLUMNS:]):
        raise upload_checks.too_big()
    if any(isinstance(cell, str) and len(cell) > MAX_CELL_CHARS for cell in cells):
        raise InvalidInput("import_cell_too_long", max=MAX_CELL_CHARS)
    return cells[:MAX_COLUMNS]


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


def _columns(headers: list[str], body: list[Cells], layout: Layout) -> dict[int, str]:
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
        name = layout.column(header)
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
        for name in layout.required
        if name not in columns.values()
    ]
    if problems:
        raise ImportRejected(problems)
    return columns
