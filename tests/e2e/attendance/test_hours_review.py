"""A coordinator's attendance roster end to end, with a controlled clock: the roster way in
(marking present or absent), confirming all recorded hours, changing hours and adding honour
hours with a reason, the scheduler's no-shows, and the insured roster for the insurer."""

from __future__ import annotations

import csv
import io
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.local.harness import Person, RunningBot
from models.activities.tables import Activity, ServiceRecord, Shift, Signup
from models.registration.tables import Volunteer
from tests.e2e import steps
from tests.e2e.attendance.test_hours import served
from tests.ids import make_id

COORDINATOR = 9001
START = timedelta(days=1)  # the shift: Tuesday 09:00–12:00 in Shanghai
SHIFT = "Tue 6 Jan 09:00–12:00"
ALICE_ID = make_id()


async def world(bot: RunningBot) -> Person:
    """A coordinator, and four volunteers holding the four places of a shift."""
    team = await steps.make_coordinator(bot, COORDINATOR)
    coordinator = await steps.registered(bot, COORDINATOR, name="Coordinator")
    activity = await steps.make_activity(bot, team, shifts=((START, timedelta(hours=3), 4),))
    for number, name in enumerate(("Alice", "Bob", "Carol", "Dave")):
        real = {"id_number": ALICE_ID} if name == "Alice" else {}
        person = await steps.registered(bot, 1001 + number, name=name, **real)  # type: ignore[arg-type]
        await person.send(f"/start act_{activity.link_token}")
        await person.press(person.last().button_labels()[0])
    return coordinator


async def records(bot: RunningBot) -> dict[int | None, tuple[object, ...]]:
    """Each service record on the beach clean-up: how they came in, credited and honour
    minutes, confirmed."""
    async with steps.database(bot) as session:
        rows = await session.execute(
            select(
                Volunteer.telegram_id,
                ServiceRecord.checkin_method,
                ServiceRecord.credited_minutes,
                ServiceRecord.honour_minutes,
                ServiceRecord.confirmed_at.is_not(None),
            )
            .join(Signup, Signup.id == ServiceRecord.signup_id)
            .join(Volunteer, Volunteer.id == Signup.volunteer_id)
            .join(Shift, Shift.id == Signup.shift_id)
            .join(Activity, Activity.id == Shift.activity_id)
            .where(Activity.title == "Beach clean-up")
        )
        return {row[0]: tuple(row[1:]) for row in rows}


async def test_the_roster_confirming_changing_and_honour_hours(bot: RunningBot) -> None:
    coordinator = await world(bot)
    # Alice has served 97.5 confirmed hours before: this shift takes her past 100, to ★.
    await served(bot, 1001, "Library", bot.clock.now() - timedelta(days=30), credited=97 * 60 + 30)
    bot.clock.advance(START)
    for person in (1001, 1004):  # Alice and Dave, by the code
        await steps.checked_in(bot, person)
    bot.clock.advance(timedelta(hours=3))
    for person in (1001, 1004):
        await steps.checked_out(bot, person)
    bot.clock.advance(timedelta(minutes=10))

    await coordinator.send("/manage")
    await coordinator.press("Beach clean-up")
    await coordinator.press("🧾 Attendance and hours")
    roster = await coordinator.press(SHIFT)
    assert roster.text.splitlines()[1:] == [
        "1. Alice (no-shows: 0): ⏳ 09:00–12:00, 3 hours, to confirm · 🔗 check-in code",
        "2. Bob (no-shows: 0): ❔ not checked in",
        "3. Carol (no-shows: 0): ❔ not checked in",
        "4. Dave (no-shows: 0): ⏳ 09:00–12:00, 3 hours, to confirm · 🔗 check-in code",
    ]
    roster_id = roster.last.message_id

    await coordinator.press("2. Bob", message_id=roster_id)
    card = await coordinator.press("✅ Present (whole shift)")
    assert "⏳ 09:00–12:00, 3 hours, to confirm" in card.text
    await coordinator.press("3. Carol", message_id=roster_id)
    card = await coordinator.press("❌ Absent")
    assert "Carol, 📞 +8613800001003 (no-shows: 1)\n❌ no-show" == card.text

    dave = bot.person(1004)
    await dave.send("/delete_me")  # his record of the shift stays, naming nobody
    assert "has been erased" in (await dave.press("Yes, erase my data")).text
    bob = bot.person(1002)
    await bob.block()
    bob_saw = len(bob.messages())
    roster = await coordinator.press("⬅️ Back to the roster")
    assert "✅ Confirm all recorded hours (3)" in roster.last.button_labels()
    roster = await coordinator.press("✅ Confirm all recorded hours (3)")
    assert "1. Alice (no-shows: 0): ✅ 09:00–12:00, 3 hours, confirmed" in roster.text
    assert "2. Bob (no-shows: 0): ✅ 09:00–12:00, 3 hours, confirmed" in roster.text
    assert "4. — (no-shows: 0): ✅ 09:00–12:00, 3 hours, confirmed" in roster.text  # erased: last
    # Alice is told, with her new totals, and congratulated; Bob (who blocked the bot) and
    # Dave (erased) are not, and the confirmation stands all the same.
    alice = bot.person(1001)
    told, congratulated = alice.messages()[-2:]
    assert told.text == (
        f"✅ A coordinator confirmed your hours for Beach clean-up, {SHIFT}: 3 hours.\n"
        "All time: 100 hours 30 minutes (credited 100 hours 30 minutes, honour 0 minutes)\n"
        "Star level: ★☆☆☆☆ (1 of 5)\n"
        "199 hours 30 minutes to ★★\n"
        "Send /hours for your whole record."
    )
    assert "Congratulations!" in (congratulated.text or "")
    assert "(level 1)" in (congratulated.text or "")
    # The coordinator's answer goes out first, however many people are told after it.
    order = [(m.chat_id, m.message_id) for m in bot.sandbox.delivered()]
    assert order.index((COORDINATOR, roster.last.message_id)) < order.index((1001, told.message_id))
    assert len(bob.messages()) == bob_saw
    await bob.bot.handled(await bob.user.unblock())

    await coordinator.press("2. Bob", message_id=roster.last.message_id)
    await coordinator.press("✏️ Change hours")
    reply = await coordinator.send("two and a half")
    assert reply.text == "Please type the hours as a number, for example 2.5 or 2:30."
    assert "2 hours 30 minutes. Why?" in (await coordinator.send("2:30")).text
    card = await coordinator.send("left early to catch a train")
    assert "✅ 09:00–12:00, 2 hours 30 minutes, confirmed" in card.text
    assert bob.last().text == (
        f"✏️ A coordinator changed your hours for Beach clean-up, {SHIFT} to 2 hours 30 minutes. "
        "Reason: left early to catch a train\n"
        "All time: 2 hours 30 minutes (credited 2 hours 30 minutes, honour 0 minutes)\n"
        "Star level: none yet\n"
        "97 hours 30 minutes to ★\n"
        "Send /hours for your whole record."
    )

    await coordinator.press("1. Alice", message_id=roster.last.message_id)
    await coordinator.press("➕ Honour hours")
    await coordinator.send("1")
    card = await coordinator.send("set up the tables")
    assert "✅ 09:00–12:00, 3 hours + 1 hour honour, confirmed" in card.text
    assert (alice.last().text or "").startswith(
        f"➕ A coordinator added 1 hour honour to your hours for Beach clean-up, {SHIFT}: "
        "they now count 3 hours + 1 hour honour. Reason: set up the tables\n"
        "All time: 101 hours 30 minutes (credited 100 hours 30 minutes, honour 1 hour)\n"
    )

    assert await records(bot) == {
        1001: ("code", 180, 60, True),
        1002: ("roster", 150, 0, True),
        None: ("code", 180, 0, True),  # Dave's, erased
    }
    bob_hours = (await bot.person(1002).send("/hours")).text
    assert (
        "All time: 2 hours 30 minutes (credited 2 hours 30 minutes, honour 0 minutes)" in bob_hours
    )


async def test_hours_that_are_no_finite_number_are_asked_again(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    coordinator = await world(bot)
    bot.clock.advance(START)
    await steps.checked_in(bot, 1001)
    bot.clock.advance(timedelta(hours=3))
    await steps.checked_out(bot, 1001)
    await coordinator.send("/manage")
    await coordinator.press("Beach clean-up")
    await coordinator.press("🧾 Attendance and hours")
    await coordinator.press(SHIFT)
    await coordinator.press("1. Alice")
    await coordinator.press("✏️ Change hours")
    assert bot.adapter is not None
    errors = bot.adapter.metrics.registry.get_sample_value("volbot_update_errors_total")

    for typed in ("inf", "nan", "1e309", "-Infinity", "٣", "9" * 5000):
        reply = await coordinator.send(typed)
        assert reply.text == "Please type the hours as a number, for example 2.5 or 2:30."
    assert (
        "2 hours 30 minutes. Why?" in (await coordinator.send("２.５")).text
    )  # full-width, as typed in Chinese

    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert bot.adapter.metrics.registry.get_sample_value("volbot_update_errors_total") == errors


async def test_the_scheduler_marks_no_shows_and_tells_them(bot: RunningBot) -> None:
    await world(bot)
    bot.clock.advance(START)
    await steps.checked_in(bot, 1001)
    bot.clock.advance(timedelta(hours=3, minutes=29))  # the check-in window closes at 12:30
    await bot.run_jobs()
    assert await steps.statuses(bot) == {
        1001: "confirmed",
        1002: "confirmed",
        1003: "confirmed",
        1004: "confirmed",
    }
    bot.clock.advance(timedelta(minutes=1))
    await bot.run_jobs()
    assert await steps.statuses(bot) == {
        1001: "confirmed",
        1002: "no_show",
        1003: "no_show",
        1004: "no_show",
    }
    bob = bot.person(1002)
    assert f"You were marked as not attending Beach clean-up, {SHIFT}" in bob.last().text


async def insured_roster(
    bot: RunningBot, coordinator: Person, title: str
) -> tuple[str, list[list[str]]]:
    """The coordinator fetches the insured roster of the activity's shift once it starts: the
    caption and the CSV's rows."""
    await coordinator.send("/manage")
    await coordinator.press(title)
    bot.clock.advance(START)
    await coordinator.press("🧾 Attendance and hours")
    await coordinator.press(SHIFT)
    await coordinator.press("📄 Insured roster (CSV)")
    sent = coordinator.last()
    assert sent.document is not None
    rows = list(csv.reader(io.StringIO(sent.document.content.decode("utf-8-sig"))))
    return sent.text or "", rows


async def test_the_insured_roster_lists_real_name_volunteers_with_their_id(bot: RunningBot) -> None:
    coordinator = await world(bot)
    caption, rows = await insured_roster(bot, coordinator, "Beach clean-up")
    assert "1 volunteer registered with their real name" in caption
    assert rows == [
        ["Name", "ID number", "Phone", "Shift"],
        ["Alice", ALICE_ID, "+8613800001001", f"Beach clean-up {SHIFT}"],
    ]


FORMULA_TITLE = '=HYPERLINK("http://example.com","Claim")'


async def test_the_insured_roster_keeps_typed_text_from_running_as_a_formula(
    bot: RunningBot,
) -> None:
    """A title a coordinator typed and a name beginning with "-" (names may) reach the file
    with a leading apostrophe, as in the records export; phone and ID are left as they are."""
    team = await steps.make_coordinator(bot, COORDINATOR)
    coordinator = await steps.registered(bot, COORDINATOR, name="Coordinator")
    activity = await steps.make_activity(
        bot, team, title=FORMULA_TITLE, shifts=((START, timedelta(hours=3), 4),)
    )
    person = await steps.registered(bot, 1001, name="-Alice", id_number=ALICE_ID)
    await person.send(f"/start act_{activity.link_token}")
    await person.press(person.last().button_labels()[0])
    _, rows = await insured_roster(bot, coordinator, FORMULA_TITLE)
    assert rows[1] == ["'-Alice", ALICE_ID, "+8613800001001", f"'{FORMULA_TITLE} {SHIFT}"]
