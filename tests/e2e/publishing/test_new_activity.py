"""/new_activity end to end: a coordinator plans an activity by conversation and publishes it;
bad answers are refused where they are typed; the plan survives a restart; only coordinators may
start; Discard leaves nothing behind."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime

from sqlalchemy import select

from bot.local.harness import Person, Reply, RunningBot
from models.activities.tables import Activity
from models.publishing import publication
from models.reference import District, Theme
from tests.e2e import steps

COORDINATOR = 3001


async def coordinator(bot: RunningBot, *teams: str) -> Person:
    person = await steps.registered(bot, COORDINATOR)
    for team in teams or ("Haicang Team",):
        await steps.make_coordinator(bot, COORDINATOR, team)
    return person


async def add_shift(person: Person, day: str, times: str, places: str) -> Reply:
    await person.send(day)
    await person.send(times)
    return await person.send(places)


async def up_to_location(person: Person) -> Reply:
    """Title, description, theme, district and address (one team: no team question)."""
    await person.send("/new_activity")
    await person.send("Beach clean-up")
    await person.send("Pick up litter along the beach. Gloves provided.")
    await person.press("Environmental protection")
    await person.press("Siming")
    return await person.send("Baicheng Beach, Siming")


async def up_to_preview(person: Person) -> Reply:
    """The shortest way to the preview: one shift, every optional question skipped."""
    await person.send("/new_activity")
    await person.send("Beach clean-up")
    await person.press("Skip ➡️")
    await person.press("Environmental protection")
    await person.press("Siming")
    await person.send("Baicheng Beach, Siming")
    await person.press("Skip ➡️")
    await add_shift(person, "01-10", "09:00-12:00", "5")
    await person.press("Done with shifts ➡️")
    await person.press("Until each shift starts")
    await person.press("No minimum age")
    await person.press("No")
    return await person.press("None")


async def activities(bot: RunningBot) -> list[Activity]:
    async with steps.database(bot) as session:
        return list(await session.scalars(select(Activity).order_by(Activity.id)))


async def test_a_coordinator_publishes_an_activity_with_two_shifts(bot: RunningBot) -> None:
    person = await coordinator(bot)
    reply = await up_to_location(person)
    assert reply.last.button_labels() == ["Skip ➡️"]
    keyboard = person.user.reply_keyboard
    assert keyboard is not None and keyboard[0][0].request_location
    reply = await person.share_location(24.4345, 118.1232)
    assert "Pin saved" in reply.text and "Shift 1: on which day?" in reply.text
    assert person.user.reply_keyboard is None
    reply = await add_shift(person, "01-10", "09:00-12:00", "5")
    assert "• Sat 10 Jan 09:00–12:00: 5 places" in reply.text
    assert reply.last.button_labels() == ["➕ Add another shift", "Done with shifts ➡️"]
    await person.press("➕ Add another shift")
    reply = await add_shift(person, "2026-01-11", "14:00–17:00", "3")
    assert "• Sun 11 Jan 14:00–17:00: 3 places" in reply.text
    await person.press("Done with shifts ➡️")
    await person.send("01-09 18:00")
    await person.send("16")
    await person.press("Yes")
    preview = await person.press("None")
    assert "📌 Beach clean-up" in preview.text
    assert "Place: Baicheng Beach, Siming (📍 pin on the map)" in preview.text
    assert "Sign-up closes: Fri 9 Jan 18:00" in preview.text
    assert "Requirements: aged 16 or over; real-name registration" in preview.text
    assert preview.last.button_labels() == ["✅ Publish", "✏️ Edit", "🗑 Discard"]

    reply = await person.press("✅ Publish")

    [activity] = await activities(bot)
    async with steps.database(bot) as session:
        theme = await session.get(Theme, activity.theme_id)
        district = await session.get(District, activity.district_id)
        shifts = await publication.shifts_of(session, activity.id)
    assert (activity.title, activity.description, activity.address) == (
        "Beach clean-up",
        "Pick up litter along the beach. Gloves provided.",
        "Baicheng Beach, Siming",
    )
    assert theme is not None and theme.code == "environment"
    assert district is not None and district.code == "siming"
    assert (activity.latitude, activity.longitude) == (24.4345, 118.1232)
    assert activity.signup_deadline == datetime(2026, 1, 9, 10, 0, tzinfo=UTC)
    assert (activity.min_age, activity.require_real_name, activity.required_theme_id) == (
        16,
        True,
        None,
    )
    assert (activity.status, activity.created_by) == ("published", COORDINATOR)
    assert [(s.starts_at, s.ends_at, s.capacity, s.status) for s in shifts] == [
        (datetime(2026, 1, 10, 1, tzinfo=UTC), datetime(2026, 1, 10, 4, tzinfo=UTC), 5, "open"),
        (datetime(2026, 1, 11, 6, tzinfo=UTC), datetime(2026, 1, 11, 9, tzinfo=UTC), 3, "open"),
    ]
    assert "“Beach clean-up” is published" in reply.text
    assert f"?start=act_{activity.link_token}" in reply.text
    assert "Manage it with /manage" in reply.text
    photo = reply.last
    assert photo.kind == "photo" and photo.photo is not None
    assert photo.photo.startswith(b"\x89PNG") and "QR code" in (photo.text or "")
    assert (await steps.state_of(bot, COORDINATOR))[0] is None


async def refused(bot: RunningBot, person: Person, act: Awaitable[Reply], expected: str) -> None:
    """`act` (not yet run) gets a reply saying `expected`, and the conversation stays put."""
    before = await steps.state_of(bot, person.id)
    reply = await act
    assert expected in reply.text
    assert await steps.state_of(bot, person.id) == before


async def test_bad_answers_are_refused_and_the_step_stays(bot: RunningBot) -> None:
    person = await coordinator(bot)
    await person.send("/new_activity")
    await refused(bot, person, person.send("x" * 200), "at most 128 characters")
    await person.send("Beach clean-up")
    await person.press("Skip ➡️")
    await refused(bot, person, person.send("Environment"), "answer with the buttons")
    await person.press("Environmental protection")
    await person.press("Siming")
    await refused(bot, person, person.send_photo(b"\x89PNG fake"), "Where should volunteers go?")
    await person.send("Baicheng Beach")
    await refused(bot, person, person.send("by the tower"), "send the place as a location")
    await person.press("Skip ➡️")
    await refused(bot, person, person.send("someday"), "I couldn't read that date")
    await refused(bot, person, person.send("2025-12-01"), "would start in the past")
    await person.send("01-10")
    await refused(bot, person, person.send("12:00-09:00"), "end time must be after the start")
    await person.send("09:00-12:00")
    await refused(bot, person, person.send("0"), "number of places from 1 to 10000")
    await person.send("5")
    await person.press("Done with shifts ➡️")
    await refused(bot, person, person.send("01-20 18:00"), "before the last shift starts")
    await refused(bot, person, person.send("2026-01-04 18:00"), "has to be in the future")
    await person.press("Until each shift starts")
    await refused(bot, person, person.send("200"), "age from 1 to 120")
    assert await activities(bot) == []


async def test_the_plan_survives_a_restart(bot: RunningBot) -> None:
    person = await coordinator(bot, "Haicang Team", "Huli Team")
    await person.send("/new_activity")
    await person.send("Park walk")
    await person.press("Skip ➡️")
    reply = await person.press("Caring for the elderly")
    assert reply.last.button_labels() == ["Haicang Team", "Huli Team"]
    await person.press("Huli Team")
    await person.press("Huli")
    await person.send("Huli Park, north gate")
    await person.press("Skip ➡️")
    await person.send("01-11")

    await bot.restart()

    reply = await person.send("08:30-10:00")
    assert "How many volunteers does Sun 11 Jan 08:30–10:00 need?" in reply.text
    await person.send("12")
    reply = await person.send("/new_activity")
    assert "continue your activity where you left off" in reply.text
    assert reply.last.button_labels() == ["➕ Add another shift", "Done with shifts ➡️"]
    await person.press("Done with shifts ➡️")
    await person.press("Until each shift starts")
    await person.press("No minimum age")
    await person.press("No")
    reply = await person.press("Caring for the elderly")
    assert "Team: Huli Team" in reply.text
    await person.press("✅ Publish")
    [activity] = await activities(bot)
    async with steps.database(bot) as session:
        theme = await session.get(Theme, activity.required_theme_id)
        [shift] = await publication.shifts_of(session, activity.id)
    assert activity.title == "Park walk" and activity.address == "Huli Park, north gate"
    assert theme is not None and theme.code == "elderly"
    assert (shift.starts_at, shift.capacity) == (datetime(2026, 1, 11, 0, 30, tzinfo=UTC), 12)


async def test_shifts_edited_from_the_preview_start_over(bot: RunningBot) -> None:
    person = await coordinator(bot)
    await up_to_preview(person)
    await person.press("✏️ Edit")
    await person.press("Shifts (start over)")
    reply = await add_shift(person, "01-12", "14:00-16:00", "2")
    assert "Mon 12 Jan 14:00–16:00" in reply.text and "01-10" not in reply.text
    reply = await person.press("Done with shifts ➡️")
    assert "• Mon 12 Jan 14:00–16:00: 2 places" in reply.text
    assert reply.last.button_labels() == ["✅ Publish", "✏️ Edit", "🗑 Discard"]
    await person.press("✅ Publish")
    [activity] = await activities(bot)
    async with steps.database(bot) as session:
        [shift] = await publication.shifts_of(session, activity.id)
    assert (shift.starts_at, shift.capacity) == (datetime(2026, 1, 12, 6, tzinfo=UTC), 2)


async def test_a_volunteer_who_is_not_a_coordinator_is_refused(bot: RunningBot) -> None:
    person = await steps.registered(bot, 3002)
    reply = await person.send("/new_activity")
    assert "Only coordinators can publish activities" in reply.text
    # No conversation started (a refusal writes nothing, not even an empty state).
    state, _ = await steps.snapshot(bot, person.id)
    assert state is None or state[0] is None


async def test_discard_asks_first_and_writes_nothing(bot: RunningBot) -> None:
    person = await coordinator(bot)
    await up_to_preview(person)
    await person.press("✏️ Edit")
    reply = await person.press("Title")
    assert "What is the activity called?" in reply.text
    reply = await person.send("Beach clean-up at Baicheng")
    assert "📌 Beach clean-up at Baicheng" in reply.text  # back at the preview
    reply = await person.press("🗑 Discard")
    assert "Discard this activity?" in reply.text
    reply = await person.press("No, keep it")
    assert reply.last.button_labels() == ["✅ Publish", "✏️ Edit", "🗑 Discard"]
    await person.press("🗑 Discard")
    reply = await person.press("Yes, discard it")
    assert "nothing was published" in reply.text
    assert await activities(bot) == []
    flow, step, _, data, _ = await steps.state_of(bot, person.id)
    assert (flow, step, data) == (None, None, {})
