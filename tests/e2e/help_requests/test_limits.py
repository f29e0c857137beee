"""/ask_help has limits per person (their Telegram account), so one stranger cannot flood every
coordinator: at most so many requests waiting or in hand, at most so many a day; past either the
resident is told which limit and what to do, before typing anything, and a Send pressed past
it sends nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from bot.local.harness import RunningBot
from models.help_requests import triage
from models.help_requests.tables import HelpRequest, HelpRequestStatus
from tests.e2e import steps
from tests.e2e.help_requests.test_help_requests import (
    a_help_request,
    ask_for_help,
    up_to_summary,
    world,
)

TOO_MANY_OPEN = (
    "You already have 3 requests waiting for an answer or in hand, the most at one time. "
    "Please wait until a coordinator has answered one of them, then send /ask_help again."
)


async def requests(bot: RunningBot) -> int:
    async with steps.database(bot) as session:
        return await session.scalar(select(func.count()).select_from(HelpRequest)) or 0


async def answer_all(bot: RunningBot) -> None:
    async with steps.database(bot) as session:
        await session.execute(update(HelpRequest).values(status=HelpRequestStatus.DECLINED))


async def test_a_person_may_have_so_many_requests_open_and_send_so_many_a_day(
    bot: RunningBot,
) -> None:
    resident, coordinator = await world(bot)
    assert (triage.OPEN_PER_PERSON, triage.PER_DAY) == (3, 5)

    # Two open: a third may be asked; the limit reached while asking, Send sends nothing.
    for _ in range(2):
        await a_help_request(bot)
    await up_to_summary(resident)
    await a_help_request(bot)  # sent meanwhile (say, from another device)
    told_before = len(coordinator.messages())
    refused = await resident.press("📨 Send")
    assert refused.alert == TOO_MANY_OPEN
    assert await requests(bot) == 3
    assert len(coordinator.messages()) == told_before

    # Three open: refused at once, before any question.
    assert (await resident.send("/ask_help")).text == TOO_MANY_OPEN

    # Answered, they free places; but five in 24 hours is the day's most.
    await answer_all(bot)
    sent = await ask_for_help(resident)
    assert "has been sent" in sent.text
    await a_help_request(bot)
    await answer_all(bot)
    assert (await resident.send("/ask_help")).text == (
        "You have sent 5 requests in the last 24 hours, the most in a day. You can send "
        "another after Tue 6 Jan 09:00; the coordinators are already looking at the ones you sent."
    )
    assert await requests(bot) == 5

    # A day after the first, one more may be sent.
    bot.clock.advance(timedelta(days=1))
    assert "What kind of help do you need?" in (await resident.send("/ask_help")).text
