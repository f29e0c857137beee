"""Reading the file a coordinator uploads to import activities (docs/activity-import.md): its
type and size, checked before it downloads, then its rows as text, CSV or XLSX alike, under the
columns its header row names (in English or Chinese). Every problem with the header row is
reported at once; `import_activities` then checks the rows and groups them into activities.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from pathlib import PurePath

import openpyxl

from models.errors import InvalidInput

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
HEADER_LOOKUP = {name: name for name in COLUMNS} | {zh: name for name, zh in COLUMNS.items()}
HEADER_SEPARATORS = re.compile(r"[\s\-]+")

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
