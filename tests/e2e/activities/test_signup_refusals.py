"""Sign-up refusals show the reason (and how to meet the requirement) to the volunteer."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.local.harness import Person, Reply, RunningBot
from models.reference import Theme
from tests.e2e import steps

IN_TWO_DAYS = ((timedelta(days=2), timedelta(hours=3), 5),)


async def open_and_tap(person: Person, token: str) -> Reply:
    await person.send(f"/start act_{token}")
    return await person.press(person.last().button_labels()[0])


def refusal(reply: Reply) -> str:
    """The reason, whether it came as a pop-up or (when long) as a message."""
    return reply.alert or reply.text


async def test_an_overlapping_shift_is_refused_naming_the_one_already_held(
    bot: RunningBot,
) -> None:
    team = await steps.make_coordinator(bot, 9001)
    beach = await steps.make_activity(bot, team, shifts=IN_TWO_DAYS)
    park = await steps.make_activity(
        bot,
        team,
        title="Park tidy-up",
        shifts=((timedelta(days=2, hours=2), timedelta(hours=2), 5),),
    )
    alice = bot.person(1001, "Alice")
    await steps.register(alice)
    await open_and_tap(alice, beach.link_token)
    reason = refusal(await open_and_tap(alice, park.link_token))
    assert "overlaps one you already have: Beach clean-up, Wed 7 Jan 09:00–12:00" in reason
    assert "Cancel that one in /my" in reason


async def test_signing_up_after_the_deadline_is_refused(bot: RunningBot) -> None:
    team = await steps.make_coordinator(bot, 9001)
    activity = await steps.make_activity(
        bot, team, shifts=IN_TWO_DAYS, signup_deadline=bot.clock.now() + timedelta(days=1)
    )
    alice = bot.person(1001, "Alice")
    await steps.register(alice)
    await alice.send(f"/start act_{activity.link_token}")
    assert "Sign-up closes Tue 6 Jan 09:00" in alice.last().text
    bot.clock.advance(timedelta(days=1))
    reply = await alice.press(alice.last().button_labels()[0])
    assert refusal(reply) == "The sign-up deadline for this activity has passed."


async def test_a_minimum_age_refusal_says_so(bot: RunningBot) -> None:
    team = await steps.make_coordinator(bot, 9001)
    activity = await steps.make_activity(bot, team, shifts=IN_TWO_DAYS, min_age=40)
    alice = bot.person(1001, "Alice")  # born 1990: 35 in 2026
    await steps.register(alice)
    reason = refusal(await open_and_tap(alice, activity.link_token))
    assert reason.startswith("This activity is for volunteers aged 40 or over")


async def test_a_required_theme_refusal_says_how_to_meet_it(bot: RunningBot) -> None:
    team = await steps.make_coordinator(bot, 9001)
    async with steps.database(bot) as session:
        elderly = await session.scalar(select(Theme.id).where(Theme.code == "elderly"))
    activity = await steps.make_activity(bot, team, shifts=IN_TWO_DAYS, required_theme_id=elderly)
    alice = bot.person(1001, "Alice")
    await steps.register(alice)  # interests: neighbourhood watch, environmental protection
    reason = refusal(await open_and_tap(alice, activity.link_token))
    assert "volunteers with the theme “Caring for the elderly”" in reason
    assert "Add it to your interests with /profile" in reason


async def test_real_name_refusal_points_to_profile(bot_without_real_name: RunningBot) -> None:
    bot = bot_without_real_name
    team = await steps.make_coordinator(bot, 9001)
    activity = await steps.make_activity(bot, team, shifts=IN_TWO_DAYS, require_real_name=True)
    alice = bot.person(1001, "Alice")
    await steps.register_without_id(alice)
    reason = refusal(await open_and_tap(alice, activity.link_token))
    assert "needs real-name registration" in reason
    assert "add your ID number with /profile" in reason


async def test_an_unregistered_person_opening_a_link_registers_then_sees_the_card(
    bot: RunningBot,
) -> None:
    team = await steps.make_coordinator(bot, 9001)
    activity = await steps.make_activity(bot, team, shifts=IN_TWO_DAYS)
    newcomer = bot.person(1005, "Newcomer")
    await newcomer.send(f"/start act_{activity.link_token}")
    assert newcomer.last().button_labels() == ["我同意", "我不同意", "English"]
    reply = await steps.register(newcomer)
    assert "You are registered" in reply.text
    assert "📌 Beach clean-up" in reply.last.text
    assert reply.last.button_labels() == ["✍️ Sign up: Wed 7 Jan 09:00–12:00"]
