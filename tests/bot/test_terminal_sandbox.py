"""`volbot sandbox` as a newcomer meets it: a real process in a pseudo-terminal, typed at."""

from __future__ import annotations

import asyncio
import os
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest

from bot.local import demo
from bot.local.harness import RunningBot, free_port, running_bot
from bot.local.personas import COORDINATOR_ID, SandboxState
from bot.local.terminal import Terminal
from bot.texts import Catalogs
from models.clock import ManualClock

ROOT = Path(__file__).parents[2]
TIMEOUT_S = 60.0  # a slow CI machine starting the bot, the sandbox and a migrated database
ZH = "zh-CN"  # the personas' apps are in Chinese
CALL = "周六海滩清洁还缺人，来吗？"


class Screen:
    """The terminal's side of a pseudo-terminal: what the sandbox printed, read as it comes."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.seen = ""

    def until(self, pattern: str) -> str:
        """Everything printed up to and including `pattern` (a regex), once it is there."""
        start = len(self.seen)
        while (match := re.compile(pattern).search(self.seen, start)) is None:
            ready, _, _ = select.select([self.fd], [], [], TIMEOUT_S)
            assert ready, f"waited {TIMEOUT_S} s for {pattern!r}; the screen:\n{self.seen}"
            chunk = os.read(self.fd, 65536).decode(errors="replace").replace("\r\n", "\n")
            assert chunk, f"the sandbox ended before {pattern!r}; the screen:\n{self.seen}"
            self.seen += chunk
        shown = self.seen[start : match.end()]
        self.seen = self.seen[match.end() :]
        return shown

    def type(self, line: str, *, as_: str) -> str:
        """Type `line` and Enter as persona `as_`; what came back, up to the next prompt."""
        os.write(self.fd, (line + "\n").encode())
        return self.until(rf"\n{as_}> $")

    def press(self, label: str, shown: str, *, as_: str) -> str:
        """Press the button whose label starts with `label` among those in `shown`."""
        return self.type(number_of(label, shown), as_=as_)


def number_of(label: str, shown: str) -> str:
    """The number the terminal gave the button whose label starts with `label` in `shown`."""
    match = re.search(rf"\[(\d+)\] {re.escape(label)}", shown)
    assert match, f"no button {label!r} in:\n{shown}"
    return match.group(1)


def test_a_call_sent_in_the_terminal_reaches_the_volunteer_who_signs_up(tmp_path: Path) -> None:
    t = Catalogs.load()
    controller, terminal = os.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "sandbox", "--data-dir", str(tmp_path / "data")],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        cwd=tmp_path,  # no .env of the developer's is read
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
            "TERM": "dumb",
            "HTTP_PORT": str(free_port()),  # the dashboard's server: not a fixed port in CI
        },
    )
    os.close(terminal)
    screen = Screen(controller)
    try:
        before_banner = screen.until(r"volbot sandbox: ")
        assert "alembic" not in before_banner and "INFO" not in before_banner
        screen.until(r"\nvolunteer> $")

        screen.type(":as coordinator", as_="coordinator")
        shown = screen.type("/broadcast", as_="coordinator")
        assert t.get(ZH, "broadcast_compose.ask_notice") in shown
        shown = screen.type(CALL, as_="coordinator")
        for label in (
            "海滩清洁",  # the call is about one of the seeded activities
            t.get(ZH, "broadcast_compose.kind_teams"),
            "Sandbox Volunteer Team",
            t.get(ZH, "broadcast_compose.done"),
            t.get(ZH, "broadcast_compose.send_now"),
        ):
            shown = screen.press(label, shown, as_="coordinator")

        received = screen.type(":as volunteer", as_="volunteer")
        assert CALL in received
        shown = screen.press(t.get(ZH, "broadcasts.sign_up"), received, as_="volunteer")
        assert "海滩清洁" in shown
        shown = screen.press(t.get(ZH, "activities.sign_up", when=""), shown, as_="volunteer")
        assert t.get(ZH, "signup.confirmed", title="海滩清洁", when="").split("，")[0] in shown

        screen.type(":as admin", as_="admin")  # an admin of the sandbox's, who sees the demo's
        shown = screen.type("/orgs", as_="admin")  # organisation over both teams
        assert "海沧社区服务队" in screen.press("思明区志愿服务联合会", shown, as_="admin")
    finally:
        process.kill()
        process.wait()
        os.close(controller)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the sandbox's database
async def test_the_terminal_shows_and_keeps_what_the_bot_sent_and_where_time_stood(
    bot: RunningBot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await demo.seed(bot.settings, bot.clock.now(), coordinator=COORDINATOR_ID, demo=True)
    terminal = Terminal(bot, state=SandboxState.load(tmp_path), data_dir=tmp_path)

    async def press(label: str) -> str:
        number = next(n for n, c in enumerate(terminal.choices, 1) if c.label.startswith(label))
        await terminal.handle(str(number))
        return capsys.readouterr().out

    await terminal.handle(":as coordinator")
    await terminal.handle(":group")  # the coordinator adds the bot to a group, to post in
    await terminal.handle("/manage")
    await press("海滩清洁")
    await press("📣")  # post the card in a group
    assert "bot in Sandbox Group> 📌 海滩清洁" in await press("Sandbox Group")
    # The demo's city programme: its duty rota with 陈静 on the standing slot, its course, its
    # stations and what is near the volunteer.
    await terminal.handle("/rota")
    assert "陈静" in await press("驿站周六值守")
    await terminal.handle("/courses")
    assert "驿站急救值守" in await press("急救培训")
    await terminal.handle("/stations")
    assert "白城沙滩志愿服务驿站" in capsys.readouterr().out
    await terminal.handle(":as volunteer")
    await terminal.handle(":location 24.4500 118.0900")
    near = capsys.readouterr().out
    assert near.index("中山路志愿服务驿站") < near.index("白城沙滩志愿服务驿站"), near
    await terminal.handle(":as coordinator")

    await terminal.handle("/manage")
    await press("海滩清洁")
    shown = await press("🔗")  # the link and its QR code
    saved = re.search(r"\[photo: 海滩清洁\n.*\(saved in (\S+)\)", shown, re.DOTALL)
    assert saved, shown
    assert (await asyncio.to_thread(Path(saved.group(1)).read_bytes)).startswith(b"\x89PNG")

    await terminal.handle(":as newbie")
    await terminal.handle(":wait 1d")
    kept = SandboxState.load(tmp_path)
    assert kept.now == bot.clock.now()
    assert kept.personas()["newbie"].user_id == terminal.persona.user_id


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the sandbox's database
async def test_a_sandbox_started_again_on_its_database_still_answers(
    bot: RunningBot, clock: ManualClock
) -> None:
    """`volbot sandbox` started again on its data folder: the new sandbox would number updates
    from 1 again, which the bot's inbox, remembering the ids it handled, takes for repeated
    deliveries and ignores; they go on after those instead."""
    await bot.person(1001).send("/start")
    async with running_bot(bot.settings, clock=clock) as again:
        reply = await again.person(1001).send("/start")
    assert reply.messages, "the bot answered nothing after a restart"
