"""Timed work for coordinators and waiting lists, end to end with a controlled clock: sign-up
closes at its deadline and the waiting list is told; a shift short of people 48 hours before its
start alerts its coordinator, whose one tap calls only the volunteers who could come; the evening
digest lists tomorrow's shifts. Each message goes out once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from bot.local.harness import Person, RunningBot
from models.registration.tables import Volunteer
from tests.e2e import steps

COORDINATOR = 9001


async def sign_up(person: Person, token: str) -> None:
    await person.send(f"/start act_{token}")
    await person.press(person.last().button_labels()[0])


async def later(bot: RunningBot, delta: timedelta) -> None:
    bot.clock.advance(delta)
    await bot.run_jobs()


def texts(person: Person, prefix: str) -> list[str]:
    return [m.text or "" for m in person.messages() if (m.text or "").startswith(prefix)]


async def test_sign_up_closes_at_the_deadline_and_the_waiting_list_is_told(
    bot: RunningBot,
) -> None:
    team = await steps.make_coordinator(bot, COORDINATOR)
    now = bot.clock.now()
    activity = await steps.make_activity(
        bot,
        team,
        shifts=((timedelta(days=2), timedelta(hours=3), 1),),
        signup_deadline=now + timedelta(days=1),
    )
    alice = await steps.registered(bot, 1001)
    bob = await steps.registered(bot, 1002)
    await sign_up(alice, activity.link_token)
    await sign_up(bob, activity.link_token)
    assert "you are #1" in bob.last().text

    await later(bot, timedelta(days=1) - timedelta(minutes=1))
    assert texts(bob, "Sign-up for") == []
    await later(bot, timedelta(minutes=1))
    (told,) = texts(bob, "Sign-up for")
    assert "Beach clean-up, Wed 7 Jan 09:00–12:00 has closed" in told
    assert "no place came free for you" in told
    await later(bot, timedelta(minutes=5))
    assert len(texts(bob, "Sign-up for")) == 1  # once only
    assert await steps.statuses(bot) == {1001: "confirmed", 1002: "cancelled"}

    carol = await steps.registered(bot, 1003)
    await carol.send(f"/start act_{activity.link_token}")
    assert carol.last().button_labels() == []  # nothing left to join
    assert await steps.statuses(bot) == {1001: "confirmed", 1002: "cancelled"}


async def test_a_short_shift_alerts_its_coordinator_whose_tap_calls_only_who_can_come(
    bot: RunningBot,
) -> None:
    team = await steps.make_coordinator(bot, COORDINATOR)
    coordinator = await steps.registered(bot, COORDINATOR)
    activity = await steps.make_activity(
        bot, team, shifts=((timedelta(days=3), timedelta(hours=3), 3),)
    )
    library_team = await steps.make_coordinator(bot, 9002, "Library Team")
    elsewhere = await steps.make_activity(
        bot,
        library_team,
        title="Library",
        shifts=((timedelta(days=3, hours=1), timedelta(hours=2), 5),),
    )
    likes = ("environment",)  # all in the coordinator's team, whose volunteers a call reaches
    alice = await steps.member(bot, 1001, team, themes=likes)
    carol = await steps.member(bot, 1003, team, themes=likes)  # free: the one to call
    dave = await steps.member(bot, 1004, team, themes=likes)  # muted calls
    erin = await steps.member(bot, 1005, team, themes=likes)  # busy on another shift then
    frank = await steps.member(bot, 1006, team)  # another theme
    await sign_up(alice, activity.link_token)
    await sign_up(erin, elsewhere.link_token)
    async with steps.database(bot) as session:
        await session.execute(
            update(Volunteer).where(Volunteer.telegram_id == 1004).values(mute_recruitment=True)
        )

    await later(bot, timedelta(days=1) - timedelta(minutes=1))  # 48 h and a minute before
    assert texts(coordinator, "⚠️") == []
    await later(bot, timedelta(minutes=1))
    (alert,) = texts(coordinator, "⚠️")
    assert "Beach clean-up, Thu 8 Jan 09:00–12:00 is short of people" in alert
    assert "1 of 3 places taken" in alert
    assert "1 volunteer who qualifies and is free then" in alert
    assert coordinator.last().button_labels() == ["📣 Send them a call (1)"]
    await later(bot, timedelta(hours=1))
    assert len(texts(coordinator, "⚠️")) == 1  # once only

    reply = await coordinator.press("📣 Send them a call (1)", message_id=_alert_id(coordinator))
    assert reply.alert is not None and "on its way to 1 volunteer;" in reply.alert
    assert await bot.send_broadcasts() == 1  # from the outbox, by the sender
    (call,) = texts(carol, "📣")
    assert "Beach clean-up, Thu 8 Jan 09:00–12:00" in call
    for person in (alice, dave, erin, frank):
        assert texts(person, "📣") == []
    await sign_up(carol, activity.link_token)  # the call's ✋ Sign up opens the activity
    assert await steps.statuses(bot) == {1001: "confirmed", 1003: "confirmed", 1005: "confirmed"}


def _alert_id(coordinator: Person) -> int:
    return next(m.message_id for m in coordinator.messages() if (m.text or "").startswith("⚠️"))


async def test_the_evening_digest_lists_tomorrow_s_shifts_once(bot: RunningBot) -> None:
    # The clock starts on Monday 5 January, 09:00 in Shanghai (the deployment's zone).
    team = await steps.make_coordinator(bot, COORDINATOR)
    coordinator = await steps.registered(bot, COORDINATOR)
    morning = await steps.make_activity(
        bot, team, shifts=((timedelta(days=1), timedelta(hours=3), 2),)
    )
    await steps.make_activity(
        bot, team, title="Library", shifts=((timedelta(days=1, hours=5), timedelta(hours=2), 1),)
    )
    await steps.make_activity(
        bot, team, title="Next week", shifts=((timedelta(days=7), timedelta(hours=2), 1),)
    )
    await sign_up(await steps.registered(bot, 1001), morning.link_token)

    await later(bot, timedelta(hours=9) - timedelta(minutes=1))  # 17:59
    assert texts(coordinator, "📋") == []
    await later(bot, timedelta(minutes=1))  # 18:00
    (digest,) = texts(coordinator, "📋")
    assert digest.splitlines() == [
        "📋 Tomorrow, Tue 6 Jan, your teams' shifts:",
        "• 09:00 Beach clean-up: 1/2 ⚠️",
        "• 14:00 Library: 0/1 ⚠️",
    ]
    await later(bot, timedelta(hours=3))
    assert len(texts(coordinator, "📋")) == 1  # once a day
