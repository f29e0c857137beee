"""Changing and cancelling a published activity from its management card's Edit and Cancel
buttons: volunteers are told in their own language, added places are offered, and a volunteer
pressing a forged Edit or Cancel button changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.local.harness import Person, Reply, RunningBot
from bot.texts import catalogs
from handlers.callbacks import ButtonSigner
from models.activities import signup
from models.activities.signup import SignupPolicy
from models.activities.tables import Activity, Shift, Signup
from models.conversation import button_key
from models.publishing import publication
from models.registration import volunteers
from models.registration.tables import Volunteer
from tests.e2e import steps
from tests.e2e.publishing.test_new_activity import COORDINATOR

# Two shifts, 2 and 3 days from the test clock's Mon 5 Jan 09:00 (Asia/Shanghai).
FIRST = "Wed 7 Jan 09:00–12:00"
SECOND = "Thu 8 Jan 09:00–12:00"
ALICE, BOB, CAROL = 1001, 1002, 1003  # BOB reads Chinese


async def lasting_press(bot: RunningBot, person: Person, action: str, *args: int) -> Reply:
    """Press a lasting button as the bot signs them for `person` (the management card's Edit
    and Cancel buttons are such buttons)."""
    async with steps.database(bot) as session:
        signer = ButtonSigner(await button_key(session))
    data = signer.pack(person.id, 0, action, *args)
    return await person.press_data(data, message_id=person.last().message_id)


async def setting(bot: RunningBot, *, capacity: int = 1) -> tuple[Person, Activity, list[int]]:
    """A coordinator's activity with two shifts; Alice holds a place on the first and Bob waits
    for one, Carol holds one on the second."""
    person = await steps.registered(bot, COORDINATOR)
    await person.send("/help")  # the coordinator's chat, for lasting presses to come from
    team_id = await steps.make_coordinator(bot, COORDINATOR)
    activity = await steps.make_activity(
        bot,
        team_id,
        shifts=(
            (timedelta(days=2), timedelta(hours=3), capacity),
            (timedelta(days=3), timedelta(hours=3), capacity),
        ),
    )
    for user_id in (ALICE, BOB, CAROL):
        await steps.registered(bot, user_id, "zh-CN" if user_id == BOB else "en")
    async with steps.database(bot) as session:
        shift_ids = [shift.id for shift in await publication.shifts_of(session, activity.id)]
        for user_id, shift_id in (
            (ALICE, shift_ids[0]),
            (BOB, shift_ids[0]),
            (CAROL, shift_ids[1]),
        ):
            volunteer = await volunteers.find_volunteer(session, user_id)
            assert volunteer is not None
            await signup.sign_up(
                session, volunteer, shift_id, now=bot.clock.now(), policy=SignupPolicy()
            )
    return person, activity, shift_ids


async def loaded(bot: RunningBot, activity_id: int) -> tuple[Activity, list[Shift], dict[int, str]]:
    """The activity, its shifts, and each volunteer's sign-up status, as stored."""
    async with steps.database(bot) as session:
        activity = await publication.get_activity(session, activity_id)
        shifts = await publication.shifts_of(session, activity_id)
        rows = await session.execute(
            select(Volunteer.telegram_id, Signup.status).join(
                Signup, Signup.volunteer_id == Volunteer.id
            )
        )
        return activity, shifts, {telegram_id: status for telegram_id, status in rows}


async def fingerprint(bot: RunningBot, activity_id: int) -> tuple[object, ...]:
    activity, shifts, statuses = await loaded(bot, activity_id)
    return (
        (activity.status, activity.title, activity.address, activity.updated_at),
        [(s.starts_at, s.ends_at, s.capacity, s.status) for s in shifts],
        statuses,
    )


async def test_cancelling_a_shift_tells_its_volunteers_why(bot: RunningBot) -> None:
    person, activity, _ = await setting(bot)
    reply = await lasting_press(bot, person, "act.cancel", activity.id)
    assert "What do you want to cancel in “Beach clean-up”?" in reply.text
    assert reply.last.button_labels() == ["The whole activity", f"Only {FIRST}", f"Only {SECOND}"]
    reply = await person.press(f"Only {FIRST}")
    assert "Please type the reason" in reply.text
    before = await steps.state_of(bot, person.id)
    assert "That reason is too long" in (await person.send("x" * 2001)).text
    assert await steps.state_of(bot, person.id) == before
    reply = await person.send("Storm warning: the beach is closed.")
    assert "Volunteers signed up or waiting who will be told: 2." in reply.text
    reply = await person.press("Yes, cancel it")
    assert f"Cancelled the shift {FIRST} of “Beach clean-up”. Volunteers told: 2." in reply.text

    alice = bot.person(ALICE).last().text or ""
    assert f"“Beach clean-up” on {FIRST} has been cancelled" in alice
    assert "Reason from the coordinator: Storm warning: the beach is closed." in alice
    bob = bot.person(BOB).last().text or ""
    assert "1月7日（周三）09:00–12:00" in bob and "已取消" in bob and "Storm warning" in bob
    assert bot.person(CAROL).messages() == []
    stored, shifts, statuses = await loaded(bot, activity.id)
    assert (stored.status, [s.status for s in shifts]) == ("published", ["cancelled", "open"])
    assert statuses == {ALICE: "cancelled", BOB: "cancelled", CAROL: "confirmed"}

    await lasting_press(bot, person, "act.cancel", activity.id)
    reply = await person.press("The whole activity")
    assert "You are cancelling the whole activity “Beach clean-up”" in reply.text
    await person.send("The organisers withdrew.")
    reply = await person.press("Yes, cancel it")
    assert "Volunteers told: 1." in reply.text
    assert "The organisers withdrew." in (bot.person(CAROL).last().text or "")
    stored, shifts, statuses = await loaded(bot, activity.id)
    assert stored.status == "cancelled" and statuses[CAROL] == "cancelled"


async def test_changing_your_mind_cancels_nothing(bot: RunningBot) -> None:
    person, activity, _ = await setting(bot)
    await lasting_press(bot, person, "act.cancel", activity.id)
    await person.press("The whole activity")
    await person.send("Rain.")
    reply = await person.press("No, keep it")
    assert "Nothing was cancelled." in reply.text
    stored, shifts, _ = await loaded(bot, activity.id)
    assert (stored.status, {s.status for s in shifts}) == ("published", {"open"})
    assert bot.person(ALICE).messages() == []
    assert (await steps.state_of(bot, person.id))[0] is None


@pytest.mark.parametrize("action", ["act.edit", "act.cancel"])
async def test_a_volunteer_pressing_a_forged_button_changes_nothing(
    bot: RunningBot, action: str
) -> None:
    _, activity, _ = await setting(bot)
    volunteer = bot.person(ALICE)
    await volunteer.send("/help")
    before = (await steps.snapshot(bot, ALICE), await fingerprint(bot, activity.id))
    # Signed for her, as a forger holding the key would: the role check still refuses.
    reply = await lasting_press(bot, volunteer, action, activity.id)
    assert reply.alert == catalogs().get("en", "errors.not_coordinator")
    # The coordinator's own button, replayed from her chat: the signature does not match.
    async with steps.database(bot) as session:
        data = ButtonSigner(await button_key(session)).pack(COORDINATOR, 0, action, activity.id)
    reply = await volunteer.press_data(data, message_id=volunteer.last().message_id)
    assert reply.alert == catalogs().get("en", "general.button_invalid")
    after = (await steps.snapshot(bot, ALICE), await fingerprint(bot, activity.id))
    assert after == before


async def test_more_places_are_offered_to_the_people_waiting(bot: RunningBot) -> None:
    person, activity, _ = await setting(bot)
    reply = await lasting_press(bot, person, "act.edit", activity.id)
    assert "What would you like to change in “Beach clean-up”?" in reply.text
    await person.press("👥 Places: 1")  # the first shift's
    reply = await person.send("2")
    assert "the shift now has 2 places. Places offered to people waiting: 1." in reply.text
    offer = bot.person(BOB).last()
    assert "Beach clean-up" in (offer.text or "")
    assert catalogs().get("zh-CN", "offers.accept") in offer.button_labels()
    _, shifts, statuses = await loaded(bot, activity.id)
    assert shifts[0].capacity == 2 and statuses[BOB] == "offered"

    await lasting_press(bot, person, "act.edit", activity.id)
    await person.press("👥 Places: 2")
    before = await steps.state_of(bot, person.id)
    reply = await person.send("1")
    assert "2 places are already taken, so the shift needs at least 2 places" in reply.text
    assert await steps.state_of(bot, person.id) == before
    _, shifts, _ = await loaded(bot, activity.id)
    assert shifts[0].capacity == 2


async def test_moving_a_shift_or_the_place_tells_its_volunteers(bot: RunningBot) -> None:
    person, activity, shift_ids = await setting(bot)
    await lasting_press(bot, person, "act.edit", activity.id)
    reply = await person.press(f"🕘 {FIRST}")
    assert "on which day should it be?" in reply.text
    reply = await person.send("1月9日")
    assert reply.text.startswith("Fri 9 Jan: from when to when?")
    reply = await person.send("14:00-17:00")
    assert "Volunteers told: 2." in reply.text
    alice = bot.person(ALICE).last().text or ""
    assert f"it was {FIRST}, it is now Fri 9 Jan 14:00–17:00" in alice
    _, shifts, _ = await loaded(bot, activity.id)
    moved = next(shift for shift in shifts if shift.id == shift_ids[0])
    assert (moved.starts_at, moved.ends_at) == (
        datetime(2026, 1, 9, 6, tzinfo=UTC),
        datetime(2026, 1, 9, 9, tzinfo=UTC),
    )

    await lasting_press(bot, person, "act.edit", activity.id)
    await person.press("Place")
    reply = await person.send("Huli Park, north gate")
    assert "Volunteers told: 3." in reply.text
    assert "New address: Huli Park, north gate" in (bot.person(CAROL).last().text or "")
    assert "新地址为Huli Park, north gate" in (bot.person(BOB).last().text or "")

    await lasting_press(bot, person, "act.edit", activity.id)
    await person.press("Title")
    await person.send("Beach and park clean-up")
    stored, _, _ = await loaded(bot, activity.id)
    assert (stored.title, stored.address) == ("Beach and park clean-up", "Huli Park, north gate")
