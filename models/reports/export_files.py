"""The records export's files: the column layout other systems import by (docs/exports.md), and
the CSV and XLSX writers, which take rows as they come and keep memory flat (XLSX in openpyxl's
write-only mode); free text that a spreadsheet would run as a formula is kept text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, BinaryIO, Protocol

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

# OWASP's CSV injection guard: a spreadsheet program runs a cell beginning with one of these as
# a formula, so free text (titles, addresses, notes) that begins so gets a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | Decimal | None


Table = StrEnum("Table", "VOLUNTEERS RECORDS")


FileFormat = StrEnum("FileFormat", "CSV XLSX")


@dataclass(frozen=True)
class Column:
    zh: str
    en: str
    # Typed by people: the only cells a formula could hide in (names are letters, phones and
    # ID numbers are checked when registered).
    free_text: bool = False

    @property
    def header(self) -> str:
        return f"{self.zh}/{self.en}"


# The layout is an interface to other systems: add columns at the end, never reorder or rename.
VOLUNTEER_COLUMNS = (
    Column("志愿者编号", "volunteer no."),
    Column("姓名", "name"),
    Column("证件类型", "ID type"),
    Column("证件号码", "ID number"),
    Column("出生日期", "birth date"),
    Column("手机号", "phone"),
    Column("所在区域", "district"),
    Column("服务类别", "themes"),
    Column("注册时间", "registered at"),
)
RECORD_COLUMNS = (
    Column("记录编号", "record no."),
    Column("志愿者编号", "volunteer no."),
    Column("姓名", "name"),
    Column("证件号码", "ID number"),
    Column("队伍", "team", free_text=True),
    Column("活动编号", "activity no."),
    Column("活动名称", "activity", free_text=True),
    Column("服务类别", "theme"),
    Column("服务地点", "address", free_text=True),
    Column("服务日期", "date"),
    Column("开始时间", "start"),
    Column("结束时间", "end"),
    Column("签到时间", "check-in"),
    Column("签退时间", "check-out"),
    Column("服务时长", "hours"),
    Column("荣誉时长", "honour hours"),
    Column("服务分钟", "minutes"),
    Column("荣誉分钟", "honour minutes"),
    Column("确认时间", "confirmed at"),
    Column("备注", "note", free_text=True),
)
COLUMNS = {Table.VOLUNTEERS: VOLUNTEER_COLUMNS, Table.RECORDS: RECORD_COLUMNS}
SHEET_TITLES = {Table.VOLUNTEERS: "志愿者", Table.RECORDS: "服务记录"}
COLUMN_WIDTH = 16  # characters; XLSX only


class _Sheet(Protocol):
    def row(self, cells: Sequence[Cell]) -> None: ...

    def close(self) -> None: ...


class _CsvSheet:
    """UTF-8 with a byte-order mark, so that Excel reads the Chinese right."""

    def __init__(self, out: BinaryIO, free_text: frozenset[int]) -> None:
        self._text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._text)
        self._free_text = free_text

    def row(self, cells: Sequence[Cell]) -> None:
        self._writer.writerow(
            [self._guarded(cell) if i in self._free_text else cell for i, cell in enumerate(cells)]
        )

    @staticmethod
    def _guarded(cell: Cell) -> Cell:
        if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
            return "'" + cell
        return cell

    def close(self) -> None:
        self._text.flush()
        self._text.detach()  # the caller's file stays open


class _XlsxSheet:
    """One write-only sheet: rows go to a temporary file as they come, not into memory."""

    def __init__(self, out: BinaryIO, title: str, columns: int) -> None:
        self._out = out
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet(title)
        for i in range(1, columns + 1):
            self._sheet.column_dimensions[get_column_letter(i)].width = COLUMN_WIDTH

    def row(self, cells: Sequence[Cell]) -> None:
        self._sheet.append([self._cell(cell) for cell in cells])

    def _cell(self, cell: Cell) -> Any:
        # openpyxl stores text beginning with "=" as a formula; keep it text.
        if isinstance(cell, str) and cell.startswith("="):
            text = WriteOnlyCell(self._sheet, cell)
            text.data_type = "s"
            return text
        return cell

    def close(self) -> None:
        self._book.save(self._out)


def _open(file_format: FileFormat, out: BinaryIO, table: Table) -> _Sheet:
    if file_format is FileFormat.CSV:
        free_text = frozenset(i for i, c in enumerate(COLUMNS[table]) if c.free_text)
        return _CsvSheet(out, free_text)
    return _XlsxSheet(out, SHEET_TITLES[table], len(COLUMNS[table]))
