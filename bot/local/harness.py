"""The real bot, wired to a local sandbox: what tests, `volbot sandbox` and transcripts run.

`running_bot()` starts the sandbox server, the database and the bot through the chosen framework
(over HTTP, exactly as against Telegram), and gives people to act as. Each act waits until the bot
has fully handled that update — no sleeping, no guessing.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.adapters.base import TelegramAdapter
from bot.app import build_adapter, build_dispatcher, build_jobs, build_sender
from bot.settings import Settings
from bot.webapp import WebApp
from bot.webserver import WebServer
from handlers import menus
from handlers.events import Incoming
from models.clock import ManualClock
from models.db import create_engine, session_factory
from models.inbox import InboundUpdate
from sandbox.server import BotApiSandbox, SentMessage
from sandbox.users import SandboxGroup, SandboxUser

HANDLED_TIMEOUT_S = 15.0
# A link into a bot, as Telegram's apps open it: https://core.telegram.org/api/links#bot-links
# (a start parameter is up to 64 of A-Z a-z 0-9 _ and -).
BOT_LINK = re.compile(r"(?:https?://)?t\.me/(\w+)\?(start|startgroup)=([\w-]{1,64})")
REPO = Path(__file__).resolve().parents[2]  # the checkout: bot/local/harness.py is two below


@dataclass
class Reply:
    """What the bot did in a chat in answer to one act."""

    messages: list[SentMessage]
    alert: str | None = None

    @property
    def last(self) -> SentMessage:
        assert self.messages, "the bot sent nothing"
        return self.messages[-1]

    @property
    def text(self) -> str:
        return "\n".join(message.text or "" for message in self.messages)


@dataclass
class RunningBot:
    sandbox: BotApiSandbox
    settings: Settings
    clock: ManualClock
    adapter: TelegramAdapter | None = None
    # Also run the bot's HTTP server (the calendar feed, /healthz, /metrics) on HTTP_PORT.
    serve_http: bool = False
    server: WebServer | None = None
    _handled: dict[int, asyncio.Event] = field(default_factory=dict)

    async def start(self) -> None:
        """Start (or start again) the bot process's parts on the same database and sandbox."""
        self.engine = create_engine(self.settings.database_url)
        await number_updates_past_recorded(self.sandbox, self.engine)  # a database used before
        dispatcher = build_dispatcher(self.settings, session_factory(self.engine), self.clock)
        self.adapter = build_adapter(self.settings, dispatcher)
        self.adapter.observers.append(self._mark_handled)
        await self.adapter.start()
        # In the foreground here (a deployment sets them in the background), so tests see them.
        await menus.publish(dispatcher.services, pace_s=0)
        if self.serve_http:
            self.server = WebServer(
                self.adapter,
                self.adapter.metrics,
                webhook_path=None,
                secret="",
                scheduler_alive=lambda: True,
                webapp=WebApp(dispatcher.services, self.settings),
            )
            await self.server.start(self.settings.http_host, self.settings.http_port)
        self.jobs = build_jobs(dispatcher)
        self.sender = build_sender(dispatcher, self.adapter)

    async def run_jobs(self) -> None:
        """Run the background work that is due now (the clock only moves when told to, so this
        is called after acting or moving the clock, instead of an interval timer)."""
        await self.jobs.run_due()

    async def send_broadcasts(self) -> int:
        """Send the calls that are due until nobody is left (on the real clock: their pace is
        Telegram's); how many messages went out."""
        return await self.sender.run()

    async def run_background(self) -> None:
        """All the background work a deployment's runner does that is due now: the jobs, then
        the calls due to go out (what transcripts' `wait` and the terminal's time run)."""
        await self.run_jobs()
        await self.send_broadcasts()

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop()
            self.server = None
        if self.adapter is not None:
            await self.adapter.stop()
            await self.engine.dispose()
            self.adapter = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    def person(
        self,
        user_id: int,
        first_name: str = "Test",
        *,
        phone_number: str | None = None,
        language_code: str = "zh-hans",
    ) -> Person:
        user = self.sandbox.user(
            user_id, first_name, phone_number=phone_number, language_code=language_code
        )
        return Person(self, user)

    async def add_to_group(self, group: SandboxGroup, by: Person) -> None:
        """`by` adds the bot to `group`; returns once the bot has handled it."""
        await self.handled(await group.add_bot(by.user))

    def _mark_handled(self, event: Incoming) -> None:
        self._handled.setdefault(event.update_id, asyncio.Event()).set()

    async def handled(self, update_id: int) -> None:
        event = self._handled.setdefault(update_id, asyncio.Event())
        await asyncio.wait_for(event.wait(), HANDLED_TIMEOUT_S)


class HandledWaiter(Protocol):
    """Whatever can tell when the bot has fully handled an update: the in-process bot, or a
    watch on the database of bot processes that receive updates by webhook."""

    async def handled(self, update_id: int) -> None: ...


@dataclass
class Person:
    """Someone chatting with the bot; every act returns the bot's reply to it."""

    bot: HandledWaiter
    user: SandboxUser

    @property
    def id(self) -> int:
        return self.user.id

    def messages(self) -> list[SentMessage]:
        return self.user.messages()

    def last(self) -> SentMessage:
        message = self.user.last_message()
        assert message is not None, "the bot has sent this person nothing"
        return message

    async def send(self, text: str) -> Reply:
        return await self._act(self.user.send(text))

    async def press(self, label: str, *, message_id: int | None = None) -> Reply:
        return await self._act(self.user.press(label, message_id=message_id))

    async def press_data(self, data: str, *, message_id: int) -> Reply:
        return await self._act(self.user.press_data(data, message_id=message_id))

    async def tap(self, label: str) -> Reply:
        return await self._act(self.user.tap(label))

    async def share_contact(self, phone_number: str, *, user_id: int | None = None) -> Reply:
        owner = self.id if user_id is None else user_id
        return await self._act(self.user.share_contact(phone_number, user_id=owner))

    async def share_location(
        self,
        latitude: float,
        longitude: float,
        *,
        live_period: int | None = None,
        forwarded: bool = False,
    ) -> Reply:
        """A static pin, a live location (`live_period`), or a location forwarded from elsewhere."""
        return await self._act(
            self.user.share_location(
                latitude, longitude, live_period=live_period, forwarded=forwarded
            )
        )

    async def upload(self, filename: str, content: bytes, mime_type: str) -> Reply:
        return await self._act(self.user.upload(filename, content, mime_type))

    async def send_photo(self, content: bytes, caption: str | None = None) -> Reply:
        return await self._act(self.user.send_photo(content, caption))

    async def send_sticker(self) -> Reply:
        return await self._act(self.user.send_sticker())

    async def block(self) -> None:
        await self.bot.handled(await self.user.block())

    async def _act(self, acting: Awaitable[int]) -> Reply:
        before = {m.message_id: m.edit_count for m in self.user.messages()}
        answers_before = len(self.user.callback_answers)
        await self.bot.handled(await acting)
        changed = [
            message
            for message in self.user.messages()
            if before.get(message.message_id) != message.edit_count
        ]
        answers = self.user.callback_answers[answers_before:]
        alert = next((answer.text for answer in answers if answer.text), None)
        return Reply(messages=changed, alert=alert)


def process_environment(
    database_url: str, api_url: str, token: str, **settings: str
) -> dict[str, str]:
    """The environment of a `volbot run` OS process pointed at a sandbox (tests and benchmarks
    start them): this process's (PATH and the like) without any of the bot's settings, plus the
    database, the sandbox and `settings`; the code run is this checkout, whatever is installed."""
    names = set(Settings.model_fields)
    env = {key: value for key, value in os.environ.items() if key.lower() not in names}
    env.update(
        DATABASE_URL=database_url,
        TELEGRAM_BOT_TOKEN=token,
        TELEGRAM_API_BASE_URL=api_url,
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    )
    env.update(settings)
    return env


def sandbox_settings(
    base: Settings, sandbox: BotApiSandbox, api_url: str, **overrides: object
) -> Settings:
    """`base` pointed at the sandbox's token and address."""
    return base.model_copy(
        update={
            "telegram_bot_token": SecretStr(sandbox.token),
            "telegram_api_base_url": api_url,
            **overrides,
        }
    )


async def number_updates_past_recorded(sandbox: BotApiSandbox, engine: AsyncEngine) -> None:
    """Number the sandbox's next updates past the highest this database recorded: a bot run
    again on it takes an id it has seen for a repeated delivery, and ignores it."""
    async with engine.connect() as connection:
        handled = await connection.scalar(select(func.max(InboundUpdate.update_id)))
    sandbox.world.number_updates_after(handled or 0)


def free_port() -> int:
    """A TCP port free on this machine now, for a server a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def running_bot(
    settings: Settings,
    *,
    clock: ManualClock | None = None,
    serve_http: bool = False,
    flood_clock: Callable[[], float] | None = None,
) -> AsyncIterator[RunningBot]:
    """A sandbox server and the real bot polling it; `settings` gives database and framework
    (and, with `serve_http`, the port of the bot's HTTP server). `flood_clock` is the monotonic
    clock of the sandbox's flood limits (real time by default)."""
    clock = clock or ManualClock()
    sandbox = BotApiSandbox(now=clock.now, monotonic=flood_clock)
    api_url = await sandbox.start()
    bot = RunningBot(
        sandbox, sandbox_settings(settings, sandbox, api_url), clock, serve_http=serve_http
    )
    try:
        await bot.start()
        yield bot
    finally:
        await bot.stop()
        await sandbox.stop()
