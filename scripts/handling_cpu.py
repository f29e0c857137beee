"""CPU time of the bot's own handling of one kind of update, in this process, one update at a
time, split into its parts: the inbox's record (its own transaction), the dispatcher's handling
(`Dispatcher.handle`: the handled mark, the conversation state, the volunteer, the handler) and
the erasure of the answered update's payload (its own transaction). No framework and no
Telegram: the updates go straight to the dispatcher, so this is what volbot adds to the bare
framework. A volunteer with three places (as `profile_updates.py`) sends TEXT COUNT times after
a warm-up; CPU is process time, the database thread's included.

    python scripts/handling_cpu.py [--text /my] [--count 1000] [--database-url URL]

Without `--database-url`, a fresh SQLite file; a PostgreSQL URL must name an empty database.
One update at a time, the inbox's statements are each paid whole; under load the record and the
erasure are shared by the updates of one `getUpdates` or one erasure (`bot/intake.py`).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bot.dispatcher
from bot.local.harness import running_bot
from handlers.events import Incoming, Sender
from handlers.router import Router
from migrations import upgrade
from models import inbox
from models.db import writing
from models.registration import volunteers
from tests.conftest import make_settings
from tests.e2e import steps

WARM_UP = 100
FIRST_UPDATE_ID = 10_000_000  # above the sandbox's own
VOLUNTEER = 1001


class CpuTimes:
    """CPU seconds spent in each wrapped coroutine function, by name."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def wrap(self, owner: Any, name: str) -> None:
        function: Callable[..., Awaitable[Any]] = getattr(owner, name)

        @functools.wraps(function)
        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return await function(*args, **kwargs)
            finally:
                spent = time.process_time() - started
                self.seconds[name] = self.seconds.get(name, 0.0) + spent

        setattr(owner, name, timed)


async def measure(url: str, text: str, count: int) -> dict[str, float]:
    """Milliseconds of CPU per update for each part."""
    times = CpuTimes()
    for owner, name in (
        (inbox, "settle"),
        (bot.dispatcher, "lock_state"),  # imported by name there
        (volunteers, "find_volunteer"),
        (Router, "route"),
        (bot.dispatcher.Dispatcher, "handle"),
    ):
        times.wrap(owner, name)
    async with running_bot(make_settings(url, bot_framework="ptb")) as running:
        running.sandbox.api.limiter.acquire = lambda *_, **__: None  # type: ignore[method-assign]
        team = await steps.make_coordinator(running, 9001)
        person = await steps.registered(running, VOLUNTEER)
        for days in (2, 3, 4):
            activity = await steps.make_activity(
                running, team, shifts=((timedelta(days=days), timedelta(hours=3), 5),)
            )
            await person.send(f"/start act_{activity.link_token}")
            await person.press(person.last().button_labels()[0])
        assert running.adapter is not None
        dispatcher, intake = running.adapter.dispatcher, running.adapter.intake
        sender = Sender(id=VOLUNTEER, first_name="Test", language_code="zh-hans")
        for number in range(WARM_UP + count):
            if number == WARM_UP:
                times.seconds.clear()
            update_id = FIRST_UPDATE_ID + number
            started = time.process_time()
            await intake.record([{"update_id": update_id, "message": {"text": text}}])
            recorded = time.process_time()
            event = Incoming(update_id=update_id, sender=sender, chat_id=VOLUNTEER, text=text)
            assert await dispatcher.handle(event), "no answer"
            handled = time.process_time()
            async with writing(dispatcher.sessions) as session:
                await inbox.handled(session, [update_id])
            if number >= WARM_UP:
                times.seconds["record"] = times.seconds.get("record", 0.0) + recorded - started
                erased = time.process_time() - handled
                times.seconds["erase"] = times.seconds.get("erase", 0.0) + erased
    return {name: 1000 * seconds / count for name, seconds in times.seconds.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--text", default="/my")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/volbot.db"
    upgrade(url)
    per_update = asyncio.run(measure(url, args.text, args.count))
    print(f"{args.text}: ms of CPU per update, {args.count} updates one at a time")
    for name in ("record", "handle", "settle", "lock_state", "find_volunteer", "route", "erase"):
        print(f"  {name:15s} {per_update.get(name, 0.0):6.3f}")


if __name__ == "__main__":
    main()
