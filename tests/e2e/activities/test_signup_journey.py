"""The issue's whole journey, end to end through each framework and database: a coordinator
creates an activity with two shifts by conversation; a volunteer opens its deep link, signs up,
sees it in /my, downloads the .ics and cancels; the first person waiting is offered the place
and accepts — or, in the second run, stays silent until the offer expires and it passes on."""

from __future__ import annotations

import re
from datetime import timedelta

from icalendar import Calendar

from bot.local.harness import Person, RunningBot
from tests.e2e import steps
from tests.e2e.publishing.test_new_activity import add_shift, coordinator

SHIFT_ONE = "Sat 10 Jan 09:00–12:00"


async def publish_by_conversation(bot: RunningBot) -> str:
    """The coordinator plans and publishes; the activity's deep-link payload."""
    lin = await coordinator(bot)
    await lin.send("/new_activity")
    await lin.send("Beach clean-up")
    await lin.send("Pick up litter along the beach.")
    await lin.press("Environmental protection")
    await lin.press("Siming")
    await lin.send("Baicheng Beach, Siming")
    await lin.press("Skip ➡️")
    await add_shift(lin, "01-10", "09:00-12:00", "1")
    await lin.press("➕ Add another shift")
    await add_shift(lin, "01-11", "14:00-17:00", "3")
    await lin.press("Done with shifts ➡️")
    await lin.press("Until each shift starts")
    await lin.press("No minimum age")
    await lin.press("No")
    await lin.press("None")
    reply = await lin.press("✅ Publish")
    found = re.search(r"\?start=(act_[A-Za-z0-9_-]+)", reply.text)
    assert found is not None, reply.text
    return found.group(1)


async def sign_up_for_first_shift(person: Person, payload: str) -> str:
    await person.send(f"/start {payload}")
    labels = person.last().button_labels()
    assert len(labels) == 2  # a button per shift
    assert labels[0].endswith(SHIFT_ONE)
    return (await person.press(labels[0])).text


async def up_to_the_offer(bot: RunningBot) -> tuple[Person, Person, Person]:
    payload = await publish_by_conversation(bot)
    alice, bob, carol = [await steps.registered(bot, 1001 + i) for i in range(3)]

    assert "You're signed up for Beach clean-up" in await sign_up_for_first_shift(alice, payload)
    assert "you are #1" in await sign_up_for_first_shift(bob, payload)
    assert "you are #2" in await sign_up_for_first_shift(carol, payload)

    reply = await alice.send("/my")
    assert f"{SHIFT_ONE} Beach clean-up: ✅ confirmed" in reply.text
    reply = await alice.press("📅 .ics")
    document = reply.last.document
    assert document is not None
    (event,) = Calendar.from_ical(document.content).walk("VEVENT")
    assert str(event["summary"]) == "Beach clean-up"
    assert str(event["location"]) == "Baicheng Beach, Siming"
    assert payload in str(event["url"])

    await alice.send("/my")
    await alice.press("❌ Cancel Sat 10 Jan 09:00")
    await alice.press("Yes, cancel")
    assert "A place has opened on Beach clean-up, " + SHIFT_ONE in bob.last().text
    return alice, bob, carol


async def test_the_first_person_waiting_accepts_the_freed_place(bot: RunningBot) -> None:
    alice, bob, carol = await up_to_the_offer(bot)
    reply = await bob.press("✅ Accept")
    assert "The place is yours" in reply.text
    assert f"{SHIFT_ONE} Beach clean-up: ✅ confirmed" in (await bob.send("/my")).text
    assert await steps.statuses(bot) == {
        alice.id: "cancelled",
        bob.id: "confirmed",
        carol.id: "waiting",
    }


async def test_an_unanswered_offer_expires_and_passes_to_the_next_person(bot: RunningBot) -> None:
    alice, bob, carol = await up_to_the_offer(bot)
    bot.clock.advance(timedelta(hours=2))  # the offer window
    await bot.run_jobs()
    assert "was not taken in time" in bob.last().text
    assert "A place has opened on Beach clean-up, " + SHIFT_ONE in carol.last().text
    assert await steps.statuses(bot) == {
        alice.id: "cancelled",
        bob.id: "cancelled",
        carol.id: "offered",
    }
    reply = await carol.press("✅ Accept")
    assert "The place is yours" in reply.text
    assert (await steps.statuses(bot))[carol.id] == "confirmed"
