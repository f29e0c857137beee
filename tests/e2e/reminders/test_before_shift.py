"""Reminders before a shift, end to end with a controlled clock: they arrive 24 h and 2 h before
with their buttons, follow cancellations and moved shifts, and survive a restart exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.local.harness import Person, RunningBot
from models.activities.tables import ServiceRecord, Shift
from models.clock import ManualClock
from models.publishing import edit_activity, publication
from models.reminders.tables import Reminder
from tests.e2e import steps

T0 = ManualClock().now()  # where the test clock starts
START = timedelta(days=2)  # the shift starts two days after that
BUTTONS = ["✅ I'll be there", "I can't come"]
BEACH = (24.4376, 118.1104)  # the venue's pin


async def signed_up(bot: RunningBot, token: str, user_id: int) -> Person:
    person = await steps.registered(bot, user_id)
    await person.send(f"/start act_{token}")
    await person.press(person.last().button_labels()[0])
    return person


async def at(bot: RunningBot, before_start: timedelta) -> None:
    """Move the clock to `before_start` before the shift, and run what has come due."""
    target = T0 + START - before_start
    bot.clock.advance(target - bot.clock.now())
    await bot.run_jobs()


def reminders_in(person: Person) -> list[str]:
    return [m.text or "" for m in person.messages() if (m.text or "").startswith("⏰")]


async def reminder_statuses(bot: RunningBot) -> list[tuple[str, str]]:
    async with steps.database(bot) as session:
        rows = await session.execute(select(Reminder.kind, Reminder.status).order_by(Reminder.id))
        return [(kind, status) for kind, status in rows]


async def one_shift_activity(
    bot: RunningBot, capacity: int = 1, pin: tuple[float, float] | None = None
) -> str:
    team = await steps.make_coordinator(bot, 9001)
    latitude, longitude = pin or (None, None)
    activity = await steps.make_activity(
        bot,
        team,
        shifts=((START, timedelta(hours=3), capacity),),
        latitude=latitude,
        longitude=longitude,
    )
    return activity.link_token


def pin_then_question(person: Person) -> None:
    """The venue's pin comes first: the newest message is the reminder, with its buttons."""
    pin, question = person.messages()[-2:]
    assert pin.location == pytest.approx(BEACH)
    assert (question.text or "").startswith("⏰")
    assert question.button_labels() == BUTTONS


async def test_the_24_and_2_hour_reminders_arrive_on_time_with_buttons_under_the_pin(
    bot: RunningBot,
) -> None:
    alice = await signed_up(bot, await one_shift_activity(bot, pin=BEACH), 1001)

    await at(bot, timedelta(hours=24, minutes=1))
    assert reminders_in(alice) == []
    await at(bot, timedelta(hours=24))
    (first,) = reminders_in(alice)
    assert "Reminder: Beach clean-up, Wed 7 Jan 09:00–12:00" in first
    assert "📍 Baicheng Beach, Siming" in first
    pin_then_question(alice)
    reply = await alice.press("✅ I'll be there")
    assert "See you at Beach clean-up" in reply.text  # the reminder, answered
    assert reminders_in(alice) == []

    await at(bot, timedelta(hours=2, minutes=1))
    assert reminders_in(alice) == []
    await at(bot, timedelta(hours=2))
    assert len(reminders_in(alice)) == 1
    pin_then_question(alice)
    await bot.run_jobs()
    assert len(reminders_in(alice)) == 1  # never twice
    assert await reminder_statuses(bot) == [("1440m", "sent"), ("120m", "sent")]


async def test_i_cannot_come_frees_the_place_and_the_promoted_volunteer_is_reminded(
    bot: RunningBot,
) -> None:
    token = await one_shift_activity(bot)
    alice = await signed_up(bot, token, 1001)
    bob = await signed_up(bot, token, 1002)  # waiting #1

    await at(bot, timedelta(hours=24))
    assert reminders_in(bob) == []  # the waiting list is not reminded
    await alice.press("I can't come")
    reply = await alice.press("Yes, give my place away")
    assert "Your place has gone to the next person waiting" in reply.text
    assert "A place has opened on Beach clean-up" in bob.last().text
    await bob.press("✅ Accept")

    await at(bot, timedelta(hours=2))
    assert len(reminders_in(bob)) == 1  # the 24 h one had passed when he was promoted
    assert reminders_in(alice) == []  # her answered reminder, and no 2 h one


async def test_cancelling_removes_and_moving_the_shift_moves_the_reminders(
    bot: RunningBot,
) -> None:
    token = await one_shift_activity(bot, capacity=2)
    alice = await signed_up(bot, token, 1001)
    bob = await signed_up(bot, token, 1002)
    await bob.send("/my")
    await bob.press("❌ Cancel Wed 7 Jan 09:00")
    await bob.press("Yes, cancel")

    async with steps.database(bot) as session:  # the coordinator moves the shift a day later
        shift = await session.scalar(select(Shift))
        assert shift is not None
        activity = await publication.get_activity(session, shift.activity_id)
        await edit_activity.change_shift_times(
            session,
            activity,
            shift.id,
            shift.starts_at + timedelta(days=1),
            shift.ends_at + timedelta(days=1),
            actor=9001,
            now=bot.clock.now(),
        )

    await at(bot, timedelta(hours=24))  # the old time: nothing
    assert reminders_in(alice) == [] and reminders_in(bob) == []
    await at(bot, timedelta(0))  # 24 h before the new start
    (moved,) = reminders_in(alice)
    assert "Thu 8 Jan 09:00–12:00" in moved
    assert reminders_in(bob) == []


async def test_after_a_restart_only_useful_reminders_are_sent_and_only_once(
    bot: RunningBot,
) -> None:
    token = await one_shift_activity(bot, capacity=2)
    alice = await signed_up(bot, token, 1001)

    await bot.stop()  # down while both reminders fall due
    bot.clock.advance(START - timedelta(hours=1))
    await bot.start()
    await bot.run_jobs()
    (late,) = reminders_in(alice)  # the 2 h one is still useful; the 24 h one is not sent
    assert "Reminder: Beach clean-up" in late
    await bot.restart()
    await bot.run_jobs()
    assert len(reminders_in(alice)) == 1
    assert await reminder_statuses(bot) == [("1440m", "missed"), ("120m", "sent")]


async def test_reminders_due_after_the_start_are_recorded_as_missed(bot: RunningBot) -> None:
    token = await one_shift_activity(bot, capacity=2)
    alice = await signed_up(bot, token, 1001)
    await bot.stop()
    bot.clock.advance(START + timedelta(minutes=5))
    await bot.start()
    await bot.run_jobs()
    assert reminders_in(alice) == []
    assert await reminder_statuses(bot) == [("1440m", "missed"), ("120m", "missed")]


async def test_a_volunteer_still_checked_in_after_the_shift_is_asked_to_check_out(
    bot: RunningBot,
) -> None:
    token = await one_shift_activity(bot, capacity=2)
    alice = await signed_up(bot, token, 1001)
    bob = await signed_up(bot, token, 1002)
    await at(bot, timedelta(0))
    await steps.checked_in(bot, 1001)
    await steps.checked_in(bot, 1002)
    await steps.checked_out(bot, 1002)  # he checks out on time
    end = -timedelta(hours=3)  # the shift lasts three hours

    await at(bot, end - timedelta(minutes=29))
    assert checkout_asks(alice) == []
    await at(bot, end - timedelta(minutes=30))
    (ask,) = checkout_asks(alice)
    assert "Beach clean-up, Wed 7 Jan 09:00–12:00 has ended, but you are still checked in" in ask
    assert alice.last().button_labels() == ["✅ Check out now"]
    assert checkout_asks(bob) == []
    await bot.run_jobs()
    assert len(checkout_asks(alice)) == 1  # once only

    reply = await alice.press("✅ Check out now")
    assert "Checked out at Wed 7 Jan 12:30" in reply.text
    async with steps.database(bot) as session:
        outs = await session.scalars(
            select(ServiceRecord.checked_out_at).order_by(ServiceRecord.id)
        )
        assert list(outs) == [bot.clock.now(), T0 + START]  # bob's: when he checked in and out
    statuses = await reminder_statuses(bot)
    assert statuses.count(("out30", "sent")) == 1 and statuses.count(("out30", "cancelled")) == 1


def checkout_asks(person: Person) -> list[str]:
    return [m.text or "" for m in person.messages() if (m.text or "").startswith("🕓")]
