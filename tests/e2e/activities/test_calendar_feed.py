"""The calendar subscription, through both frameworks and both databases: /my offers the
volunteer's secret feed address; the bot's own HTTP server serves it; a moved shift keeps its
event (same UID, new time), a cancelled sign-up drops it, and a replaced address stops working."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from icalendar import Calendar, Event

from bot.local.harness import RunningBot, free_port, running_bot
from models.activities.tables import Activity, Shift
from models.clock import ManualClock
from models.publishing import edit_activity, publication
from tests.conftest import make_settings
from tests.e2e import steps

ALICE = 1001
SUBSCRIBE = "📅 Subscribe in my calendar"


@pytest.fixture
async def bot(database_url: str, framework: str, clock: ManualClock) -> AsyncIterator[RunningBot]:
    """The bot with its HTTP server, whose public address is where it listens."""
    port = free_port()
    settings = make_settings(
        database_url,
        bot_framework=framework,
        http_port=port,
        public_url=f"http://127.0.0.1:{port}",
    )
    async with running_bot(settings, clock=clock, serve_http=True) as running:
        yield running


async def fetch(url: str) -> tuple[int, str, bytes]:
    async with aiohttp.ClientSession() as session, session.get(url) as answer:
        return answer.status, answer.content_type, await answer.read()


async def events(url: str) -> list[Event]:
    status, content_type, body = await fetch(url)
    assert (status, content_type) == (200, "text/calendar"), body
    return list(Calendar.from_ical(body).walk("VEVENT"))


async def move(bot: RunningBot, activity: Activity, by: timedelta) -> None:
    """The coordinator moves the activity's shift (the edit rule /manage's Edit button runs)."""
    async with steps.database(bot) as session:
        activity = await publication.get_activity(session, activity.id)
        (shift,) = await publication.shifts_of(session, activity.id)
        await edit_activity.change_shift_times(
            session,
            activity,
            shift.id,
            shift.starts_at + by,
            shift.ends_at + by,
            actor=9001,
            now=bot.clock.now(),
        )


async def shift_of(bot: RunningBot, activity: Activity) -> Shift:
    async with steps.database(bot) as session:
        (shift,) = await publication.shifts_of(session, activity.id)
        return shift


async def test_the_feed_follows_a_move_and_a_cancellation_and_a_replaced_link_stops(
    bot: RunningBot,
) -> None:
    team = await steps.make_coordinator(bot, 9001)
    activity = await steps.make_activity(
        bot, team, shifts=((timedelta(days=5), timedelta(hours=3), 2),)
    )
    alice = await steps.registered(bot, ALICE)
    await alice.send(f"/start act_{activity.link_token}")
    await alice.press(alice.last().button_labels()[0])

    reply = await alice.send("/my")
    assert "add it to your phone's calendar as a subscription" in reply.text
    button = reply.last.find_button(SUBSCRIBE)
    assert button is not None and button.url is not None
    url = button.url
    assert url.startswith(f"{bot.settings.public_url}/calendar/") and url.endswith(".ics")

    (event,) = await events(url)
    shift = await shift_of(bot, activity)
    uid = str(event["uid"])
    assert str(event["summary"]) == "Beach clean-up"
    assert str(event["location"]) == "Baicheng Beach, Siming"
    assert str(event["status"]) == "CONFIRMED"
    assert event.decoded("dtstart") == shift.starts_at
    assert event.decoded("dtend") == shift.ends_at
    first_sequence = int(event["sequence"])

    bot.clock.advance(timedelta(hours=1))
    await move(bot, activity, timedelta(days=1, hours=2))
    (moved,) = await events(url)
    assert str(moved["uid"]) == uid
    assert moved.decoded("dtstart") == shift.starts_at + timedelta(days=1, hours=2)
    assert int(moved["sequence"]) > first_sequence
    assert moved.decoded("last-modified") > event.decoded("last-modified")

    reply = await alice.send("/my")
    assert (await alice.send("/my")).last.find_button(SUBSCRIBE) == button
    await alice.press(next(b for b in reply.last.button_labels() if b.startswith("❌ Cancel")))
    await alice.press("Yes, cancel")
    assert await events(url) == []

    await alice.send("/my")
    reply = await alice.press("🔄 Replace the link")
    assert "stops working" in reply.text
    reply = await alice.press("Yes, replace it")
    assert "new link" in reply.text
    (new_button,) = filter(None, (m.find_button(SUBSCRIBE) for m in reply.messages))
    assert new_button.url is not None and new_button.url != url
    assert await fetch(url) == (404, "text/plain", b"not found")
    assert await events(new_button.url) == []


async def test_an_unknown_or_malformed_address_is_404_and_says_nothing(bot: RunningBot) -> None:
    base = f"{bot.settings.public_url}/calendar"
    for path in ("A" * 32 + ".ics", "short.ics", "%00.ics", "A" * 31 + "%2F.ics"):
        assert await fetch(f"{base}/{path}") == (404, "text/plain", b"not found"), path
