"""The database goes away for a while in the middle of conversations: people get a short
"temporarily unavailable, try again" reply, the bot keeps running, and once the database is back
it carries on by itself — the conversation continues where it was and no sign-up is lost.

The test stops and starts a PostgreSQL server of its own (the suite's shared one serves other
tests in parallel), made from the installed binaries as scripts/with-postgres makes that one.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from bot.local.harness import RunningBot, free_port, running_bot
from migrations import upgrade
from models.clock import ManualClock
from tests.conftest import make_settings
from tests.e2e import steps

pytestmark = pytest.mark.postgres

OUTAGE_S = 10.0  # how long the database stays away, on the real clock
RETRY_EVERY_S = 2.0  # how often someone tries again meanwhile
UNAVAILABLE = "⏳ The service is temporarily unavailable."


@dataclass
class PostgresServer:
    """A throwaway PostgreSQL server that the test may stop and start."""

    bindir: Path
    datadir: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://volbot@127.0.0.1:{self.port}/postgres"

    def _pg_ctl(self, *args: str) -> None:
        as_owner = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        command = [*as_owner, str(self.bindir / "pg_ctl"), "-D", str(self.datadir), *args]
        subprocess.run(command, check=True, capture_output=True)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.datadir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg_ctl("-w", "-l", str(self.datadir / "server.log"), "-o", options, "start")

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "-w", "stop")

    def start_on_a_free_port(self, tries: int = 3) -> None:
        """The first start, on a port free when looked at. The suite runs in parallel, so
        another test may take that port before PostgreSQL binds it: then another port (the
        restart after the outage keeps the port, which the bot's URL names)."""
        log = self.datadir / "server.log"  # pg_ctl appends: each try reads only its own part
        for attempt in range(tries):
            seen = log.stat().st_size if log.exists() else 0
            try:
                self.start()
                return
            except subprocess.CalledProcessError:
                with log.open("rb") as written:
                    written.seek(seen)
                    said = written.read().decode(errors="replace")
                if attempt == tries - 1 or "Address already in use" not in said:
                    raise
                self.port = free_port()


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed: the outage test must run in CI")
        pytest.skip("PostgreSQL is not installed")
    # Not under pytest's tmp_path: the postgres account must be able to reach it.
    datadir = Path(tempfile.mkdtemp(prefix="volbot-outage-pg."))
    if os.getuid() == 0:  # initdb refuses root; the Debian package made the postgres account
        shutil.chown(datadir, "postgres")
    server = PostgresServer(found[-1].parent, datadir, free_port())
    as_owner = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    initdb = [str(server.bindir / "initdb"), "-D", str(datadir), "-U", "volbot", "-A", "trust"]
    subprocess.run(
        [*as_owner, *initdb, "-E", "UTF8", "--no-locale"], check=True, capture_output=True
    )
    server.start_on_a_free_port()
    try:
        upgrade(server.url)
        yield server
    finally:
        server._pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(datadir, ignore_errors=True)


@pytest.fixture
async def bot(own_postgres: PostgresServer, framework: str) -> AsyncIterator[RunningBot]:
    settings = make_settings(own_postgres.url, bot_framework=framework)
    async with running_bot(settings, clock=ManualClock()) as running:
        yield running


async def test_an_outage_gets_a_polite_reply_and_the_conversation_carries_on_after_it(
    bot: RunningBot, own_postgres: PostgresServer
) -> None:
    team = await steps.make_coordinator(bot, 9001)
    activity = await steps.make_activity(
        bot, team, shifts=((timedelta(days=5), timedelta(hours=3), 3),)
    )
    alice = bot.person(1001, "Alice")
    await steps.register(alice)
    await alice.send(f"/start act_{activity.link_token}")
    signed = await alice.press("✍️ Sign up: Sat 10 Jan 09:00–12:00")
    assert "You're signed up" in signed.text
    bob = bot.person(1002, "Bob")
    asked = await steps.up_to_name(bob)
    assert "full name" in asked.text

    await asyncio.to_thread(own_postgres.stop)
    down_since = time.monotonic()
    replies = [await bob.send("Wang Xiaoming"), await alice.send("/my")]
    while time.monotonic() - down_since < OUTAGE_S:
        await asyncio.sleep(RETRY_EVERY_S)  # the outage lasts; people keep trying
        replies.append(await bob.send("Wang Xiaoming"))
    assert len(replies) >= 5
    for reply in replies:
        assert reply.text.startswith(UNAVAILABLE), reply.text
    await asyncio.to_thread(own_postgres.start)

    # Bob is where he was: his name is taken now, and he goes on to the phone question.
    after = await bob.send("Wang Xiaoming")
    assert "phone" in after.text.lower(), after.text
    await bob.share_contact(steps.PHONE)
    # Alice's sign-up survived the outage.
    mine = await alice.send("/my")
    assert "Beach clean-up" in mine.text and "Sat 10 Jan 09:00" in mine.text
    assert await steps.statuses(bot) == {1001: "confirmed"}


async def test_the_first_update_after_a_restart_nobody_saw_is_recorded_and_answered(
    bot: RunningBot, own_postgres: PostgresServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The server restarts while nobody writes: the pool's connections are dead, and the first
    update after it is recorded and handled on new ones instead of failing on a dead one."""
    alice = bot.person(1001, "Alice")
    await steps.register(alice)
    assert "Wang Xiaoming" in (await alice.send("/profile")).text  # the pool holds connections

    await asyncio.to_thread(own_postgres.stop)
    await asyncio.to_thread(own_postgres.start)

    caplog.clear()
    after = await alice.send("/profile")
    assert "Wang Xiaoming" in after.text
    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert failures == []
