"""A call delivered from the outbox through the real bot and the sandbox, which answers some
sends with 429, some with 403 and some with 500: every reachable volunteer gets the notice
exactly once, those who blocked the bot are marked and skipped, and the coordinator's report
says what the sandbox's own log says."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.local.harness import RunningBot, running_bot
from handlers.callbacks import ButtonSigner
from models.activities.tables import Activity
from models.broadcasts import audience as audiences
from models.broadcasts import progress as broadcast_progress
from models.broadcasts.tables import Broadcast, Delivery
from models.clock import ManualClock
from models.conversation import button_key
from models.db import create_engine
from models.registration.tables import Volunteer
from tests.conftest import make_settings
from tests.e2e import steps
from tests.e2e.broadcasts.broadcast_world import (
    COORDINATOR,
    NOTICE,
    call_everyone,
    delivery_statuses,
    notice_answers,
    notices_received,
    seed,
    volunteer_ids,
)

AUDIENCE = 500
# Paid broadcasts (allow_paid_broadcast), so 500 sends take a second, not Telegram's 17 s at
# 30 a second; the pace itself is measured in tests/e2e/broadcasts/test_processes.py.
PAID_RATE = 500.0
FLOODS = 5  # the first sends are refused with 429 (retry after 1 s)


async def a_call(bot: RunningBot, count: int) -> tuple[Activity, Broadcast]:
    """`count` volunteers, and an admin's call to everyone about an activity, due now."""
    engine = create_engine(bot.settings.database_url)
    try:
        activity = await seed(engine, bot.sandbox, volunteer_ids(count), bot.clock.now())
        return activity, await call_everyone(engine, activity, bot.clock.now())
    finally:
        await engine.dispose()


@pytest.fixture
async def bot(database_url: str, framework: str, clock: ManualClock) -> AsyncIterator[RunningBot]:
    settings = make_settings(
        database_url, bot_framework=framework, paid_broadcast_per_second=PAID_RATE
    )
    async with running_bot(settings, clock=clock) as running:
        yield running


async def test_every_reachable_volunteer_gets_the_call_once_through_429_403_and_500(
    bot: RunningBot, clock: ManualClock
) -> None:
    engine = create_engine(bot.settings.database_url)
    people = volunteer_ids(AUDIENCE)
    blocked, flaky, broken = people[10:20], people[20:30], people[30:32]
    try:
        activity = await seed(engine, bot.sandbox, people, clock.now())
        faults = bot.sandbox.faults
        faults.add("sendMessage", kind="429", retry_after=1, count=FLOODS)
        for chat in blocked:
            faults.add("sendMessage", kind="403", chat_id=chat)
        for chat in flaky:  # Telegram fails once: the second try gets through
            faults.add("sendMessage", kind="500", chat_id=chat)
        for chat in broken:  # fails every try: recorded as failed, with the reason
            faults.add("sendMessage", kind="500", chat_id=chat, count=3)
        call = await call_everyone(engine, activity, clock.now())

        sent = await bot.send_broadcasts()

        received = notices_received(bot.sandbox)
        reachable = set(people) - set(blocked) - set(broken)
        assert set(received) == reachable
        assert set(received.values()) == {1}, "somebody got the call twice"
        assert sent == len(reachable)
        answers = notice_answers(bot.sandbox)
        assert answers[429] == FLOODS
        assert answers[403] == len(blocked)
        assert answers[500] == len(flaky) + 3 * len(broken)

        async with engine.connect() as connection:
            statuses = await delivery_statuses(connection, call.id)
            unreachable = set(
                await connection.scalars(
                    select(Volunteer.telegram_id).where(Volunteer.reachable.is_(False))
                )
            )
            errors = set(
                await connection.scalars(select(Delivery.error).where(Delivery.status == "failed"))
            )
            status = await connection.scalar(
                select(Broadcast.status).where(Broadcast.id == call.id)
            )
        assert statuses == {"sent": len(reachable), "blocked": len(blocked), "failed": 2}
        assert unreachable == set(blocked)
        assert len(errors) == 1 and "Internal Server Error" in errors.pop()
        assert status == "done"

        # The report's figures are the sandbox's: accepted, refused for good with 500, 403.
        failed_chats = {c.chat_id for c in bot.sandbox.calls if c.status == 500} - set(received)
        blocked_chats = {c.chat_id for c in bot.sandbox.calls if c.status == 403}
        report = bot.sandbox.chat_messages(COORDINATOR)[-1].text or ""
        assert report.startswith(f"✅ Call #{call.id}: finished.")
        assert (
            f"Sent {len(received)} · failed {len(failed_chats)} · "
            f"blocked the bot {len(blocked_chats)} · left 0 (of {AUDIENCE})"
        ) in report

        # A later call skips those who blocked the bot: they are not even enqueued.
        clock.advance(timedelta(days=1))
        later = await call_everyone(engine, activity, clock.now())
        await bot.send_broadcasts()
        async with engine.connect() as connection:
            enqueued = await connection.scalar(
                select(func.count()).where(Delivery.broadcast_id == later.id)
            )
        assert enqueued == AUDIENCE - len(blocked)
        assert max(notices_received(bot.sandbox).values()) == 2  # everyone else twice, once each
    finally:
        await engine.dispose()


async def test_the_notice_carries_a_sign_up_button_that_opens_the_activity(
    bot: RunningBot, clock: ManualClock
) -> None:
    activity, _ = await a_call(bot, 1)
    await bot.send_broadcasts()
    person = bot.person(volunteer_ids(1)[0])
    notice = person.last()
    assert notice.text == NOTICE
    [[button]] = notice.buttons
    assert button.label == "✋ Sign up"
    assert button.url is not None
    payload = button.url.split("?start=")[1]
    assert payload == f"act_{activity.link_token}"
    opened = await person.send(f"/start {payload}")  # what Telegram does for the link
    assert "Harbour festival" in opened.text
    assert any("Sign up" in b.label for row in opened.last.buttons for b in row)


async def test_a_call_is_paused_resumed_and_its_progress_shown_from_broadcasts(
    bot: RunningBot, clock: ManualClock
) -> None:
    people = volunteer_ids(20)
    _, call = await a_call(bot, len(people))
    coordinator = bot.person(COORDINATOR)
    listed = await coordinator.send("/broadcasts")
    assert listed.last.text.startswith(f"📣 Call #{call.id}: sending…")  # due: never "scheduled"
    assert listed.last.button_labels() == ["⏸ Pause", "🛑 Cancel the call"]

    paused = await coordinator.press("⏸ Pause")
    assert paused.alert == f"Call #{call.id} is paused. Messages already on their way still arrive."
    assert paused.last.button_labels() == ["▶️ Resume", "🛑 Cancel the call"]
    assert await bot.send_broadcasts() == 0  # a paused call sends nothing, and does not start
    assert notices_received(bot.sandbox) == {}

    resumed = await coordinator.press("▶️ Resume")
    assert resumed.last.text.startswith(f"📣 Call #{call.id}: sending…")
    async with steps.database(bot) as session:
        await broadcast_progress.set_progress_message(
            session, call.id, COORDINATOR, resumed.last.message_id, now=clock.now()
        )
    clock.advance(timedelta(seconds=10))  # the progress message is due an edit
    assert await bot.send_broadcasts() == len(people)
    progress = next(m for m in coordinator.messages() if m.message_id == resumed.last.message_id)
    assert progress.edit_count == 4  # paused, resumed, the figures while sending, the end
    [running] = [
        str(c.params.get("text"))
        for c in bot.sandbox.calls
        if c.method == "editMessageText" and "Sent 0" in str(c.params.get("text"))
    ]
    assert running.startswith(f"📣 Call #{call.id}: sending…\nSent 0 · failed 0")
    assert "left 20 (of 20)" in running and "Should finish around" in running
    assert progress.text.startswith(f"✅ Call #{call.id}: finished.")
    assert "Sent 20 · failed 0 · blocked the bot 0 · left 0 (of 20)" in (progress.text or "")
    assert progress.button_labels() == []  # over: no controls

    again = await coordinator.send("/broadcasts")
    assert again.last.button_labels() == []
    refused = await coordinator.press_data(
        resumed.last.buttons[0][0].callback_data or "", message_id=resumed.last.message_id
    )
    assert refused.alert is not None


async def test_cancelling_asks_first_and_a_volunteer_cannot_control_a_call(
    bot: RunningBot, clock: ManualClock
) -> None:
    _, call = await a_call(bot, 3)
    volunteer = bot.person(volunteer_ids(1)[0])
    assert "coordinator" in (await volunteer.send("/broadcasts")).text
    coordinator = bot.person(COORDINATOR)
    await coordinator.send("/broadcasts")
    asked = await coordinator.press("🛑 Cancel the call")
    assert asked.last.text.startswith(f"Cancel call #{call.id}?")
    kept = await coordinator.press("No, keep sending")
    assert kept.last.text == f"Call #{call.id} goes on."
    asked = await coordinator.send("/broadcasts")
    await coordinator.press("🛑 Cancel the call")
    done = await coordinator.press("Yes, cancel it")
    assert done.last.text.startswith(f"🛑 Call #{call.id}: cancelled.")
    assert await bot.send_broadcasts() == 0
    assert notices_received(bot.sandbox) == {}
    # A volunteer pressing a control made for them (as if crafted with the key) is refused.
    async with steps.database(bot) as session:
        signer = ButtonSigner(await button_key(session))
    data = signer.pack(volunteer.id, 0, "bc.resume", call.id)
    reply = await volunteer.press_data(data, message_id=volunteer.last().message_id)
    assert reply.alert is not None and "coordinator" in reply.alert.lower()


async def test_blocking_and_unblocking_the_bot_take_a_volunteer_out_of_calls_and_back(
    bot: RunningBot, clock: ManualClock
) -> None:
    alice = await steps.registered(bot, 1001)
    await steps.registered(bot, 1002)

    async def audience() -> int:
        async with steps.database(bot) as session:
            admin = audiences.Scope(admin=True, team_ids=())
            return await audiences.count(session, audiences.Audience("everyone"), admin, None)

    assert await audience() == 2
    await alice.block()  # Telegram sends my_chat_member: kicked
    assert (await steps.volunteer(bot, 1001)).reachable is False  # type: ignore[union-attr]
    assert await audience() == 1
    await bot.handled(await alice.user.unblock())
    assert (await steps.volunteer(bot, 1001)).reachable is True  # type: ignore[union-attr]
    assert await audience() == 2
