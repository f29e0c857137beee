"""An activity's card in a group shows live places left, edited within the group limits."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.local.harness import RunningBot
from models.activities import signup
from models.activities.signup import SignupPolicy
from models.activities.tables import Shift
from models.registration.tables import Volunteer
from tests.e2e import steps

GROUP_ID = -1001234567890


async def test_the_card_in_a_group_is_right_after_20_sign_ups_and_5_cancellations(
    bot: RunningBot,
) -> None:
    team = await steps.make_coordinator(bot, 9001)
    coordinator = bot.person(9001, "Coordinator")
    await steps.register(coordinator)
    activity = await steps.make_activity(
        bot, team, shifts=((timedelta(days=3), timedelta(hours=3), 30),)
    )
    group = bot.sandbox.group(GROUP_ID, "Haicang volunteers")
    await bot.add_to_group(group, coordinator)

    await coordinator.send("/manage")
    await coordinator.press("Beach clean-up")
    await coordinator.press("📣 Post the card in a group")
    reply = await coordinator.press("Haicang volunteers")
    assert "The card will appear in Haicang volunteers" in reply.text
    await bot.run_jobs()
    (card,) = group.messages()
    assert "30 of 30 places left" in card.text
    button = card.find_button("✍️ Sign up")
    assert button is not None and button.callback_data is None
    link = f"https://t.me/{bot.sandbox.world.bot_username}?start=act_{activity.link_token}"
    assert button.url == link  # opens the private chat on this activity

    volunteers = await steps.make_volunteers(bot, 20)
    signups = [await sign_up(bot, volunteer) for volunteer in volunteers]
    for signup_id, volunteer in zip(signups[:5], volunteers[:5], strict=True):
        await cancel(bot, volunteer, signup_id)
    bot.clock.advance(timedelta(seconds=3))
    await bot.run_jobs()

    (card,) = group.messages()  # edited in place, never re-posted
    assert "15 of 30 places left" in card.text
    # 25 changes in 25 simulated seconds, but at most one edit per 3 seconds reached the group.
    assert 1 <= card.edit_count <= 25 // 3 + 1


async def sign_up(bot: RunningBot, volunteer: Volunteer) -> int:
    """One volunteer signs up (as the handler would), then a second passes and jobs run."""
    async with steps.database(bot) as session:
        shift_id = await first_shift(session)
        stored = await session.get(Volunteer, volunteer.id)
        assert stored is not None
        placed = await signup.sign_up(
            session, stored, shift_id, now=bot.clock.now(), policy=SignupPolicy()
        )
    await tick(bot)
    return placed.signup.id


async def cancel(bot: RunningBot, volunteer: Volunteer, signup_id: int) -> None:
    async with steps.database(bot) as session:
        stored = await session.get(Volunteer, volunteer.id)
        assert stored is not None
        await signup.cancel(session, stored, signup_id, now=bot.clock.now(), policy=SignupPolicy())
    await tick(bot)


async def tick(bot: RunningBot) -> None:
    bot.clock.advance(timedelta(seconds=1))
    await bot.run_jobs()


async def first_shift(session: AsyncSession) -> int:
    shift_id = await session.scalar(select(Shift.id))
    assert shift_id is not None
    return shift_id
