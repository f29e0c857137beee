"""Long polling under a backlog, on each framework and database: the bot is stopped gracefully
(its shutdown time runs out) while many updates are fetched and not yet answered, then started
again; every update is answered exactly once — none lost with the stop, none answered twice."""

from __future__ import annotations

import asyncio
import contextlib
import time

from bot.local.harness import RunningBot

PEOPLE = 150
STOP_AFTER = 20  # answers, then the stop
TIMEOUT_S = 60.0


def answered(bot: RunningBot, people: range) -> list[int]:
    return [len(bot.sandbox.user(user_id).messages()) for user_id in people]


async def until_answered(bot: RunningBot, people: range, at_least: int) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while sum(1 for count in answered(bot, people) if count) < at_least:
        assert time.monotonic() < deadline, f"{answered(bot, people)}"
        await asyncio.sleep(0.05)


async def test_updates_fetched_before_a_stop_are_answered_once_after_the_restart(
    bot: RunningBot,
) -> None:
    # Flood control out of the way: a reply refused by it is another matter than this one.
    bot.sandbox.limits.global_per_second = bot.sandbox.limits.global_burst = 10**6
    people = range(5001, 5001 + PEOPLE)
    for user_id in people:
        await bot.sandbox.user(user_id, f"P{user_id}", language_code="en").send("/help")
    await until_answered(bot, people, STOP_AFTER)

    # SIGTERM's path: no more updates, the work in hand within the shutdown time; then closed.
    assert bot.adapter is not None
    await bot.adapter.stop_receiving()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(bot.adapter.finish_updates(), 0.01)
    await bot.stop()
    assert sum(1 for count in answered(bot, people) if count) < PEOPLE, "no backlog was left"

    await bot.start()
    await until_answered(bot, people, PEOPLE)
    await asyncio.sleep(0.5)  # anything answered twice would be by now
    assert set(answered(bot, people)) == {1}
