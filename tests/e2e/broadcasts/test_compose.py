"""/broadcast end to end: a coordinator composes a call (text or photo, an activity, an audience),
sees it exactly as volunteers will with how many it reaches, and sends it now or later; the
pressed message becomes the call's progress message. Coordinators cannot reach other teams or
everyone, volunteers cannot broadcast, bad answers keep the step, and Don't send keeps nothing.

Only the main journey runs on every framework and database; the rest runs on one or two of them
(the suite's time budget), since what they check lives above the adapters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.local.harness import Person, Reply, RunningBot, running_bot
from handlers.callbacks import ButtonSigner
from models.broadcasts.tables import Broadcast
from models.clock import ManualClock
from models.conversation import button_key
from models.reference import District, Theme
from models.registration.tables import Volunteer
from models.teams import roles
from sandbox.records import Button
from tests.conftest import make_settings
from tests.e2e import steps

COORDINATOR = 9001
OTHER_COORDINATOR = 9002
ADMIN = 9100
NOTICE = "Beach clean-up on Wednesday: we still need 3 people. Gloves provided!"
PHOTO = b"\x89PNG fake photo of the beach"
ASK_NOTICE = "📣 A call for volunteers. Send the notice"
KINDS = [
    "Teams…",
    "Districts…",
    "Themes…",
    "Served in a past activity…",
    "Waiting list of an activity…",
]
PREVIEW_BUTTONS = ["📣 Send now", "🕒 Send later", "✏️ Start again", "Don't send"]
SENDING = "📣 Call #1: sending…\nIt is going out now; the figures appear here as it is sent."


@pytest.fixture
async def sqlite_bot(
    sqlite_url: str, framework: str, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    """The real bot on SQLite only, for checks that do not depend on the database."""
    async with running_bot(make_settings(sqlite_url, bot_framework=framework), clock=clock) as bot:
        yield bot


async def district_id(bot: RunningBot, code: str) -> int:
    async with steps.database(bot) as session:
        found = await session.scalar(select(District.id).where(District.code == code))
    assert found is not None
    return found


async def mutes(bot: RunningBot, user_id: int, theme: str) -> None:
    async with steps.database(bot) as session:
        volunteer = await session.scalar(select(Volunteer).where(Volunteer.telegram_id == user_id))
        muted = await session.scalar(select(Theme).where(Theme.code == theme))
        assert volunteer is not None and muted is not None
        volunteer.muted_themes.append(muted)


async def calls(bot: RunningBot) -> list[Broadcast]:
    async with steps.database(bot) as session:
        return list(await session.scalars(select(Broadcast).order_by(Broadcast.id)))


async def step_of(bot: RunningBot, user_id: int) -> tuple[object, object]:
    flow, step, *_ = await steps.state_of(bot, user_id)
    return flow, step


async def signed_press(bot: RunningBot, person: Person, action: str, *args: str | int) -> Reply:
    """A press of a button the bot could have made for this person at their current step (a
    tampered client, or one the bot made for someone with more rights)."""
    _, _, version, *_ = await steps.state_of(bot, person.id)
    async with steps.database(bot) as session:
        signer = ButtonSigner(await button_key(session))
    data = signer.pack(person.id, int(version), action, *args)  # type: ignore[call-overload]
    return await person.press_data(data, message_id=person.last().message_id)


async def test_a_coordinator_calls_their_team_about_an_activity(bot: RunningBot) -> None:
    team = await steps.make_coordinator(bot, COORDINATOR)
    beach = await steps.make_activity(bot, team)
    await steps.member(bot, 1001, team)
    await steps.member(bot, 1002, team)
    await steps.member(bot, 1003, team)
    await mutes(bot, 1003, "environment")  # the activity's theme: left out
    other_team = await steps.make_coordinator(bot, OTHER_COORDINATOR, "Jimei Team")
    await steps.member(bot, 1004, other_team)
    coordinator = bot.person(COORDINATOR)

    assert ASK_NOTICE in (await coordinator.send("/broadcast")).text
    reply = await coordinator.send(NOTICE)
    assert reply.last.button_labels() == ["Beach clean-up", "No activity"]
    reply = await coordinator.press("Beach clean-up")
    assert reply.messages[0].text == "Linked to: Beach clean-up"
    assert reply.last.text == "Who should get it?"
    assert reply.last.button_labels() == KINDS  # no "Everyone": that is for admins
    reply = await coordinator.press("Teams…")
    assert reply.last.button_labels() == ["Haicang Team", "⬅️ Back", "Done ➡️"]
    reply = await coordinator.press("Haicang Team")
    assert reply.last.button_labels() == ["✅ Haicang Team", "⬅️ Back", "Done ➡️"]

    reply = await coordinator.press("Done ➡️")
    told, preview, reach = reply.messages
    assert told.text == "To: the members of Haicang Team."
    assert (preview.kind, preview.text) == ("text", NOTICE)
    sign_up = f"https://t.me/{bot.sandbox.bot_username}?start=act_{beach.link_token}"
    assert preview.buttons == [[Button("✋ Sign up", url=sign_up)]]
    assert reach.text is not None
    assert reach.text.startswith("This call will reach 2 volunteers.")
    assert reach.button_labels() == PREVIEW_BUTTONS
    assert await calls(bot) == []  # nothing is saved before it is confirmed

    reply = await coordinator.press("📣 Send now")
    assert [m.message_id for m in reply.messages] == [reach.message_id]  # edited, nothing new
    assert reply.last.text == SENDING  # going out now: never "scheduled"
    assert reply.last.button_labels() == ["⏸ Pause", "🛑 Cancel the call"]
    assert reply.alert == "Call #1 is going out now."
    (call,) = await calls(bot)
    assert (call.status, call.text, call.photo_id) == ("scheduled", NOTICE, None)
    assert call.audience == {"kind": "teams", "ids": [team], "admin": False, "teams": [team]}
    assert (call.activity_id, call.theme_id, call.team_id) == (beach.id, beach.theme_id, team)
    assert (call.created_by, call.send_at) == (COORDINATOR, bot.clock.now())
    assert (call.progress_chat_id, call.progress_message_id) == (COORDINATOR, reach.message_id)
    assert await step_of(bot, COORDINATOR) == (None, None)

    # Sent: the members get exactly the preview; the muted one and the other team nothing.
    assert await bot.send_broadcasts() == 2
    for user_id in (1001, 1002):
        got = bot.person(user_id).last()
        assert (got.kind, got.text, got.buttons) == ("text", NOTICE, preview.buttons)
    for user_id in (1003, 1004):
        assert all(m.text != NOTICE for m in bot.person(user_id).messages())
    progress = coordinator.messages()[-2]  # then the report, as a new message
    assert progress.message_id == reach.message_id
    assert progress.text == coordinator.last().text
    assert progress.text == (
        "✅ Call #1: finished.\nSent 2 · failed 0 · blocked the bot 0 · left 0 (of 2)"
    )


@pytest.mark.parametrize("framework", ["ptb", "aiogram"], ids=["sqlite-ptb", "sqlite-aiogram"])
async def test_a_photo_call_scheduled_for_later(sqlite_bot: RunningBot) -> None:
    bot = sqlite_bot
    team = await steps.make_coordinator(bot, COORDINATOR)
    haicang = await district_id(bot, "haicang")
    await steps.member(bot, 1001, team, district_id=haicang)
    await steps.member(bot, 1002, team)  # in no district
    coordinator = bot.person(COORDINATOR)
    await coordinator.send("/broadcast")

    reply = await coordinator.send_photo(PHOTO)
    assert (
        reply.text
        == "📷 Got the photo. Now type the text to go under it (at most 1024 characters)."
    )
    reply = await coordinator.send("x" * 1025)  # a caption may be at most 1024 characters
    assert reply.text.startswith("That is 1025 characters; a notice can be at most 1024")
    assert await step_of(bot, COORDINATOR) == ("broadcast", "caption")
    await coordinator.send(NOTICE)
    await coordinator.press("No activity")
    await coordinator.press("Districts…")
    await coordinator.press("Haicang")
    reply = await coordinator.press("Done ➡️")
    told, preview, reach = reply.messages
    assert told.text == "To: the members of Haicang Team in Haicang."
    assert (preview.kind, preview.text, preview.photo, preview.buttons) == (
        "photo",
        NOTICE,
        PHOTO,
        [],
    )
    assert (reach.text or "").startswith("This call will reach 1 volunteer.")

    reply = await coordinator.press("🕒 Send later")
    assert reply.messages[0].button_labels() == []  # the preview's buttons are spent
    assert reply.last.button_labels() == ["In 1 hour", "This evening, 18:00", "Tomorrow, 09:00"]
    reply = await coordinator.send("2026-01-05 08:30")  # it is 09:00 there
    assert reply.text == "That time has passed. Please choose a time in the future, or send now."
    reply = await coordinator.send("next week")
    assert reply.text.startswith("I couldn't read that time. Please type a day and a time")
    assert await step_of(bot, COORDINATOR) == ("broadcast", "when")
    reply = await coordinator.send("2026-01-06 10:30")
    assert (
        reply.text == "Scheduled for Tue 6 Jan 10:30. Confirm? (To choose another time, type it.)"
    )
    assert reply.last.button_labels() == ["✅ Confirm", "Don't send"]
    confirm_id = reply.last.message_id

    reply = await coordinator.press("✅ Confirm")
    assert reply.last.text == (
        "🕒 Call #1: scheduled.\n"
        "It goes out at Tue 6 Jan 10:30; the figures appear here as it is sent."
    )
    (call,) = await calls(bot)
    assert call.status == "scheduled"
    assert call.send_at == datetime(2026, 1, 6, 2, 30, tzinfo=UTC)
    assert call.photo_id == preview.file_id
    assert call.photo_id is not None and bot.sandbox.world.files[call.photo_id].content == PHOTO
    assert call.text == NOTICE
    assert call.audience == {"kind": "districts", "ids": [haicang], "admin": False, "teams": [team]}
    assert call.progress_message_id == confirm_id

    # Listed: when it goes out, and no figures before it starts.
    reply = await coordinator.send("/broadcasts")
    assert reply.text == f"🕒 Call #1: scheduled.\nTue 6 Jan 10:30: {NOTICE[:59]}…"
    assert reply.last.button_labels() == ["⏸ Pause", "🛑 Cancel the call"]
    await bot.run_background()  # not yet due
    assert all(m.text != NOTICE for m in bot.person(1001).messages())
    bot.clock.advance(timedelta(days=1, hours=2))
    await bot.run_background()
    got = bot.person(1001).last()
    assert (got.kind, got.text, got.photo) == ("photo", NOTICE, PHOTO)
    assert all(m.text != NOTICE for m in bot.person(1002).messages())
    progress = next(m for m in coordinator.messages() if m.message_id == confirm_id)
    assert progress.text == (
        "✅ Call #1: finished.\nSent 1 · failed 0 · blocked the bot 0 · left 0 (of 1)"
    )


@pytest.mark.parametrize("framework", ["ptb"], ids=["sqlite-ptb"])
async def test_a_coordinator_reaches_only_their_own_team_and_bad_answers_keep_the_step(
    sqlite_bot: RunningBot,
) -> None:
    bot = sqlite_bot
    team = await steps.make_coordinator(bot, COORDINATOR)
    await steps.make_activity(bot, team, title="Park tidy-up")
    other_team = await steps.make_coordinator(bot, OTHER_COORDINATOR, "Jimei Team")
    await steps.make_activity(bot, other_team, title="Jimei library day")
    await steps.member(bot, 1001, team)
    volunteer = await steps.registered(bot, 1002)
    coordinator = bot.person(COORDINATOR)

    reply = await volunteer.send("/broadcast")
    assert reply.text.startswith("Only coordinators and admins can send calls for volunteers.")
    state, _ = await steps.snapshot(bot, 1002)
    assert state is None  # refused and rolled back: no conversation was begun

    await coordinator.send("/broadcast")
    reply = await coordinator.send("x" * 4097)
    assert reply.text.startswith("That is 4097 characters; a notice can be at most 4096")
    assert await step_of(bot, COORDINATOR) == ("broadcast", "notice")
    reply = await coordinator.send_sticker()
    assert reply.text == "Please type the notice's text, or send a photo."
    reply = await coordinator.send(NOTICE)
    assert reply.last.button_labels() == ["Park tidy-up", "No activity"]  # not Jimei's
    reply = await coordinator.send("the park one")
    assert reply.text == "Please answer with the buttons above, or send /cancel to stop."

    await coordinator.press("No activity")
    reply = await signed_press(bot, coordinator, "bcn.kind", "everyone")
    assert reply.alert == "Only admins can send a call to everyone. Choose your team instead."
    reply = await coordinator.press("Waiting list of an activity…")
    assert reply.last.button_labels() == ["Park tidy-up", "⬅️ Back", "Done ➡️"]
    reply = await coordinator.press("⬅️ Back")
    assert reply.last.button_labels() == KINDS
    reply = await coordinator.press("Teams…")
    assert reply.last.button_labels() == ["Haicang Team", "⬅️ Back", "Done ➡️"]
    reply = await signed_press(bot, coordinator, "bcn.pick", other_team)
    assert reply.alert == "This button isn't valid. Please use the buttons in my latest message."
    reply = await coordinator.press("Done ➡️")  # nobody chosen yet
    assert reply.alert == "Please choose at least one, then tap Done."
    assert await step_of(bot, COORDINATOR) == ("broadcast", "choices")

    await coordinator.press("Haicang Team")
    reply = await coordinator.press("Done ➡️")
    assert (reply.last.text or "").startswith("This call will reach 1 volunteer.")
    reply = await coordinator.press("Don't send")
    assert reply.last.text == "Not sent. Nothing was kept."
    assert await calls(bot) == []
    flow, step, _, data, _ = await steps.state_of(bot, COORDINATOR)
    assert (flow, step, data) == (None, None, {})


@pytest.mark.parametrize("framework", ["aiogram"], ids=["sqlite-aiogram"])
async def test_an_admin_may_call_everyone_and_start_again(sqlite_bot: RunningBot) -> None:
    bot = sqlite_bot
    haicang = await steps.make_coordinator(bot, COORDINATOR)
    jimei = await steps.make_coordinator(bot, OTHER_COORDINATOR, "Jimei Team")
    await steps.make_activity(bot, haicang, title="Park tidy-up")
    await steps.make_activity(bot, jimei, title="Jimei library day")
    await steps.member(bot, 1001, haicang)
    await steps.registered(bot, 1002)  # in no team
    muted = await steps.registered(bot, 1003)
    async with steps.database(bot) as session:
        await roles.grant(session, ADMIN, "admin", team=None, now=bot.clock.now())
    admin = bot.person(ADMIN)
    await muted.send("/notifications")
    await muted.press("🔇 Stop calls for volunteers")

    await admin.send("/broadcast")
    reply = await admin.send(NOTICE)
    assert sorted(reply.last.button_labels()) == [
        "Jimei library day",
        "No activity",
        "Park tidy-up",
    ]
    await admin.press("No activity")
    reply = await admin.press("Teams…")
    assert reply.last.button_labels() == ["Haicang Team", "Jimei Team", "⬅️ Back", "Done ➡️"]
    reply = await admin.press("⬅️ Back")
    assert reply.last.button_labels() == ["Everyone", *KINDS]
    reply = await admin.press("Everyone")
    told, _, reach = reply.messages
    assert told.text == "To: every volunteer."
    assert (reach.text or "").startswith("This call will reach 2 volunteers.")  # not the muted

    reply = await admin.press("✏️ Start again")
    assert reply.messages[0].text == "Starting again; nothing was kept."
    assert ASK_NOTICE in (reply.last.text or "")
    assert await step_of(bot, ADMIN) == ("broadcast", "notice")
    await admin.send("Another notice")
    reply = await admin.send("/cancel")
    assert "Nothing you entered was kept" in reply.text
    async with steps.database(bot) as session:
        assert await session.scalar(select(func.count()).select_from(Broadcast)) == 0
    assert await step_of(bot, ADMIN) == (None, None)
