"""The one-tap call for a short shift is a recruitment call like /broadcast's: it reaches only the
pressing coordinator's teams (an admin's, everyone), goes out from the outbox through the shared
send budget (never inside the press), and goes at most once per shift in a window — a second press
is refused with the time of the last call."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.local.harness import Person, RunningBot
from handlers.callbacks import ButtonSigner
from models.activities.tables import Shift
from models.broadcasts.tables import Broadcast, Delivery
from models.conversation import button_key
from models.teams import roles
from tests.e2e import steps

COORDINATOR = 9001
OTHER_COORDINATOR = 9002
ADMIN = 9100
CALL = "📣 Send them a call (1)"


def calls_to(person: Person) -> list[str]:
    return [m.text or "" for m in person.messages() if "needs volunteers" in (m.text or "")]


async def rows(bot: RunningBot) -> tuple[int, int]:
    """How many calls and outbox rows there are."""
    async with steps.database(bot) as session:
        broadcasts = await session.scalar(select(func.count()).select_from(Broadcast))
        deliveries = await session.scalar(select(func.count()).select_from(Delivery))
    return broadcasts or 0, deliveries or 0


async def short_shift_alert(bot: RunningBot) -> tuple[Person, Person, Person, Person]:
    """A shift of COORDINATOR's team short of people, its alert come; carol (their team), victor
    (another team) and frank (no team) all like its theme and are free."""
    team = await steps.make_coordinator(bot, COORDINATOR)
    coordinator = await steps.registered(bot, COORDINATOR)
    await steps.make_activity(bot, team, shifts=((timedelta(days=3), timedelta(hours=3), 3),))
    other_team = await steps.make_coordinator(bot, OTHER_COORDINATOR, "Library Team")
    likes = ("environment",)
    carol = await steps.member(bot, 1003, team, themes=likes)
    victor = await steps.member(bot, 1004, other_team, themes=likes)
    frank = await steps.registered(bot, 1005, themes=likes)
    bot.clock.advance(timedelta(days=1))  # 48 hours before the shift
    await bot.run_jobs()
    assert coordinator.last().button_labels() == [CALL]  # carol alone is in their reach
    return coordinator, carol, victor, frank


async def test_the_shift_call_reaches_the_coordinators_teams_through_the_outbox_once_a_window(
    bot: RunningBot,
) -> None:
    coordinator, carol, victor, frank = await short_shift_alert(bot)
    alert_id = coordinator.last().message_id

    reply = await coordinator.press(CALL, message_id=alert_id)
    assert "Call #1" in (reply.alert or reply.text)
    assert calls_to(carol) == []  # not sent inside the press: the sender sends it
    assert await rows(bot) == (1, 1)
    assert await bot.send_broadcasts() == 1
    (call,) = calls_to(carol)
    assert "Beach clean-up, Thu 8 Jan 09:00–12:00" in call
    for person in (victor, frank):
        assert calls_to(person) == []  # another team's volunteer, and one in no team

    bot.clock.advance(timedelta(hours=2))
    refused = await coordinator.press(CALL, message_id=alert_id)
    assert refused.alert is not None
    assert "already went out on Tue 6 Jan 09:00" in refused.alert
    assert await rows(bot) == (1, 1)
    assert await bot.send_broadcasts() == 0
    assert len(calls_to(carol)) == 1

    bot.clock.advance(timedelta(hours=5))  # the window is over
    await coordinator.press(CALL, message_id=alert_id)
    assert await bot.send_broadcasts() == 1
    assert len(calls_to(carol)) == 2


async def test_an_admins_shift_call_reaches_everyone_who_could_fill_it(bot: RunningBot) -> None:
    _, carol, victor, frank = await short_shift_alert(bot)
    admin = bot.person(ADMIN)
    async with steps.database(bot) as session:
        await roles.grant(session, ADMIN, "admin", team=None, now=bot.clock.now())
        shift_id = await session.scalar(select(Shift.id))
        signer = ButtonSigner(await button_key(session))
    await admin.send("/help")
    asked = await admin.press_data(
        signer.pack(ADMIN, 0, "shift.recruit", shift_id), message_id=admin.last().message_id
    )
    assert "to 3 volunteers" in asked.text
    await admin.press("📣 Send")
    assert await bot.send_broadcasts() == 3
    for person in (carol, victor, frank):
        assert len(calls_to(person)) == 1
