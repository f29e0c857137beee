"""Migrations keep the data they find, on both databases: a database made and filled by older
code (each snapshot in `fixtures/`, made by `scripts/make_migration_snapshot.py` at the commit
it names) is upgraded to the newest revision, and every row it held is still there with the same
values (tables, columns and rows may be added; none may be dropped, and no value rewritten), and
the app's own reads work on it: a volunteer's /my and /hours, the statistics, a real-name
volunteer's ID number decrypted with the key it was sealed under.

A new migration is covered as it is written; a new snapshot (from a later commit) is picked up
by its name."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Connection, MetaData

from migrations import snapshot, upgrade
from models.activities import places
from models.attendance import hours
from models.crypto import IdCipher
from models.db import create_engine, session_factory
from models.registration import volunteers
from models.reports import stats

SNAPSHOTS = sorted((Path(__file__).parent / "fixtures").glob("snapshot_*.json"))
ZONE = ZoneInfo("Asia/Shanghai")
# What scripts/make_migration_snapshot.py wrote (its clock, people and ID number).
MADE_AT = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
PERSONA, WAITING, REAL_NAME, ID_NUMBER = 1001, 5001, 7001, "11010519491231002X"


def _drop_everything(connection: Connection) -> None:
    metadata = MetaData()
    metadata.reflect(connection)
    metadata.drop_all(connection)


SAVED: list[dict[str, Any]] = [json.loads(path.read_text("utf-8")) for path in SNAPSHOTS]


@pytest.mark.parametrize("saved", SAVED, ids=lambda saved: f"snapshot_{saved['revision']}")
async def test_migrations_keep_every_row_of_a_database_older_code_made(
    database_url: str, saved: dict[str, Any]
) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:  # the fixture's database, emptied
            await connection.run_sync(_drop_everything)
        await asyncio.to_thread(upgrade, database_url, saved["revision"])
        async with engine.begin() as connection:
            await connection.run_sync(snapshot.load, saved)
        await asyncio.to_thread(upgrade, database_url)

        async with engine.connect() as connection:
            lost = await connection.run_sync(snapshot.differences, saved)
        assert lost == []

        async with session_factory(engine)() as session:
            persona = await volunteers.find_volunteer(session, PERSONA)
            assert persona is not None
            waiting = await volunteers.find_volunteer(session, WAITING)
            assert waiting is not None
            mine = await places.upcoming(session, waiting.id, MADE_AT)
            assert [(a.title, s.status, queue) for s, _, a, queue in mine] == [
                ("海滩清洁", "confirmed", None),
                ("敬老院探访", "waiting", 1),
            ]
            totals = await hours.totals(session, persona.id, now=MADE_AT, zone=ZONE)
            assert (totals.credited, totals.year_credited, totals.activities) == (180, 180, 1)
            period = stats.Period.months(date(2026, 1, 1), 1, ZONE)
            service = await stats.service(session, stats.EVERYTHING, period)
            assert (service.participations, service.volunteers) == (2, 2)
            real = await volunteers.find_volunteer(session, REAL_NAME)
            assert real is not None and real.id_number_encrypted is not None
            cipher = IdCipher(saved["id_encryption_key"])
            assert cipher.decrypt(real.id_number_encrypted) == ID_NUMBER
    finally:
        await engine.dispose()
