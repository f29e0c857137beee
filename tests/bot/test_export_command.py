"""`volbot export` on the server: run as the command line runs it, against a migrated SQLite
file with the deployment's key from the environment; the file it writes, its progress on stderr,
its totals on stdout, its audit row, and its refusals."""

from __future__ import annotations

import asyncio
import csv
import io
import stat
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import select

from bot.cli import main
from models.audit import AuditEntry
from models.crypto import IdCipher
from models.db import create_engine, session_factory
from models.reports import exports
from tests.conftest import TEST_ID_KEY
from tests.ids import make_id
from tests.models.attendance.test_hours import record
from tests.models.reports.test_exports import RECORD_HEADER, VOLUNTEER_HEADER
from tests.models.world import NOW, make_activity, make_team, volunteer_row

ZONE = ZoneInfo("Asia/Shanghai")
ALICE_ID = make_id()


async def _world(url: str) -> None:
    """Haicang Team's two confirmed records in January (one on 31 January at 23:30, local)
    and one in February; another team's record in January."""
    engine = create_engine(url)
    async with session_factory(engine)() as session, session.begin():
        alice = volunteer_row(name="Alice")
        alice.id_number_encrypted = IdCipher(TEST_ID_KEY).encrypt(ALICE_ID)
        alice.id_number_index = "alice"
        session.add(alice)
        await session.flush()
        team, other = await make_team(session, "Haicang Team"), await make_team(session)
        for team_id, start, credited, honour in (
            (team.id, datetime(2026, 1, 6, 9, tzinfo=ZONE), 180, 30),
            (team.id, datetime(2026, 1, 31, 23, 30, tzinfo=ZONE), 90, 0),
            (team.id, datetime(2026, 2, 1, 0, 0, tzinfo=ZONE), 60, 0),
            (other.id, datetime(2026, 1, 6, 9, tzinfo=ZONE), 45, 0),
        ):
            _, (shift,) = await make_activity(session, team_id=team_id)
            await record(session, shift, alice.id, start, credited, honour, NOW)
    await engine.dispose()


async def _audit(url: str) -> list[AuditEntry]:
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        rows = await session.scalars(select(AuditEntry).where(AuditEntry.action.like("export.%")))
        entries = list(rows)
    await engine.dispose()
    return entries


@pytest.fixture
def server(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path]:
    """The server's environment (its database, with the world in it, and its key) and an empty
    folder to export into."""
    asyncio.run(_world(sqlite_url))
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("ID_ENCRYPTION_KEY", TEST_ID_KEY)
    monkeypatch.setenv("TIMEZONE", "Asia/Shanghai")
    exported = tmp_path / "exported"
    exported.mkdir()
    return sqlite_url, exported


def test_records_of_a_team_for_january_as_xlsx_with_progress_and_totals(
    server: tuple[str, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, folder = server
    monkeypatch.setattr(exports, "CHUNK_ROWS", 1)  # a step of the progress bar per row
    output = folder / "january.xlsx"
    argv = ["export", "--what", "records", "--team", "Haicang Team"]
    argv += ["--from", "2026-01-01", "--to", "2026-01-31", "--output", str(output)]

    assert main(argv) == 0

    out, err = capsys.readouterr()
    assert err == "\r0/2 records\r1/2 records\r2/2 records\n"
    assert out == f"volbot: 2 service records written to {output}: 4.5 h credited, 0.5 h honour\n"
    assert stat.S_IMODE(output.stat().st_mode) == 0o600  # it holds ID numbers
    assert sorted(p.name for p in folder.iterdir()) == ["january.xlsx"]  # nothing half-written
    book = openpyxl.load_workbook(output, read_only=True)
    header, *rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    assert header == RECORD_HEADER
    assert [[row[2], row[3], row[4], row[9], row[16], row[17]] for row in rows] == [
        ["Alice", ALICE_ID, "Haicang Team", "2026-01-06", 180, 30],
        ["Alice", ALICE_ID, "Haicang Team", "2026-01-31", 90, 0],
    ]
    (entry,) = asyncio.run(_audit(url))
    assert (entry.actor_telegram_id, entry.action, entry.target_type) == (
        None,
        "export.records",
        "team",
    )
    assert entry.after is not None
    assert entry.after["by"].startswith("cli:")
    assert (entry.after["records"], entry.after["credited_minutes"]) == (2, 270)
    assert (entry.after["from"], entry.after["to"]) == ("2026-01-01", "2026-01-31")


def test_every_volunteer_as_csv(
    server: tuple[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, folder = server
    output = folder / "volunteers.txt"
    assert main(["export", "--what", "volunteers", "--format", "csv", "--output", str(output)]) == 0
    out, err = capsys.readouterr()
    assert err == "\r0/1 volunteers\r1/1 volunteers\n"
    assert out == f"volbot: 1 volunteers written to {output}\n"
    rows = list(csv.reader(io.StringIO(output.read_text(encoding="utf-8-sig"))))
    assert rows[0] == VOLUNTEER_HEADER
    assert [row[1:4] for row in rows[1:]] == [["Alice", "居民身份证", ALICE_ID]]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--what", "records", "--team", "Nobody"], "no team is called or numbered 'Nobody'"),
        (["--what", "volunteers", "--from", "2026-01-01"], "--from and --to are for records"),
        (["--what", "records", "--from", "2026-02-01", "--to", "2026-01-01"], "--from is after"),
    ],
)
def test_refusals_write_nothing(
    server: tuple[str, Path], capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    url, folder = server
    assert main(["export", *argv, "--output", str(folder / "out.csv")]) == 1
    assert message in capsys.readouterr().err
    assert list(folder.iterdir()) == []
    assert asyncio.run(_audit(url)) == []


def test_without_the_key_nothing_is_written(
    server: tuple[str, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, folder = server
    monkeypatch.delenv("ID_ENCRYPTION_KEY")
    assert main(["export", "--what", "volunteers", "--output", str(folder / "v.csv")]) == 1
    err = capsys.readouterr().err
    assert (
        "volbot: ID numbers cannot be read: the deployment's ID_ENCRYPTION_KEY is not set." in err
    )
    assert list(folder.iterdir()) == []


def test_dates_are_iso(server: tuple[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["export", "--what", "records", "--from", "1 Jan", "--output", "x.csv"])
    assert exited.value.code == 2
    assert "--from" in capsys.readouterr().err
