"""/notifications end to end with a controlled clock: a volunteer who turns reminders off gets
none, one who keeps only "1 hour" gets only that one, at its time, and one who mutes calls for
volunteers is left out of a coordinator's call until they unmute; calls can also be muted theme
by theme."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.local.harness import Person, RunningBot
from models.audit import AuditEntry
from models.reference import Theme
from models.registration.tables import Volunteer, volunteer_muted_themes
from tests.e2e import steps
from tests.e2e.reminders.test_before_shift import (
    at,
    one_shift_activity,
    reminder_statuses,
    reminders_in,
    signed_up,
)

USUAL = "⏰ Reminders before your shifts: the usual times, 24 hours and 2 hours before"
CALLS_ON = "📣 Calls for volunteers when a shift in a theme you like needs people: on."
CALLS_OFF = "📣 Calls for volunteers when a shift in a theme you like needs people: off."
TIMES = ["1 week", "3 days", "✅ 24 hours", "12 hours", "✅ 2 hours", "1 hour", "30 minutes"]
COORDINATOR = 9001


async def press_on_panel(person: Person, panel_id: int, label: str) -> str:
    """Press a button on the /notifications message: it is edited in place, nothing is sent."""
    sent_before = len(person.messages())
    reply = await person.press(label, message_id=panel_id)
    assert [m.message_id for m in reply.messages] == [panel_id]
    assert len(person.messages()) == sent_before
    return reply.last.text or ""


async def stored_choice(bot: RunningBot, user_id: int) -> tuple[bool, list[int] | None, bool]:
    found = await steps.volunteer(bot, user_id)
    assert found is not None
    return found.reminders_enabled, found.reminder_minutes, found.mute_recruitment


async def test_the_panel_shows_the_choice_and_asks_strangers_to_register(bot: RunningBot) -> None:
    stranger = bot.person(1009)
    reply = await stranger.send("/notifications")
    assert "You are not registered yet" in reply.text

    alice = await steps.registered(bot, 1001)
    reply = await alice.send("/help")
    assert "/notifications" in reply.text
    reply = await alice.send("/notifications")
    assert USUAL in reply.text
    assert CALLS_ON in reply.text
    assert reply.last.button_labels() == [
        "🔕 Turn reminders off",
        *TIMES,
        "✅ The usual times",
        "🔇 Stop calls for volunteers",
    ]
    edits_before = reply.last.edit_count
    reply = await alice.press("✅ The usual times")  # already chosen: nothing to change
    assert reply.alert == "That is already your choice."
    assert alice.last().edit_count == edits_before

    li = await steps.registered(bot, 1002, language="zh-CN")
    reply = await li.send("/notifications")
    assert "⏰ 班次提醒：默认时间，开始前24小时和2小时" in reply.text


async def test_a_volunteer_who_turns_reminders_off_is_not_reminded(bot: RunningBot) -> None:
    token = await one_shift_activity(bot, capacity=2)
    alice = await signed_up(bot, token, 1001)
    bob = await signed_up(bot, token, 1002)  # keeps the usual reminders
    panel = (await alice.send("/notifications")).last

    text = await press_on_panel(alice, panel.message_id, "🔕 Turn reminders off")

    assert "⏰ Reminders before your shifts: off." in text
    assert "The reminders of your 1 upcoming shift were planned again." in text
    assert alice.last().button_labels() == [
        "🔔 Turn reminders on",
        "🔇 Stop calls for volunteers",
    ]
    assert await stored_choice(bot, 1001) == (False, None, False)
    await at(bot, timedelta(hours=24))
    await at(bot, timedelta(hours=2))
    await at(bot, timedelta(minutes=1))
    assert reminders_in(alice) == []
    assert len(reminders_in(bob)) == 2  # the clock did pass both reminders' times


async def test_a_volunteer_who_keeps_only_1_h_is_reminded_once_an_hour_before(
    bot: RunningBot,
) -> None:
    alice = await signed_up(bot, await one_shift_activity(bot), 1001)
    panel = (await alice.send("/notifications")).last

    text = await press_on_panel(alice, panel.message_id, "1 hour")
    assert "⏰ Reminders before your shifts: 24 hours, 2 hours and 1 hour before." in text
    assert "planned again" in text
    await press_on_panel(alice, panel.message_id, "✅ 24 hours")
    text = await press_on_panel(alice, panel.message_id, "✅ 2 hours")
    assert "⏰ Reminders before your shifts: 1 hour before." in text
    assert "✅ 1 hour" in alice.last().button_labels()
    assert "Use the usual times" in alice.last().button_labels()

    # Unticking the last time is refused, and the choice stays as it was.
    edits_before = alice.last().edit_count
    reply = await alice.press("✅ 1 hour", message_id=panel.message_id)
    assert reply.alert == "Keep at least one time, or turn reminders off with the button above."
    assert alice.last().edit_count == edits_before
    assert await stored_choice(bot, 1001) == (True, [60], False)

    await at(bot, timedelta(hours=24))
    await at(bot, timedelta(hours=2))
    await at(bot, timedelta(hours=1, minutes=1))
    assert reminders_in(alice) == []
    await at(bot, timedelta(hours=1))
    (reminder,) = reminders_in(alice)
    assert "Reminder: Beach clean-up, Wed 7 Jan 09:00–12:00" in reminder
    assert await reminder_statuses(bot) == [
        ("1440m", "cancelled"),
        ("120m", "cancelled"),
        ("60m", "sent"),
    ]


async def likes(bot: RunningBot, user_id: int, theme: str) -> None:
    async with steps.database(bot) as session:
        volunteer = await session.scalar(select(Volunteer).where(Volunteer.telegram_id == user_id))
        liked = await session.scalar(select(Theme).where(Theme.code == theme))
        assert volunteer is not None and liked is not None
        volunteer.themes.append(liked)


async def call_for_volunteers(bot: RunningBot, coordinator: Person) -> str:
    """The coordinator taps the call on their latest "nobody is waiting" notice and sends it;
    the sender sends it. What the coordinator was told."""
    await coordinator.press("📣 Call for volunteers")
    told = (await coordinator.press("📣 Send")).alert or ""
    await bot.send_broadcasts()
    return told


async def test_muting_calls_for_volunteers_leaves_a_volunteer_out_of_a_call(
    bot: RunningBot,
) -> None:
    coordinator = bot.person(COORDINATOR)
    team = await steps.make_coordinator(bot, COORDINATOR)
    activity = await steps.make_activity(
        bot, team, shifts=((timedelta(days=2), timedelta(hours=3), 1),)
    )
    carol, dave = await steps.member(bot, 1003, team), await steps.member(bot, 1004, team)
    for person in (carol, dave):
        await likes(bot, person.id, "environment")  # the activity's theme
    panel = (await dave.send("/notifications")).last
    text = await press_on_panel(dave, panel.message_id, "🔇 Stop calls for volunteers")
    assert CALLS_OFF in text
    assert "📣 Send me calls for volunteers" in dave.last().button_labels()
    assert await stored_choice(bot, 1004) == (True, None, True)

    alice = await signed_up(bot, activity.link_token, 1001)  # takes the place, then gives it back
    await alice.send("/my")
    await alice.press("❌ Cancel Wed 7 Jan 09:00")
    await alice.press("Yes, cancel")
    dave_before = len(dave.messages())

    assert "on its way to 1 volunteer;" in await call_for_volunteers(bot, coordinator)
    assert "needs volunteers: Beach clean-up" in (carol.last().text or "")
    assert len(dave.messages()) == dave_before

    text = await press_on_panel(dave, panel.message_id, "📣 Send me calls for volunteers")
    assert CALLS_ON in text
    bot.clock.advance(timedelta(hours=6))  # one call per shift in six hours
    assert "on its way to 2 volunteers;" in await call_for_volunteers(bot, coordinator)
    assert "needs volunteers: Beach clean-up" in (dave.last().text or "")


async def muted_theme_codes(bot: RunningBot, user_id: int) -> set[str]:
    async with steps.database(bot) as session:
        rows = await session.scalars(
            select(Theme.code)
            .join(volunteer_muted_themes, volunteer_muted_themes.c.theme_id == Theme.id)
            .join(Volunteer, Volunteer.id == volunteer_muted_themes.c.volunteer_id)
            .where(Volunteer.telegram_id == user_id)
        )
        return set(rows)


async def test_calls_can_be_muted_theme_by_theme(bot: RunningBot) -> None:
    eve = await steps.registered(bot, 1005, themes=("environment", "neighbourhood"))
    panel = (await eve.send("/notifications")).last
    assert panel.button_labels()[-1] == "🎯 Calls by theme…"

    text = await press_on_panel(eve, panel.message_id, "🎯 Calls by theme…")
    assert text.startswith("🎯 Calls for volunteers about each theme you like")
    assert eve.last().button_labels() == [
        "📣 Neighbourhood watch",
        "📣 Environmental protection",
        "⬅️ Back",
    ]
    await press_on_panel(eve, panel.message_id, "📣 Environmental protection")
    assert eve.last().button_labels() == [
        "📣 Neighbourhood watch",
        "🔇 Environmental protection",
        "⬅️ Back",
    ]
    assert await muted_theme_codes(bot, 1005) == {"environment"}

    # A press from the message as it was before asks for the same state again: nothing changes.
    edits_before = eve.last().edit_count
    reply = await eve.press("📣 Environmental protection", message_id=panel.message_id)
    assert reply.alert == "That is already your choice."
    assert eve.last().edit_count == edits_before

    text = await press_on_panel(eve, panel.message_id, "⬅️ Back")
    assert CALLS_ON in text
    assert "🔇 Except calls about: Environmental protection." in text

    await press_on_panel(eve, panel.message_id, "🎯 Calls by theme…")
    await press_on_panel(eve, panel.message_id, "🔇 Environmental protection")
    assert await muted_theme_codes(bot, 1005) == set()
    async with steps.database(bot) as session:
        actions = await session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.actor_telegram_id == 1005, AuditEntry.action.like("%muted%"))
            .order_by(AuditEntry.id)
        )
        assert list(actions) == ["volunteer.muted_themes_set"] * 2
