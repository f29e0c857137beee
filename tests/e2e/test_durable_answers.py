"""Nothing is answered before the commit that led to it is on disk.

On SQLite a commit writes the log and the disk is waited for after the turn to write is given
up, once for several updates (`models.sqlite_driver.LogSync`); every answer the bot sends must
still wait for its update's commit to be synced. PostgreSQL syncs each commit itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from bot.adapters.base import TelegramAdapter
from bot.local.harness import RunningBot, running_bot
from models import sqlite_driver
from models.clock import ManualClock
from tests.conftest import make_settings

PEOPLE = 20


@pytest.fixture
async def bot(sqlite_url: str, framework: str, clock: ManualClock) -> AsyncIterator[RunningBot]:
    async with running_bot(
        make_settings(sqlite_url, bot_framework=framework), clock=clock
    ) as running:
        yield running


async def test_every_answer_waits_for_its_commit_to_be_on_disk(
    bot: RunningBot, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = sqlite_driver.log_sync(str(make_url(sqlite_url).database))
    made_by: dict[asyncio.Task[Any] | None, int] = {}  # the last commit each task made
    commit_made = sqlite_driver.LogSync.commit_made
    attempt = TelegramAdapter.attempt
    checked: list[bool] = []

    def numbered(self: sqlite_driver.LogSync) -> int:
        number = commit_made(self)
        if self is log:
            made_by[asyncio.current_task()] = number
        return number

    async def only_once_on_disk(self: TelegramAdapter, action: Any) -> Any:
        commit = made_by.get(asyncio.current_task())
        if commit is not None:
            checked.append(log.synced >= commit)
        return await attempt(self, action)

    monkeypatch.setattr(sqlite_driver.LogSync, "commit_made", numbered)
    monkeypatch.setattr(TelegramAdapter, "attempt", only_once_on_disk)
    people = [bot.person(2000 + number, f"P{number}") for number in range(PEOPLE)]
    replies = await asyncio.gather(*(person.send("/start") for person in people))

    assert all(reply.messages for reply in replies)
    assert len(checked) >= PEOPLE  # every answer was checked
    assert all(checked)
