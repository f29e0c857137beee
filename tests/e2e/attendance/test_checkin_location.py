"""Check-in by location is only as good as the location: one forwarded from another chat is
refused (it says nothing of where the sender is); a live location (the phone's own position) is
presence; a static pin (which can be dropped anywhere on the map) is recorded as such and its
hours wait for the coordinator's confirmation. The rosters show how each person checked in."""

from __future__ import annotations

from datetime import timedelta

from bot.local.harness import Person, Reply, RunningBot
from tests.e2e.attendance.test_checkin import (
    COORDINATOR,
    LENGTH,
    LIVE,
    NEARBY,
    SHIFT,
    at,
    beach_clean_up,
    local,
    records,
    signed_up,
)


async def test_a_forwarded_location_is_refused(bot: RunningBot) -> None:
    activity = await beach_clean_up(bot)
    alice = await signed_up(bot, activity, 1001)
    await at(bot, timedelta(minutes=5))
    nothing = await records(bot)
    for live_period in (None, LIVE):
        reply = await alice.share_location(*NEARBY, live_period=live_period, forwarded=True)
        assert reply.text == (
            "That location was forwarded from another chat, so it doesn't show where you are. "
            "Please share your own live location (📎 → Location → Share My Live Location) "
            "or scan the coordinator's check-in code."
        )
    assert await records(bot) == nothing


async def test_a_live_location_checks_in_unflagged(bot: RunningBot) -> None:
    activity = await beach_clean_up(bot)
    bob = await signed_up(bot, activity, 1002)
    await at(bot, timedelta(minutes=5))
    await bob.send("/checkin")
    assert keyboard_of(bob) == [["📍 Share my location"]]
    reply = await bob.share_location(*NEARBY, live_period=LIVE)
    assert f"✅ Checked in to {SHIFT} at Tue 6 Jan 09:05" in reply.text
    assert "pin" not in reply.text
    assert keyboard_of(bob) is None  # the location button has done its work
    assert reply.last.button_labels() == ["Check out"]
    await at(bot, LENGTH)
    await bob.send("/checkout")
    reply = await bob.press("✅ Yes, check out")
    assert "⚠️" not in reply.text
    assert removes_the_keyboard(reply)
    await bob.send("/hours")
    assert keyboard_of(bob) is None
    assert await records(bot) == [
        (1002, "live_location", local(9, 5), local(12, 0), 165, False, None),
        ("attendance.check_in", "attendance.check_out"),
    ]
    roster = await attendance_roster(bot)
    assert (
        "1. Wang Xiaoming (no-shows: 0): ⏳ 09:05–12:00, 2 hours 45 minutes, to confirm"
        " · 📡 live location" in (roster.text)
    )
    assert "✅ Confirm all recorded hours (1)" in roster.last.button_labels()


async def test_a_static_pin_checks_in_flagged_for_the_coordinator(bot: RunningBot) -> None:
    activity = await beach_clean_up(bot)
    carol = await signed_up(bot, activity, 1003)
    await at(bot, timedelta(minutes=5))
    reply = await carol.share_location(*NEARBY)
    assert f"✅ Checked in to {SHIFT} at Tue 6 Jan 09:05" in reply.text
    assert (
        "You shared a pin rather than your live location, so a coordinator will confirm you "
        "were there before the hours count."
    ) in reply.text
    await at(bot, LENGTH)
    await carol.send("/checkout")
    reply = await carol.press("✅ Yes, check out")
    assert "2 hours 45 minutes recorded" in reply.text
    assert removes_the_keyboard(reply)  # whatever a location was shared with
    assert "a coordinator will confirm you were there" in reply.text
    assert await records(bot) == [
        (1003, "pin", local(9, 5), local(12, 0), 165, True, None),
        ("attendance.check_in", "attendance.check_out"),
    ]

    # The coordinator sees how she checked in; confirming all leaves her for a look.
    roster = await attendance_roster(bot)
    assert (
        "1. Wang Xiaoming (no-shows: 0): ⚠️ 09:05–12:00, 2 hours 45 minutes, "
        "checked in with a pin on the map, "
        "not a live location: please confirm they were there · 📌 pin on the map"
    ) in roster.text
    assert not any(label.startswith("✅ Confirm all") for label in roster.last.button_labels())
    coordinator = bot.person(COORDINATOR)
    await coordinator.send("/manage")
    await coordinator.press("Beach clean-up")
    shift_roster = await coordinator.press("👥 Roster")
    assert "✅ Wang Xiaoming" in shift_roster.text
    assert "09:05–12:00 📌 pin on the map" in shift_roster.text
    await coordinator.press("1. Wang Xiaoming", message_id=roster.last.message_id)
    confirmed = await coordinator.press("✅ Confirm hours")
    assert "✅ 09:05–12:00, 2 hours 45 minutes, confirmed · 📌 pin on the map" in confirmed.text
    assert (carol.last().text or "").startswith(
        f"✅ A coordinator confirmed your hours for {SHIFT}: 2 hours 45 minutes.\n"
        "All time: 2 hours 45 minutes"
    )


def keyboard_of(person: Person) -> list[list[str]] | None:
    """The labels of the reply keyboard shown in the person's chat now."""
    keyboard = person.user.reply_keyboard
    return None if keyboard is None else [[button.label for button in row] for row in keyboard]


def removes_the_keyboard(reply: Reply) -> bool:
    """The reply's newest message takes any reply keyboard away (the location button)."""
    return (reply.last.reply_markup or {}).get("remove_keyboard") is True


async def attendance_roster(bot: RunningBot) -> Reply:
    coordinator = bot.person(COORDINATOR, "Coordinator")
    await coordinator.send("/manage")
    await coordinator.press("Beach clean-up")
    await coordinator.press("🧾 Attendance and hours")
    return await coordinator.press("Tue 6 Jan 09:00–12:00")
