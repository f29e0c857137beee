"""Checking in and out at the venue, end to end with a controlled clock: by the shift's check-in
code (a link and QR code the coordinator opens and may replace) and by sharing a location, each
ending in a service record with its credited minutes; and every refusal, with its words, writing
nothing."""

from __future__ import annotations

import re
from collections.abc import Awaitable
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.local.harness import Person, Reply, RunningBot
from handlers.callbacks import ButtonSigner
from models.activities.tables import Activity, ServiceRecord, Shift, Signup
from models.audit import AuditEntry
from models.clock import ManualClock
from models.conversation import button_key
from models.registration.tables import Volunteer
from tests.e2e import steps
from tests.e2e.reminders import test_before_shift as reminders_test

T0 = ManualClock().now()  # Mon 5 Jan 09:00 in Asia/Shanghai
START = timedelta(days=1)  # the shift: Tue 6 Jan 09:00–12:00
LENGTH = timedelta(hours=3)
SHIFT = "Beach clean-up, Tue 6 Jan 09:00–12:00"
COORDINATOR = 9001
VENUE = (24.4380, 118.0870)
NEARBY = (24.4389, 118.0870)  # about 100 m north
FAR = (24.4580, 118.0870)  # about 2.2 km north
LIVE = 15 * 60  # a live location shared for 15 minutes (Location.live_period, in seconds)
CODE_LINK = re.compile(r"start=(ci_[A-Za-z0-9_-]+)")


async def beach_clean_up(bot: RunningBot, *, capacity: int = 5, pin: bool = True) -> Activity:
    team = await steps.make_coordinator(bot, COORDINATOR)
    where = {"latitude": VENUE[0], "longitude": VENUE[1]} if pin else {}
    return await steps.make_activity(bot, team, shifts=((START, LENGTH, capacity),), **where)


async def signed_up(bot: RunningBot, activity: Activity, user_id: int) -> Person:
    return await reminders_test.signed_up(bot, activity.link_token, user_id)


async def at(bot: RunningBot, from_start: timedelta) -> None:
    """Move the clock to `from_start` after the shift's start (negative: before it)."""
    bot.clock.advance(T0 + START + from_start - bot.clock.now())


def local(hours: int, minutes: int) -> datetime:
    """A time on the shift's day (Asia/Shanghai is UTC+8)."""
    return T0 + START + timedelta(hours=hours - 9, minutes=minutes)


async def open_code(bot: RunningBot) -> tuple[Person, Reply, str]:
    """The coordinator opens the shift's check-in code: the reply and the link's payload."""
    coordinator = bot.person(COORDINATOR, "Coordinator")
    listing = await coordinator.send("/checkin_code")
    assert "Check-in codes: choose the shift" in listing.text
    reply = await coordinator.press(f"{SHIFT.replace(', ', ' · ')}")
    return coordinator, reply, _payload(reply)


def _payload(reply: Reply) -> str:
    photo = next(m for m in reply.messages if m.kind == "photo")
    match = CODE_LINK.search(photo.text or "")
    assert match is not None, photo.text
    return match.group(1)


async def lasting_press(bot: RunningBot, person: Person, action: str, *args: int) -> Reply:
    """Press a lasting button as the bot would sign it for `person`."""
    async with steps.database(bot) as session:
        signer = ButtonSigner(await button_key(session))
    data = signer.pack(person.id, 0, action, *args)
    return await person.press_data(data, message_id=person.last().message_id)


async def records(bot: RunningBot) -> list[tuple[object, ...]]:
    """Every service record, with whose it is, and how many attendance audit entries exist."""
    async with steps.database(bot) as session:
        rows = await session.execute(
            select(
                Volunteer.telegram_id,
                ServiceRecord.checkin_method,
                ServiceRecord.checked_in_at,
                ServiceRecord.checked_out_at,
                ServiceRecord.credited_minutes,
                ServiceRecord.flagged,
                ServiceRecord.confirmed_at,
            )
            .join(Signup, Signup.id == ServiceRecord.signup_id)
            .join(Volunteer, Volunteer.id == Signup.volunteer_id)
            .order_by(ServiceRecord.id)
        )
        audits = await session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.startswith("attendance."))
        )
        return [*(tuple(row) for row in rows), tuple(audits)]


async def refusal(
    bot: RunningBot, acting: Awaitable[Reply], expected: str, nothing: list[tuple[object, ...]]
) -> None:
    """The act is answered with `expected`, and no record or audit entry is written."""
    reply = await acting
    assert expected in reply.text, reply.text
    assert await records(bot) == nothing


async def confirmed_on_the_roster(bot: RunningBot, shown: str) -> None:
    """The coordinator finds the record on the shift's roster as `shown` and confirms it."""
    coordinator = bot.person(COORDINATOR, "Coordinator")
    await coordinator.send("/manage")
    await coordinator.press("Beach clean-up")
    await coordinator.press("🧾 Attendance and hours")
    roster = await coordinator.press("Tue 6 Jan 09:00–12:00")
    assert f"1. Wang Xiaoming (no-shows: 0): {shown}" in roster.text
    roster = await coordinator.press("✅ Confirm all recorded hours (1)")
    assert "✅" in roster.text.splitlines()[1] and "confirmed" in roster.text


async def checkin_token(bot: RunningBot) -> str | None:
    async with steps.database(bot) as session:
        return await session.scalar(select(Shift.checkin_token))


async def test_checking_in_and_out_with_the_code(bot: RunningBot) -> None:
    activity = await beach_clean_up(bot)
    alice = await signed_up(bot, activity, 1001)
    _, code, payload = await open_code(bot)  # the day before, to print
    photo = code.messages[0]
    assert photo.kind == "photo" and photo.photo is not None and photo.photo.startswith(b"\x89PNG")
    assert f"Check-in code for {SHIFT}" in (photo.text or "")
    assert "It works from Tue 6 Jan 08:30 to Tue 6 Jan 12:30" in (photo.text or "")
    assert code.last.button_labels() == ["🔄 Replace the code"]

    await at(bot, -timedelta(minutes=10))
    reply = await alice.send(f"/start {payload}")
    assert f"✅ Checked in to {SHIFT} at Tue 6 Jan 08:50" in reply.text
    assert reply.last.button_labels() == ["Check out"]
    checked_in_message = reply.last.message_id

    await at(bot, timedelta(hours=2, minutes=40))
    checked_in = await records(bot)
    reply = await alice.send(f"/start {payload}")  # a second check-in: is she leaving?
    assert f"You already checked in to {SHIFT} at Tue 6 Jan 08:50. Are you leaving?" in reply.text
    assert reply.last.button_labels() == ["✅ Yes, check out", "Not yet"]
    reply = await alice.press("Not yet")
    assert "you are still checked in" in reply.text
    assert await records(bot) == checked_in  # neither a second check-in nor a check-out

    reply = await alice.press("Check out", message_id=checked_in_message)
    assert f"You are checked in to {SHIFT} since Tue 6 Jan 08:50. Check out now?" in reply.text
    reply = await alice.press("✅ Yes, check out")
    assert "✅ Checked out at Tue 6 Jan 11:40: 2 hours 45 minutes recorded." in reply.text
    # 08:50 to 11:40 is 2 h 50 min, rounded down to the quarter hour; not yet confirmed.
    assert await records(bot) == [
        (1001, "code", local(8, 50), local(11, 40), 165, False, None),
        ("attendance.check_in", "attendance.check_out"),
    ]
    before = await records(bot)
    reply = await alice.send(f"/start {payload}")
    assert "You already checked out at 11:40." in reply.text
    assert await records(bot) == before

    await confirmed_on_the_roster(bot, "⏳ 08:50–11:40, 2 hours 45 minutes, to confirm")
    assert (
        "All time: 2 hours 45 minutes (credited 2 hours 45 minutes, honour 0 minutes)"
        in (await alice.send("/hours")).text
    )


async def test_checking_in_and_out_by_location(bot: RunningBot) -> None:
    activity = await beach_clean_up(bot)
    bob = await signed_up(bot, activity, 1002)
    await at(bot, timedelta(minutes=5))

    reply = await bob.send("/checkin")
    assert "scan the check-in code the coordinator shows, or share your live location" in reply.text
    assert "within 300 m of the venue" in reply.text
    ((button,),) = bob.user.reply_keyboard or [[]]
    assert (button.label, button.request_location) == ("📍 Share my location", True)
    reply = await bob.share_location(*NEARBY, live_period=LIVE)
    assert f"✅ Checked in to {SHIFT} at Tue 6 Jan 09:05" in reply.text

    await at(bot, LENGTH + timedelta(minutes=20))  # 12:20: the window is still open
    reply = await bob.share_location(*NEARBY)
    assert f"You already checked in to {SHIFT} at Tue 6 Jan 09:05" in reply.text
    reply = await bob.press("✅ Yes, check out")
    # Counted 09:05 to 12:15 (the end plus the 15 minutes' grace): 3 h 10 min, down to 3 h.
    assert "✅ Checked out at Tue 6 Jan 12:20: 3 hours recorded." in reply.text
    assert await records(bot) == [
        (1002, "live_location", local(9, 5), local(12, 20), 180, False, None),
        ("attendance.check_in", "attendance.check_out"),
    ]

    await confirmed_on_the_roster(bot, "⏳ 09:05–12:20, 3 hours, to confirm")
    assert (
        "All time: 3 hours (credited 3 hours, honour 0 minutes)" in (await bob.send("/hours")).text
    )


async def test_a_short_stay_is_recorded_but_flagged(bot: RunningBot) -> None:
    activity = await beach_clean_up(bot)
    carol = await signed_up(bot, activity, 1003)
    await at(bot, timedelta(hours=1, minutes=30))
    await carol.share_location(*NEARBY, live_period=LIVE)
    await at(bot, LENGTH)
    await carol.send("/checkout")
    reply = await carol.press("✅ Yes, check out")
    assert "1 hour 30 minutes recorded" in reply.text
    assert "less than 60% of the shift, so a coordinator will look at it" in reply.text
    assert (await records(bot))[0][4:6] == (90, True)


async def test_code_refusals_say_why_and_write_nothing(bot: RunningBot) -> None:
    activity = await beach_clean_up(bot, capacity=1)
    alice = await signed_up(bot, activity, 1001)
    waiting = await signed_up(bot, activity, 1002)  # the place is taken: on the waiting list
    stranger = await steps.registered(bot, 1003)
    coordinator, _, old = await open_code(bot)
    nothing = await records(bot)

    async def refused(person: Person, text: str, expected: str) -> None:
        await refusal(bot, person.send(text), expected, nothing)

    await at(bot, -timedelta(minutes=31))
    await refused(alice, f"/start {old}", "Check-in opens on Tue 6 Jan 08:30")
    await refused(alice, "/checkout", "You are not checked in to any shift")

    await at(bot, timedelta(0))
    reply = await coordinator.press("🔄 Replace the code")
    assert "The old check-in code no longer works" in reply.text
    new = _payload(reply)
    assert new != old
    await refused(alice, f"/start {old}", "This check-in code is not valid")
    await refused(alice, "/start ci_AAAAAAAAAAAAAAAAAAAAAA", "This check-in code is not valid")
    not_yours = "You don't hold a place on this shift, so you can't check in to it."
    await refused(waiting, f"/start {new}", not_yours)
    await refused(stranger, f"/start {new}", not_yours)

    await at(bot, LENGTH + timedelta(minutes=30))
    await refused(alice, f"/start {new}", "Check-in for this shift closed on Tue 6 Jan 12:30")


async def test_location_refusals_say_why_and_write_nothing(bot: RunningBot) -> None:
    activity = await beach_clean_up(bot)
    alice = await signed_up(bot, activity, 1001)
    pinless = await steps.make_activity(
        bot, activity.team_id, title="Library reading", shifts=((START * 2, LENGTH, 5),)
    )
    bob = await signed_up(bot, pinless, 1002)
    stranger = await steps.registered(bot, 1003)  # signed up for nothing
    unregistered = bot.person(1004)
    nothing = await records(bot)

    async def refused(person: Person, where: tuple[float, float], expected: str) -> None:
        await refusal(bot, person.share_location(*where), expected, nothing)

    await refused(alice, NEARBY, "Check-in opens on Tue 6 Jan 08:30")
    # Nothing to check in to: a shared location asks what is near (handlers/stations/nearby.py).
    near = "Near you, within 5 km (1), nearest first"
    await refused(unregistered, NEARBY, near)
    await at(bot, timedelta(0))
    await refused(
        alice,
        FAR,
        "You are about 2,200 m from Beach clean-up; check-in by location works within 300 m",
    )
    await refused(stranger, NEARBY, "Nothing within 5 km of you")  # its shift has begun
    await at(bot, START)  # the library's shift
    await refused(bob, VENUE, "Library reading has no map location")


async def test_only_the_teams_coordinators_open_and_replace_codes(bot: RunningBot) -> None:
    activity = await beach_clean_up(bot)
    volunteer = await signed_up(bot, activity, 1001)
    async with steps.database(bot) as session:
        shift_id = await session.scalar(select(Shift.id))
    assert shift_id is not None

    reply = await volunteer.send("/checkin_code")
    assert "Only coordinators and admins can open check-in codes." in reply.text
    for action in ("ci.open", "ci.rotate"):
        reply = await lasting_press(bot, volunteer, action, shift_id)
        assert reply.alert == "Only the activity's coordinators and admins can do that."
    assert await checkin_token(bot) is None

    # From the activity (the /manage card's button): its shifts, each opening its code.
    coordinator = bot.person(COORDINATOR, "Coordinator")
    await coordinator.send("/checkin_code")
    reply = await lasting_press(bot, coordinator, "ci.list", activity.id)
    assert reply.last.button_labels() == [SHIFT.replace(", ", " · ")]
    reply = await coordinator.press(SHIFT.replace(", ", " · "))
    assert _payload(reply) == f"ci_{await checkin_token(bot)}"
