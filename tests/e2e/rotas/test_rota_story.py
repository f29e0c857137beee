"""A duty rota, end to end through the sandbox on both frameworks and both databases: a
coordinator makes a Saturday-morning activity recurring; its shifts appear week by week as the
clock moves; a volunteer takes the standing slot, skips one date (the place goes to the person
waiting, by the usual offer) and later leaves; each date is an ordinary shift, so reminders,
check-in, hours and no-shows work per date, and a date nobody covers is alerted as any short
shift."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.app import deployment_from
from bot.local.harness import Person, RunningBot, running_bot
from models.activities.tables import ServiceRecord, Shift, Signup
from models.attendance import checkin
from models.clock import ManualClock
from models.registration.tables import Volunteer
from tests.conftest import make_settings
from tests.e2e import steps

T0 = ManualClock().now()  # Monday 5 January 2026, 09:00 in Shanghai
SHANGHAI = ZoneInfo("Asia/Shanghai")
COORDINATOR = 9001


@pytest.fixture
async def bot(database_url: str, framework: str, clock: ManualClock) -> AsyncIterator[RunningBot]:
    """A deployment that makes rota shifts two weeks ahead."""
    settings = make_settings(database_url, bot_framework=framework, rota_weeks_ahead=2)
    async with running_bot(settings, clock=clock) as running:
        yield running


async def on(bot: RunningBot, day: int, hour: int = 9) -> None:
    """Move the clock to that day of January 2026 at `hour` in Shanghai, and run what is due."""
    target = T0 + timedelta(days=day - 5, hours=hour - 9)
    bot.clock.advance(target - bot.clock.now())
    await bot.run_jobs()


async def shift_days(bot: RunningBot) -> list[date]:
    async with steps.database(bot) as session:
        starts = await session.scalars(select(Shift.starts_at).order_by(Shift.starts_at))
        return [start.astimezone(SHANGHAI).date() for start in starts]


async def place(bot: RunningBot, person: Person, day: int) -> tuple[int, str]:
    """The person's sign-up on the date in January: its id and status."""
    async with steps.database(bot) as session:
        row = (
            await session.execute(
                select(Signup.id, Signup.status, Shift.starts_at)
                .join(Shift, Shift.id == Signup.shift_id)
                .join(Volunteer, Volunteer.id == Signup.volunteer_id)
                .where(Volunteer.telegram_id == person.id)
            )
        ).all()
    found = [(i, s) for i, s, start in row if start.astimezone(SHANGHAI).day == day]
    assert len(found) == 1, row
    return found[0]


async def attend(bot: RunningBot, person: Person, day: int) -> None:
    """The person checks in at the start of their shift on that day and out at its end."""
    policy = deployment_from(bot.settings).attendance
    signup_id, _ = await place(bot, person, day)
    await on(bot, day, 9)
    async with steps.database(bot) as session:
        volunteer = await session.scalar(
            select(Volunteer).where(Volunteer.telegram_id == person.id)
        )
        assert volunteer is not None
        await checkin.check_in(
            session, volunteer, signup_id, now=bot.clock.now(), method="code", policy=policy
        )
    await on(bot, day, 11)
    async with steps.database(bot) as session:
        volunteer = await session.scalar(
            select(Volunteer).where(Volunteer.telegram_id == person.id)
        )
        assert volunteer is not None
        await checkin.check_out(session, volunteer, signup_id, now=bot.clock.now(), policy=policy)


def reminders(person: Person) -> list[str]:
    return [m.text or "" for m in person.messages() if (m.text or "").startswith("⏰")]


async def test_a_weekly_rota_with_a_standing_slot_a_skipped_date_and_a_gap(
    bot: RunningBot,
) -> None:
    team = await steps.make_coordinator(bot, COORDINATOR)
    activity = await steps.make_activity(
        bot, team, title="Beach patrol", shifts=((timedelta(days=5), timedelta(hours=2), 1),)
    )
    coordinator = bot.person(COORDINATOR)
    alice = await steps.member(bot, 1001, team)
    bob = await steps.member(bot, 1002, team)

    # The coordinator makes it recurring from its management card: Saturdays, as its shift.
    await coordinator.send("/rota")
    assert "None of your teams' activities recurs yet" in coordinator.last().text
    await coordinator.send("/manage")
    await coordinator.press("Beach patrol")
    reply = await coordinator.press("🔁 Rota")
    assert "Beach patrol does not recur yet" in reply.text
    reply = await coordinator.press("🔁 Make it recurring")
    assert "09:00–11:00 with 1 place each time" in reply.text
    assert "✅ Sat" in coordinator.last().button_labels()
    await coordinator.press("Sun")
    await coordinator.press("✅ Sun")  # on, and off again
    await coordinator.press("Next ➡️")
    await coordinator.press("Every week")
    reply = await coordinator.press("No end date")
    assert "every week on Sat, 09:00–11:00, 1 place each time, from today" in reply.text
    reply = await coordinator.press("✅ Save")
    assert "2 new dates are open for sign-up now" in reply.text
    assert "✅ Saved" in reply.text
    # The activity's own shift on the 10th is that date, not doubled: two weeks ahead, two dates.
    assert await shift_days(bot) == [date(2026, 1, 10), date(2026, 1, 17)]

    # Alice takes the standing slot from the card; Bob queues for the 17th on his own.
    await alice.send(f"/start act_{activity.link_token}")
    reply = await alice.press("🔁 Every time: take the standing slot")
    assert "You hold the standing slot of Beach patrol" in reply.text
    assert "✅ Sat 10 Jan 09:00–11:00\n✅ Sat 17 Jan 09:00–11:00" in alice.last().text
    await bob.send(f"/start act_{activity.link_token}")
    reply = await bob.press("⏳ Join the waiting list: Sat 17 Jan 09:00–11:00")
    assert "waiting" in reply.text.lower()

    # Alice skips the 17th: her place is offered to Bob, who takes it.
    await alice.send("/slots")
    await alice.press("⏭ Skip Sat 17 Jan")
    assert "⏭ Sat 17 Jan 09:00–11:00: you skip it" in alice.last().text
    assert "A place has opened on Beach patrol, Sat 17 Jan" in bob.last().text
    await bob.press("✅ Accept")
    assert (await place(bot, bob, 17))[1] == "confirmed"

    # Reminders per date: Alice's for the 10th only; she serves it and her hours are counted.
    await on(bot, 9)
    assert [r for r in reminders(alice) if "Sat 10 Jan" in r]
    await attend(bot, alice, 10)
    async with steps.database(bot) as session:
        signup_id, _ = await place(bot, alice, 10)
        record = await session.scalar(
            select(ServiceRecord).where(ServiceRecord.signup_id == signup_id)
        )
        assert record is not None and record.credited_minutes == 120

    # A week on, the 24th appears, and Alice (who skips nothing there) is on it.
    await on(bot, 12)
    assert await shift_days(bot) == [date(2026, 1, d) for d in (10, 17, 24)]
    assert (await place(bot, alice, 24))[1] == "confirmed"
    await on(bot, 16)
    assert [r for r in reminders(bob) if "Sat 17 Jan" in r]
    assert not [r for r in reminders(alice) if "Sat 17 Jan" in r]

    # Bob never comes on the 17th: a no-show on that date alone.
    await on(bot, 19)
    assert (await place(bot, bob, 17))[1] == "no_show"
    assert await shift_days(bot) == [date(2026, 1, d) for d in (10, 17, 24, 31)]

    # Alice leaves the slot (after confirming): the 24th is uncovered, and alerted as short.
    await alice.send("/slots")
    reply = await alice.press("🚪 Leave the standing slot")
    assert "Your places on 2 coming dates go to others" in reply.text
    reply = await alice.press("Yes, leave")
    assert "You left the standing slot of Beach patrol" in reply.text
    assert (await place(bot, alice, 24))[1] == "cancelled"
    await on(bot, 22)
    assert "Beach patrol, Sat 24 Jan 09:00–11:00 is short of people" in coordinator.last().text

    # The rota shows who covers which date, and the gaps.
    await coordinator.send("/rota")
    reply = await coordinator.press("Beach patrol")
    assert "⚠️ Sat 24 Jan 09:00–11:00: nobody yet — 1 place open" in reply.text
    assert "Nobody holds the standing slot yet" in reply.text

    # Exception dates: one already made (its shift is cancelled), one not yet (never made).
    await coordinator.press("🚫 Skip a date")
    reply = await coordinator.send("someday")
    assert "I couldn't read that date" in reply.text
    reply = await coordinator.send("2026-01-28")  # a Wednesday
    assert "The rota has no shift on that day of the week" in reply.text
    reply = await coordinator.send("2026-01-31")
    assert "The rota skips Sat 31 Jan. Its shift was cancelled and 0 people were told" in reply.text
    await coordinator.press("🚫 Skip a date")
    reply = await coordinator.send("Feb 7")
    assert "The rota skips Sat 7 Feb." in reply.text
    await on(bot, 26)
    async with steps.database(bot) as session:
        made = await session.execute(
            select(Shift.starts_at, Shift.status).order_by(Shift.starts_at)
        )
        by_day = {start.astimezone(SHANGHAI).date(): status for start, status in made}
    assert by_day[date(2026, 1, 31)] == "cancelled"
    assert date(2026, 2, 7) not in by_day
