"""The one writer of every CSV and XLSX file the bot produces (records exports, the shift roster,
the insured roster): rows are written as they come, XLSX in openpyxl's write-only mode, and text
typed by people can never run as a formula in the spreadsheet program that opens the file.

The guard (OWASP's for CSV injection): a spreadsheet program runs a CSV cell beginning with
= + - @ tab or carriage return as a formula, so such a cell in a column of free text (names,
titles, addresses, notes) gets a leading apostrophe, which spreadsheets hide and other systems
can strip. Columns the bot itself validates (phones, ID numbers, times) are left as they are, so
that other systems read them unchanged. In XLSX every text cell is stored as text, never as a
formula, so nothing there needs the apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterable, Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any, BinaryIO, Protocol

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COLUMN_WIDTH = 16  # characters; XLSX only

Cell = str | int | Decimal | None

FileFormat = StrEnum("FileFormat", "CSV XLSX")


def guarded(cell: Cell) -> Cell:
    """A free-text cell as a CSV may hold it: never read as a formula."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


class Sheet(Protocol):
    def row(self, cells: Sequence[Cell]) -> None: ...

    def close(self) -> None: ...


class _CsvSheet:
    """UTF-8 with a byte-order mark, so that Excel reads the Chinese right."""

    def __init__(self, out: BinaryIO, free_text: Collection[int]) -> None:
        self._text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._text)
        self._free_text = free_text

    def row(self, cells: Sequence[Cell]) -> None:
        self._writer.writerow(
            [guarded(cell) if i in self._free_text else cell for i, cell in enumerate(cells)]
        )

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
        if not isinstance(cell, str):
            return cell
        # Without the control characters XLSX cannot hold.
        text = ILLEGAL_CHARACTERS_RE.sub("", cell)
        if not text.startswith("=") and text not in ERROR_CODES:
            return text  # openpyxl stores it as text
        # openpyxl takes "=…" for a formula and "#N/A" for an error value: a cell typed as text
        # keeps them text. Only these get one: for a cell object openpyxl's append first tries
        # it as a value and fails with an error message naming it, a quarter of the time of a
        # large XLSX when every text cell went this way.
        text_cell = WriteOnlyCell(self._sheet, text)
        text_cell.data_type = "s"
        return text_cell

    def close(self) -> None:
        self._book.save(self._out)


def open_sheet(
    file_format: FileFormat, out: BinaryIO, *, title: str, columns: int, free_text: Collection[int]
) -> Sheet:
    """A sheet writing to `out` (left open) once closed; `free_text`: the positions of the
    columns that people type, guarded in CSV."""
    if file_format is FileFormat.CSV:
        return _CsvSheet(out, free_text)
    return _XlsxSheet(out, title, columns)


def table(
    file_format: FileFormat, title: str, rows: Iterable[Sequence[Cell]], free_text: Collection[int]
) -> bytes:
    """A small file made in memory: the rows (the first is the header)."""
    rows = list(rows)
    out = io.BytesIO()
    sheet = open_sheet(
        file_format,
        out,
        title=title,
        columns=max((len(row) for row in rows), default=0),
        free_text=free_text,
    )
    for row in rows:
        sheet.row(row)
    sheet.close()
    return out.getvalue()
