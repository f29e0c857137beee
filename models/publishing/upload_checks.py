"""Cheap checks of an uploaded activity file's shape, before anything parses it
(docs/activity-import.md, "Limits"): each reads a bounded part of the file, so a file built to
cost minutes or gigabytes to parse (a sheet declaring a million rows, a zip bomb, a CSV line of a
million commas) is refused in milliseconds, with what was wrong. Whatever passes is then parsed in
a limited worker process (`import_file.read_upload`), which also enforces the same limits on what
it actually reads, since a file can lie about its shape.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from posixpath import dirname, join, normpath
from xml.etree import ElementTree

from openpyxl.utils.cell import range_boundaries

from models.errors import InvalidInput

MAX_SHEET_ROWS = 2000  # the header and every row after it, blank ones included
MAX_COLUMNS = 40  # 17 columns are known; blank ones between them count
MAX_CELL_CHARS = 5000  # a description may have 2000; longer cells are not read at all
MAX_LINE_CHARS = 64 * 1024  # one CSV line
# An XLSX is a zip of XML files: what they may unpack to, and how much more than their packed
# size (typical sheets pack 5 to 20 times; a zip bomb a thousand times).
MAX_UNPACKED_BYTES = 32 * 1024 * 1024
MAX_MEMBERS = 200
MAX_RATIO = 100
RATIO_CHECKED_FROM = 1024 * 1024  # small members may pack well without harm
# The <dimension> element comes before the sheet's rows; only this much is read to find it.
DIMENSION_SCAN_BYTES = 64 * 1024
WORKBOOK_PART = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
FIRST_SHEET_DEFAULT = "xl/worksheets/sheet1.xml"
DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref=\"([A-Za-z0-9:$]+)\"")
RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def too_big() -> InvalidInput:
    return InvalidInput("import_sheet_too_big", max_rows=MAX_SHEET_ROWS, max_columns=MAX_COLUMNS)


def check_csv(text: str, delimiter: str) -> None:
    """Refuse a CSV with a line too long, or a header row with too many columns."""
    longest = max(map(len, text.splitlines() or [""]))
    if longest > MAX_LINE_CHARS:
        raise InvalidInput("import_line_too_long", max=MAX_LINE_CHARS)
    header = text.partition("\n")[0]
    if header.count(delimiter) + 1 > MAX_COLUMNS:
        raise too_big()


def check_xlsx(content: bytes) -> None:
    """Refuse an XLSX that unpacks to too much (in all, or one part far beyond its packed size),
    or whose first sheet declares more rows or columns than are read."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise InvalidInput("import_unreadable")
            if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
                raise _unpacks_too_much()
            for member in members:
                packed = max(member.compress_size, 1)
                if member.file_size > RATIO_CHECKED_FROM and member.file_size / packed > MAX_RATIO:
                    raise _unpacks_too_much()
            _check_dimension(archive, _first_sheet(archive))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, ValueError, KeyError):
        raise InvalidInput("import_unreadable") from None


def _unpacks_too_much() -> InvalidInput:
    return InvalidInput("import_unpacks_too_much", max_mb=MAX_UNPACKED_BYTES // (1024 * 1024))


def _first_sheet(archive: zipfile.ZipFile) -> str:
    """The part holding the workbook's first sheet, the one that is read: the first <sheet> of
    the workbook and its relationship's target (the usual place if either is missing)."""
    try:
        workbook = ElementTree.fromstring(archive.read(WORKBOOK_PART))
        rels = ElementTree.fromstring(archive.read(WORKBOOK_RELS))
    except (KeyError, ElementTree.ParseError):
        return FIRST_SHEET_DEFAULT
    sheet = next((e for e in workbook.iter() if e.tag.rsplit("}", 1)[-1] == "sheet"), None)
    relation = sheet.get(RELATIONSHIP_ID) if sheet is not None else None
    for element in rels.iter():
        if element.get("Id") == relation and element.get("Target"):
            target = element.get("Target", "")
            if target.startswith("/"):
                return target.lstrip("/")
            return normpath(join(dirname(WORKBOOK_PART), target))
    return FIRST_SHEET_DEFAULT


def _check_dimension(archive: zipfile.ZipFile, sheet: str) -> None:
    """The sheet's declared range (its <dimension>, read from its first bytes) within limits."""
    try:
        with archive.open(sheet) as part:
            head = part.read(DIMENSION_SCAN_BYTES)
    except KeyError:
        return  # openpyxl will say it cannot read the file
    found = DIMENSION.search(head)
    if found is None:
        return  # undeclared: the worker counts what it reads
    min_col, min_row, max_col, max_row = range_boundaries(found[1].decode("ascii"))
    if (max_row or min_row or 0) > MAX_SHEET_ROWS or (max_col or min_col or 0) > MAX_COLUMNS:
        raise too_big()
