"""Uploads built to cost the bot minutes or gigabytes if parsed naively (issue 15, point 1): made
here, in the tests, so that nothing hostile is kept in the repository."""

from __future__ import annotations

import io
import re
import zipfile
from functools import cache

import openpyxl

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["activity", "title", "theme", "team", "address", "date", "time", "places"]
ROW = ["A1", "Walk", "environment", "Haicang Team", "Park", "2026-05-16", "09:00-12:00", "5"]
BOMB_UNPACKED = 200 * 1024 * 1024
CHUNK = 1024 * 1024


def _workbook(*rows: list[object]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _rewritten(content: bytes, part: str, change: bytes, to: bytes) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy,
    ):
        for member in source.infolist():
            data = source.read(member.filename)
            if member.filename == part:
                data = re.sub(change, to, data)
            copy.writestr(member.filename, data)
    return out.getvalue()


def valid_xlsx() -> bytes:
    return _workbook(HEADER, ROW)


def huge_dimension_xlsx() -> bytes:
    """A few KB: a sheet that declares every row and column Excel has (A1:XFD1048576), with a
    header, one row and one cell in the far corner, so that a reader fills in the million rows
    between them."""
    content = _workbook(HEADER, ROW)
    content = _rewritten(
        content,
        "xl/worksheets/sheet1.xml",
        rb"<dimension ref=\"[^\"]*\"\s*/>",
        b'<dimension ref="A1:XFD1048576"/>',
    )
    corner = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    return _rewritten(
        content, "xl/worksheets/sheet1.xml", rb"</sheetData>", corner + b"</sheetData>"
    )


@cache
def zip_bomb_xlsx() -> bytes:
    """A valid-looking workbook whose sheet unpacks to 200 MB (of blanks after its rows), packed
    to a few hundred KB."""
    content = valid_xlsx()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as copy,
    ):
        for member in source.infolist():
            data = source.read(member.filename)
            if member.filename != "xl/worksheets/sheet1.xml":
                copy.writestr(member.filename, data)
                continue
            head, tail = data.split(b"</sheetData>")
            with copy.open(member.filename, "w", force_zip64=True) as part:
                part.write(head)
                for _ in range(BOMB_UNPACKED // CHUNK):
                    part.write(b" " * CHUNK)
                part.write(b"</sheetData>" + tail)
    return out.getvalue()


def commas_csv() -> bytes:
    """1 MiB: a header row and then a single line of commas (a million empty columns)."""
    header = (",".join(HEADER) + "\n").encode()
    return header + b"," * (1024 * 1024 - len(header))


def undeclared_long_xlsx() -> bytes:
    """A sheet that declares no range and has a cell two thousand rows down: it passes the
    cheap checks, and the worker stops reading it at the row limit."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(ROW)
    sheet.cell(row=2005, column=1, value="x")
    buffer = io.BytesIO()
    book.save(buffer)
    return _rewritten(
        buffer.getvalue(), "xl/worksheets/sheet1.xml", rb"<dimension ref=\"[^\"]*\"\s*/>", b""
    )
