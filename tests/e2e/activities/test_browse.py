"""/activities: open activities newest first, a page at a time, filtered by theme, district and
date; each card shows time, place, places left and the waiting list."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.local.harness import RunningBot
from models.reference import District
from tests.e2e import steps


async def test_pages_and_filters(bot: RunningBot) -> None:
    team = await steps.make_coordinator(bot, 9001)
    async with steps.database(bot) as session:
        haicang = await session.scalar(select(District.id).where(District.code == "haicang"))
    for number in range(6):  # Wed 7 Jan (in two days) …
        await steps.make_activity(bot, team, title=f"Clean-up {number}")
        bot.clock.advance(timedelta(minutes=1))  # so "newest first" has an order
    await steps.make_activity(
        bot,
        team,
        title="Saturday visit",
        theme="elderly",
        district_id=haicang,
        shifts=((timedelta(days=5), timedelta(hours=2), 3),),
    )
    alice = bot.person(1001, "Alice")
    await steps.register(alice)

    reply = await alice.send("/activities")
    listing = reply.last
    assert "Open activities (7)" in listing.text
    assert listing.button_labels()[:5] == [
        "1. Saturday visit",
        "2. Clean-up 5",
        "3. Clean-up 4",
        "4. Clean-up 3",
        "5. Clean-up 2",
    ]
    assert "Next ▶️" in listing.button_labels()
    reply = await alice.press("Next ▶️")
    assert reply.last.button_labels()[:2] == ["1. Clean-up 1", "2. Clean-up 0"]
    assert "◀️ Previous" in reply.last.button_labels()

    await alice.press("🏷 Theme")
    reply = await alice.press("Caring for the elderly")
    assert "Open activities (1)" in reply.last.text
    await alice.press("🏷 Theme")
    await alice.press("Any theme")
    await alice.press("🗺 District")
    reply = await alice.press("Haicang")
    assert reply.last.button_labels()[0] == "1. Saturday visit"
    await alice.press("🗺 District")
    await alice.press("Any district")
    await alice.press("📅 When")
    reply = await alice.press("This weekend")  # Monday today: Sat 10 Jan and Sun 11 Jan
    assert "Open activities (1)" in reply.last.text
    await alice.press("📅 When")
    reply = await alice.press("Today")
    assert "No open activities match" in reply.last.text

    await alice.press("📅 When")
    await alice.press("Any time")
    reply = await alice.press("1. Saturday visit")
    card = reply.last
    assert "📌 Saturday visit" in card.text
    assert "Caring for the elderly · Haicang" in card.text
    assert "📍 Baicheng Beach, Siming" in card.text
    assert "Sat 10 Jan 09:06–11:06: 3 of 3 places left" in card.text  # the clock moved 6 min
