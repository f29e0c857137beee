"""Profile the bot's handling of one kind of update: the real bot (in this process, polling a
sandbox, on a fresh SQLite database) answers COUNT updates of TEXT from a volunteer signed up
for a few shifts, under cProfile; prints the functions that cost most (their cumulative time),
as shares of all the time profiled: `Dispatcher.handle` is the bot's handling of an update,
`Intake.record` and `inbox.handled` its recording and forgetting, the rest the framework, the
sandbox and the people. Coroutines that run side by side overlap, so shares add up to more
than 100 %.

    python scripts/profile_updates.py [--text /my] [--count 500] [--framework ptb] [--top 25]

Shares, not seconds: on a shared machine the times vary, how they split much less.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.local.harness import running_bot
from migrations import upgrade
from tests.conftest import make_settings
from tests.e2e import steps


async def profile(url: str, text: str, count: int, framework: str) -> cProfile.Profile:
    async with running_bot(make_settings(url, bot_framework=framework)) as bot:
        # Telegram's flood control (one message a second to a chat) is not what is measured.
        bot.sandbox.api.limiter.acquire = lambda *_, **__: None  # type: ignore[method-assign]
        team = await steps.make_coordinator(bot, 9001)
        person = await steps.registered(bot, 1001)
        for days in (2, 3, 4):
            activity = await steps.make_activity(
                bot, team, shifts=((timedelta(days=days), timedelta(hours=3), 5),)
            )
            await person.send(f"/start act_{activity.link_token}")
            await person.press(person.last().button_labels()[0])
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(count):
            await person.send(text)
        profiler.disable()
        return profiler


def report(profiler: cProfile.Profile, count: int, top: int) -> None:
    stats = pstats.Stats(profiler)
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(own for (_, _, own, _, _) in entries.values())
    print(f"{total:.2f} s profiled in all (the bot, the sandbox and the people acting)")
    # Unlike times, the number of Python function calls hardly depends on the machine's load.
    calls = stats.total_calls  # type: ignore[attr-defined]
    print(f"{calls / count:,.0f} function calls per update\n")
    print("share  own time   package")
    for package, own in sorted(by_package(entries).items(), key=lambda item: -item[1]):
        print(f"{100 * own / total:5.1f}% {own:8.2f} s  {package}")
    print("\nshare  cumulative  function")
    rows = sorted(entries.items(), key=lambda item: item[1][3], reverse=True)
    for (path, line, name), (_, _, _, cumulative, _) in rows[:top]:
        where = "/".join(Path(path).parts[-2:])
        print(f"{100 * cumulative / total:5.1f}% {cumulative:8.2f} s  {name} ({where}:{line})")


OWN_CODE = {"bot", "handlers", "models", "scheduler", "sandbox"}


def by_package(entries: dict[tuple[str, int, str], tuple[Any, ...]]) -> dict[str, float]:
    """Own time (not counting callees) by top-level package: where the time is really spent."""
    totals: dict[str, float] = {}
    for (path, _, name), (_, _, own, _, _) in entries.items():
        parts = Path(path).parts
        if "epoll" in name:  # the event loop idle: waiting for the database thread or a socket
            package = "waiting for I/O (epoll)"
        elif "site-packages" in parts:
            package = parts[parts.index("site-packages") + 1]
        elif any(part in OWN_CODE for part in parts[-3:-1]):
            package = next(part for part in parts[-3:-1] if part in OWN_CODE)
        elif path.startswith("~") or "python3." in path:
            package = "python (asyncio, selectors, json…)"
        else:
            package = "other"
        totals[package] = totals.get(package, 0.0) + own
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--text", default="/my")
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--framework", default="ptb", choices=["ptb", "aiogram"])
    parser.add_argument("--top", type=int, default=40)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/volbot.db"
        upgrade(url)
        profiler = asyncio.run(profile(url, arguments.text, arguments.count, arguments.framework))
    report(profiler, arguments.count, arguments.top)


if __name__ == "__main__":
    main()
