"""Hostile uploads to /import (issue 15, point 1): the cheap checks refuse each crafted file
before any parse, the parse itself stops at the same limits when a file lies about its shape, and
it runs in a limited worker process whose overrun is a clear refusal."""

from __future__ import annotations

import io
import time
import zipfile

import pytest

from models import isolated
from models.errors import InvalidInput
from models.publishing import import_file, upload_checks
from tests.models.publishing import hostile_files
from tests.models.publishing.hostile_files import HEADER, ROW

# The checks read a bounded part of each file: far below a second even on a busy machine.
CHECK_SECONDS_MAX = 1.0


def refusal(filename: str, content: bytes) -> InvalidInput:
    started = time.monotonic()
    with pytest.raises(InvalidInput) as refused:
        import_file.read_rows(filename, content)
    assert time.monotonic() - started < CHECK_SECONDS_MAX
    return refused.value


def test_a_sheet_declaring_every_row_and_column_is_refused_before_it_is_parsed() -> None:
    content = hostile_files.huge_dimension_xlsx()
    assert len(content) < 6 * 1024

    error = refusal("plan.xlsx", content)

    assert error.code == "import_sheet_too_big"
    assert error.params == {"max_rows": 2000, "max_columns": 40}


def test_a_zip_bomb_is_refused_by_its_unpacked_size() -> None:
    content = hostile_files.zip_bomb_xlsx()
    assert len(content) <= import_file.MAX_BYTES

    error = refusal("plan.xlsx", content)

    assert error.code == "import_unpacks_too_much"
    assert error.params == {"max_mb": 32}


def test_a_part_packed_far_beyond_the_usual_ratio_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (2 * 1024 * 1024))

    with pytest.raises(InvalidInput) as refused:
        upload_checks.check_xlsx(buffer.getvalue())

    assert refused.value.code == "import_unpacks_too_much"


def test_a_megabyte_of_commas_is_refused_by_its_line_length() -> None:
    content = hostile_files.commas_csv()
    assert len(content) == import_file.MAX_BYTES

    assert refusal("plan.csv", content).code == "import_line_too_long"


def test_a_csv_header_wider_than_the_limit_is_refused() -> None:
    content = ("," * 45 + "\n").encode() + ",".join(ROW).encode()

    assert refusal("plan.csv", content).code == "import_sheet_too_big"


def test_a_csv_row_wider_than_the_limit_is_refused_as_it_is_read() -> None:
    content = (",".join(HEADER) + "\n" + ",".join(ROW) + "," * 60 + "x\n").encode()

    assert refusal("plan.csv", content).code == "import_sheet_too_big"


def test_a_cell_longer_than_the_limit_is_refused() -> None:
    content = (",".join(HEADER) + "\n" + ",".join(ROW[:-1]) + ',"' + "x" * 6000 + '"\n').encode()

    error = refusal("plan.csv", content)

    assert error.code == "import_cell_too_long"
    assert error.params == {"max": 5000}


def test_a_sheet_longer_than_the_limit_is_refused_while_read() -> None:
    content = hostile_files.undeclared_long_xlsx()
    upload_checks.check_xlsx(content)  # nothing declared: it passes the cheap checks

    assert refusal("plan.xlsx", content).code == "import_sheet_too_big"


async def test_a_file_that_passes_the_checks_is_read_in_a_worker() -> None:
    rows = await import_file.read_upload("plan.xlsx", hostile_files.valid_xlsx())

    assert rows == [dict(zip(HEADER, ROW, strict=True))]


async def test_a_worker_past_its_limits_gives_a_clear_refusal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No time at all: the worker is killed before it can answer, as one past its time would be.
    tight = isolated.Limits(cpu_seconds=1, memory_bytes=1024**3, wall_seconds=0)
    monkeypatch.setattr(import_file, "PARSE_LIMITS", tight)

    with pytest.raises(InvalidInput) as refused:
        await import_file.read_upload("plan.xlsx", hostile_files.valid_xlsx())

    assert refused.value.code == "import_too_complex"
    assert refused.value.params == {"seconds": 1, "max_rows": import_file.MAX_ROWS}


def test_a_damaged_packed_part_is_unreadable() -> None:
    content = bytearray(hostile_files.valid_xlsx())
    sheet = content.find(b"xl/worksheets/sheet1.xml")  # its local header; the data follows
    content[sheet + 40 : sheet + 60] = b"\xff" * 20

    assert refusal("plan.xlsx", bytes(content)).code == "import_unreadable"
