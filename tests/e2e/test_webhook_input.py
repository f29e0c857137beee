"""What the webhook does with deliveries it cannot use, on each framework and database: an update
id out of Telegram's range (or not a whole number) is refused with 400 and nothing is stored; an
update the framework cannot read is tried a few times, then set aside with its payload erased
and one warning that does not show it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot.intake import LEFT_BEHIND
from bot.local.harness import RunningBot, free_port
from bot.webserver import WebServer
from models import inbox
from models.inbox import InboundUpdate

SECRET = "s3cret-token_for-tests-" + "x" * 16  # Telegram's characters, 32 or more
TYPED = "call me on 13800138000"


@pytest.fixture
async def server(bot: RunningBot) -> AsyncIterator[tuple[WebServer, str]]:
    assert bot.adapter is not None
    server = WebServer(
        bot.adapter,
        bot.adapter.metrics,
        webhook_path="/telegram",
        secret=SECRET,
        scheduler_alive=lambda: True,
    )
    port = free_port()
    await server.start("127.0.0.1", port)
    try:
        yield server, f"http://127.0.0.1:{port}/telegram"
    finally:
        await server.stop_receiving()
        await server.stop()


async def post(url: str, body: Any) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=body, headers=headers) as r,
    ):
        return r.status


async def stored(bot: RunningBot) -> list[tuple[int, str, Any]]:
    async with bot.engine.connect() as connection:
        rows = await connection.execute(
            select(InboundUpdate.update_id, InboundUpdate.status, InboundUpdate.payload)
        )
        return [tuple(row) for row in rows]


@pytest.mark.parametrize("update_id", [2**63, 2**64 + 5, -1, "12", 12.0, True, None])
async def test_an_update_id_out_of_range_is_refused(
    bot: RunningBot, server: tuple[WebServer, str], update_id: object
) -> None:
    _, url = server
    assert await post(url, {"update_id": update_id, "message": {"text": TYPED}}) == 400
    assert await stored(bot) == []


async def test_an_update_the_framework_cannot_read_is_set_aside_and_erased(
    bot: RunningBot, server: tuple[WebServer, str], caplog: pytest.LogCaptureFixture
) -> None:
    _, url = server
    assert bot.adapter is not None
    intake = bot.adapter.intake
    unreadable = {"update_id": 77, "message": {"text": TYPED}}  # no chat, date, sender...
    assert await post(url, unreadable) == 200
    for _ in range(inbox.TRIES + 1):
        bot.clock.advance(LEFT_BEHIND + inbox.LEASE)
        await intake.sweep()
        await intake.drained()
    assert await stored(bot) == [(77, "rejected", None)]
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING and "77" in r.message]
    assert [r.levelno for r in warnings if "set aside" in r.message] == [logging.WARNING]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert all(TYPED not in r.getMessage() and not r.exc_info for r in caplog.records)

    # Set aside for good: no more tries, and a second delivery changes nothing.
    bot.clock.advance(timedelta(hours=1))
    await intake.sweep()
    await intake.drained()
    assert await post(url, unreadable) == 200
    assert await stored(bot) == [(77, "rejected", None)]
