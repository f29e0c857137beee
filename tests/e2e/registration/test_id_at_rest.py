"""The raw database file never holds an ID number in plain text."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.local.harness import running_bot
from models.clock import ManualClock
from tests.conftest import make_settings
from tests.e2e import steps
from tests.ids import make_id


def raw_bytes(database_url: str) -> bytes:
    path = Path(make_url(database_url).database or "")
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")]
    return b"".join(f.read_bytes() for f in files if f.exists())


@pytest.mark.parametrize("framework", ["ptb"])
async def test_the_database_file_never_contains_the_id_number(
    sqlite_url: str, framework: str
) -> None:
    number = make_id()
    settings = make_settings(sqlite_url, bot_framework=framework)
    async with running_bot(settings, clock=ManualClock()) as bot:
        person = bot.person(4001)
        await steps.up_to_district(person, number)  # the draft holds the number now
        assert number.encode() not in raw_bytes(sqlite_url)
        await steps.register(bot.person(4002), make_id(serial="456"))
        await person.press("Haicang")
        await person.press("Neighbourhood watch")
        await person.press("Done ➡️")
        await person.press("Weekends")
        await person.press("Done ➡️")
        await person.press("✅ Confirm")
    stored = raw_bytes(sqlite_url)
    assert b"Wang Xiaoming" in stored  # the check reads the real file: names are there
    for secret in (number, make_id(serial="456")):
        assert secret.encode() not in stored
        assert secret[:17].encode() not in stored
