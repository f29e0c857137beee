"""The terminal sandbox's `:dashboard`: a local address of the Mini App, signed for the persona
as Telegram would sign it, that the bot's HTTP server (running in the sandbox) accepts."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import aiohttp
import pytest

from bot.local.harness import RunningBot, free_port, running_bot
from bot.local.personas import SandboxState
from bot.local.terminal import Terminal
from models.clock import ManualClock
from tests.conftest import make_settings


@pytest.fixture
async def bot(sqlite_url: str, clock: ManualClock) -> AsyncIterator[RunningBot]:
    settings = make_settings(sqlite_url, http_port=free_port())
    async with running_bot(settings, clock=clock, serve_http=True) as running:
        yield running


async def test_dashboard_prints_a_signed_local_address_for_the_persona(
    bot: RunningBot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal = Terminal(bot, state=SandboxState.load(tmp_path), data_dir=tmp_path)
    await terminal.handle(":as coordinator")
    capsys.readouterr()
    await terminal.handle(":dashboard")
    shown = capsys.readouterr().out
    port = bot.settings.http_port
    found = re.search(rf"http://127\.0\.0\.1:{port}/app/#tgWebAppData=(\S+)", shown)
    assert found, shown
    init_data = unquote(found.group(1))

    async def me() -> tuple[int, dict[str, object]]:
        url = f"http://127.0.0.1:{port}/app/api/me"
        headers = {"Authorization": f"tma {init_data}"}
        async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as answer:
            return answer.status, await answer.json()

    status, body = await me()
    assert (status, body["id"]) == (200, terminal.persona.user_id)
    bot.clock.advance(timedelta(hours=2))  # simulated time passed: type :dashboard again
    assert (await me())[0] == 401
