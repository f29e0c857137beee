"""Exactly once under faults, with real `volbot run` processes on each database and framework.

A webhook process killed (SIGKILL) right after committing an update's effects: the process
started in its place does not handle that update again (the typed name is not taken again as the
answer to the phone question that followed it).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.local.harness import Person, free_port
from models.db import create_engine
from models.inbox import InboundUpdate
from sandbox import BotApiSandbox
from tests.e2e import steps
from tests.e2e.processes import HandledInDatabase, bot_processes, healthy, until

SECRET = "s3cret-token_for-tests-" + "x" * 16  # Telegram's characters, 32 or more
STARTUP_TIMEOUT_S = 60.0
KILLED_TIMEOUT_S = 20.0
UPDATES_UP_TO_NAME = 3  # /start, the language, the consent


async def leases_run_out(engine: AsyncEngine) -> None:
    """As if an hour had passed: every lease over, every record left behind (not yet forgotten)."""
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    async with engine.begin() as connection:
        await connection.execute(
            update(InboundUpdate).values(lease_until=an_hour_ago, received_at=an_hour_ago)
        )


@pytest.mark.parametrize("framework", ["ptb", "aiogram"])
async def test_an_update_committed_just_before_the_process_died_is_not_handled_again(
    database_url: str, tmp_path: Path, framework: str
) -> None:
    sandbox = BotApiSandbox()
    await sandbox.start()
    engine = create_engine(database_url)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = {
        "BOT_FRAMEWORK": framework,
        "WEBHOOK_URL": f"{url}/telegram",
        "WEBHOOK_SECRET": SECRET,
        "HTTP_PORT": str(port),
    }
    dies = {"dying": {"FAULT_KILL_AFTER_UPDATES": str(UPDATES_UP_TO_NAME + 1)}}
    alice = Person(HandledInDatabase(engine), sandbox.user(1001, "Alice"))
    try:
        async with bot_processes(
            sandbox, database_url, tmp_path, ("dying",), settings, dies
        ) as bots:
            await until(lambda: healthy([url]), timeout=STARTUP_TIMEOUT_S, what="healthy", bots=[])
            asked = await steps.up_to_name(alice)
            assert "name" in asked.text.lower(), asked.text
            before = len(alice.messages())
            name = await alice.user.send("Wang Xiaoming")  # committed, then the process dies
            await until(
                lambda: bots[0].process.returncode is not None,
                timeout=KILLED_TIMEOUT_S,
                what="the process to die after the commit",
                bots=[],
            )
            assert bots[0].process.returncode == -9
        await leases_run_out(engine)

        async with bot_processes(sandbox, database_url, tmp_path, ("after",), settings) as bots:
            await until(
                lambda: healthy([url]), timeout=STARTUP_TIMEOUT_S, what="healthy", bots=bots
            )
            await alice.bot.handled(name)  # by the process that died, or taken up again here
            contact = await alice.share_contact(steps.PHONE)
            # The name's answer died with the process; nothing was said about the name since.
            since = [message.text for message in alice.messages()[before:]]
            assert since == [message.text for message in contact.messages]
            assert "ID" in contact.text, contact.text
    finally:
        await engine.dispose()
        await sandbox.stop()
