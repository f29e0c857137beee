"""Signing up end to end, through both frameworks and both databases: deep link → card → sign
up → /my → .ics → cancel → the first person waiting is offered the place; offers expire."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar

from bot.local.harness import Person, RunningBot
from tests.e2e import steps


async def registered(bot: RunningBot, user_id: int, name: str) -> Person:
    person = bot.person(user_id, name)
    await steps.register(person)
    return person


async def test_sign_up_by_deep_link_see_it_in_my_download_ics_and_cancel(bot: RunningBot) -> None:
    team = await steps.make_coordinator(bot, 9001)
    activity = await steps.make_activity(
        bot, team, shifts=((timedelta(days=5), timedelta(hours=3), 1),)
    )
    alice = await registered(bot, 1001, "Alice")
    reply = await alice.send(f"/start act_{activity.link_token}")
    card = reply.last
    assert "Beach clean-up" in card.text and "1 of 1 places left" in card.text
    assert card.button_labels() == ["✍️ Sign up: Sat 10 Jan 09:00–12:00"]

    reply = await alice.press("✍️ Sign up: Sat 10 Jan 09:00–12:00")
    assert "You're signed up for Beach clean-up, Sat 10 Jan 09:00–12:00" in reply.text
    assert "full, 0 waiting (✅ you're signed up)" in reply.text  # the card was redrawn

    bob = await registered(bot, 1002, "Bob")
    reply = await bob.send(f"/start act_{activity.link_token}")
    reply = await bob.press("⏳ Join the waiting list: Sat 10 Jan 09:00–12:00")
    assert "you are #1" in reply.text

    reply = await alice.send("/my")
    assert "Sat 10 Jan 09:00–12:00 Beach clean-up: ✅ confirmed" in reply.text
    reply = await alice.press("📅 .ics")
    document = reply.last.document
    assert document is not None and document.filename.endswith(".ics")
    event = next(iter(Calendar.from_ical(document.content).walk("VEVENT")))
    assert str(event["summary"]) == "Beach clean-up"
    assert event.decoded("dtstart") == activity_start(bot, days=5)

    await alice.send("/my")
    reply = await alice.press("❌ Cancel Sat 10 Jan 09:00")
    assert "Give back your place on Beach clean-up" in reply.text
    reply = await alice.press("Yes, cancel")
    assert "no longer on that shift" in reply.text
    offer = bob.last()
    assert "A place has opened on Beach clean-up" in offer.text
    assert offer.button_labels() == ["✅ Accept", "Decline"]
    reply = await bob.press("✅ Accept")
    assert "The place is yours" in reply.text
    assert await steps.statuses(bot) == {1001: "cancelled", 1002: "confirmed"}


def activity_start(bot: RunningBot, *, days: int) -> object:
    return bot.clock.now() + timedelta(days=days)


async def test_an_unanswered_offer_expires_and_passes_to_the_next_person(bot: RunningBot) -> None:
    team = await steps.make_coordinator(bot, 9001)
    activity = await steps.make_activity(
        bot, team, shifts=((timedelta(days=5), timedelta(hours=3), 1),)
    )
    people = [await registered(bot, 1001 + i, f"P{i}") for i in range(3)]
    for person in people:
        await person.send(f"/start act_{activity.link_token}")
        await person.press(person.last().button_labels()[0])
    first, second, third = people
    await first.send("/my")
    await first.press("❌ Cancel Sat 10 Jan 09:00")
    await first.press("Yes, cancel")
    assert "A place has opened" in second.last().text
    assert "answer by Mon 5 Jan 11:00" in second.last().text.replace("Please answer", "answer")

    bot.clock.advance(timedelta(hours=1, minutes=59))
    await bot.run_jobs()
    assert "A place has opened" not in third.last().text  # not yet

    bot.clock.advance(timedelta(minutes=1))
    await bot.run_jobs()
    assert "was not taken in time" in second.last().text
    assert "A place has opened" in third.last().text
    assert await steps.statuses(bot) == {1001: "cancelled", 1002: "cancelled", 1003: "offered"}
    reply = await second.press("✅ Accept", message_id=second.messages()[-2].message_id)
    assert reply.alert is not None and "offer" in reply.alert  # the old offer is gone


async def test_the_coordinators_are_told_when_nobody_is_left_waiting(bot: RunningBot) -> None:
    team = await steps.make_coordinator(bot, 9001)
    coordinator = await registered(bot, 9001, "Coordinator")
    activity = await steps.make_activity(
        bot, team, shifts=((timedelta(days=5), timedelta(hours=3), 2),)
    )
    alice = await registered(bot, 1001, "Alice")
    await alice.send(f"/start act_{activity.link_token}")
    await alice.press(alice.last().button_labels()[0])
    await alice.send("/my")
    await alice.press("❌ Cancel Sat 10 Jan 09:00")
    await alice.press("Yes, cancel")
    notice = coordinator.last()
    assert "2 places on Beach clean-up, Sat 10 Jan 09:00–12:00 are free" in notice.text
    assert notice.button_labels() == ["📣 Call for volunteers"]
