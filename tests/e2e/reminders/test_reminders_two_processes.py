"""Reminders sent by two bot processes at once: with two real `volbot run` processes on one
PostgreSQL database and 5,000 due reminders, each volunteer gets their reminder exactly once,
and both processes take part (claims with a lease and SKIP LOCKED,
models/reminders/before_shift.py).

The bot runs as operators run it — OS processes started from the command line, on the real clock
— against the sandbox served from this test's event loop. The sandbox serves each process on its
own address, so its log says which process made every request. Both processes long-poll the
one bot token, as two `volbot run` would; the sandbox, like Telegram, ends the older poll with
409 Conflict, which python-telegram-bot logs and retries — noise in their logs, harmless here,
where nobody writes to the bot.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from models.activities.tables import Signup
from models.db import create_engine, session_factory
from models.publishing import publication
from models.publishing.publication import ActivityPlan, ShiftPlan
from models.reference import Theme
from models.registration.tables import Volunteer
from models.reminders import before_shift
from models.reminders.tables import Reminder
from models.teams import roles
from sandbox import BotApiSandbox, Limits
from tests.e2e.processes import bot_processes, polling, until

pytestmark = pytest.mark.postgres

REMINDERS = 5_000
SHIFTS = 10
PLACES = REMINDERS // SHIFTS  # every place of every shift taken
FIRST_TELEGRAM_ID = 7_000_001
COORDINATOR = 900_001
OFFSET = timedelta(hours=24)  # a day-before reminder ...
STARTS_IN = timedelta(hours=23)  # ... for shifts that start in 23 h, so it is an hour overdue
PROCESSES = ("a", "b")
# Short, so that both processes reach the reminders at almost the same moment.
JOBS_INTERVAL_S = 0.5
STARTUP_TIMEOUT_S = 60.0
SETTLE_TIMEOUT_S = 120.0
# Once every row is settled, the sandbox must see no reminder for a few job runs, so a second
# send of a settled reminder has the chance to show up in the log before the processes stop.
QUIET_S = 4 * JOBS_INTERVAL_S
QUIET_MAX_S = 10.0
POLL_S = 0.1
REMINDER_MARK = "⏰"  # how the reminder text (before_shift.before) begins
# Exactly-once is the question here, not flood control (tests/sandbox/test_limits.py covers it):
# at Telegram's ~30 messages a second overall 5,000 reminders would take three minutes, so the
# overall budget is raised to let them all through at once. The per-chat limits stay as
# Telegram's: each volunteer is sent one message, and a second within the chat's burst would be
# accepted anyway, so they hide no duplicate.
LIMITS = Limits(global_per_second=float(REMINDERS), global_burst=REMINDERS)


# ---- the world ----------------------------------------------------------------------------


async def seed_signups(engine: AsyncEngine, telegram_ids: list[int], now: datetime) -> list[int]:
    """An activity whose shifts start tomorrow, with every place confirmed for the volunteers
    (made in bulk, straight in the database); the sign-ups' ids."""
    async with session_factory(engine)() as session, session.begin():
        team = await roles.create_team(session, "Harbour Volunteers", now=now)
        theme_id = await session.scalar(select(Theme.id).where(Theme.code == "events"))
        starts = now + STARTS_IN
        plan = ActivityPlan(
            title="Harbour festival",
            description="Stewards for the festival.",
            address="Harbour Square",
            theme_id=theme_id,
            team_id=team.id,
            shifts=[
                ShiftPlan(starts + timedelta(minutes=i), starts + timedelta(hours=3), PLACES)
                for i in range(SHIFTS)
            ],
        )
        activity = await publication.publish(session, plan, created_by=COORDINATOR, now=now)
        shifts = await publication.shifts_of(session, activity.id)
        volunteer_ids = await session.scalars(
            insert(Volunteer).returning(Volunteer.id, sort_by_parameter_order=True),
            [
                {
                    "telegram_id": telegram_id,
                    "status": "active",
                    "language": "en",
                    "full_name": f"Volunteer {telegram_id}",
                    "phone": f"+86138{telegram_id:08d}",
                    "registered_at": now - timedelta(days=30),
                }
                for telegram_id in telegram_ids
            ],
        )
        signup_ids = await session.scalars(
            insert(Signup).returning(Signup.id, sort_by_parameter_order=True),
            [
                {
                    "shift_id": shifts[i // PLACES].id,
                    "volunteer_id": volunteer_id,
                    "status": "confirmed",
                    "queued_at": now,
                    "updated_at": now,
                }
                for i, volunteer_id in enumerate(volunteer_ids)
            ],
        )
        return list(signup_ids)


async def add_due_reminders(engine: AsyncEngine, signup_ids: list[int], now: datetime) -> None:
    """One overdue day-before reminder per sign-up, all committed at once."""
    async with session_factory(engine)() as session, session.begin():
        await session.execute(
            insert(Reminder),
            [
                {
                    "signup_id": signup_id,
                    "kind": before_shift.kind_for(OFFSET),
                    "due_at": now + STARTS_IN - OFFSET,
                    "status": "pending",
                }
                for signup_id in signup_ids
            ],
        )


async def reminder_statuses(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(Reminder.status, func.count()).group_by(Reminder.status)
        )
        return {status: count for status, count in rows}


def reminders_accepted(sandbox: BotApiSandbox) -> list[tuple[str | None, int | None]]:
    """(address, chat) of every reminder the sandbox accepted, in arrival order."""
    return [
        (call.via, call.chat_id)
        for call in sandbox.calls
        if call.method == "sendMessage"
        and call.ok
        and str(call.params.get("text", "")).startswith(REMINDER_MARK)
    ]


async def until_quiet(sandbox: BotApiSandbox) -> None:
    """Return once no reminder has come in for QUIET_S (or after QUIET_MAX_S at most)."""
    seen, quiet_since = -1, time.monotonic()
    give_up = quiet_since + QUIET_MAX_S
    while time.monotonic() - quiet_since < QUIET_S and time.monotonic() < give_up:
        if (count := len(reminders_accepted(sandbox))) != seen:
            seen, quiet_since = count, time.monotonic()
        await asyncio.sleep(POLL_S)


# ---- the test -----------------------------------------------------------------------------


async def test_two_processes_send_5000_due_reminders_each_exactly_once(
    postgres_url: str, tmp_path: Path
) -> None:
    sandbox = BotApiSandbox(limits=LIMITS)
    await sandbox.start()
    engine = create_engine(postgres_url)
    try:
        telegram_ids = list(range(FIRST_TELEGRAM_ID, FIRST_TELEGRAM_ID + REMINDERS))
        for telegram_id in telegram_ids:
            sandbox.user(telegram_id, f"Volunteer {telegram_id}", language_code="en")
        now = datetime.now(UTC)
        signup_ids = await seed_signups(engine, telegram_ids, now)

        async def all_settled() -> bool:
            return not (await reminder_statuses(engine)).keys() & {"pending", "sending"}

        settings = {"JOBS_INTERVAL_SECONDS": str(JOBS_INTERVAL_S)}
        async with bot_processes(sandbox, postgres_url, tmp_path, PROCESSES, settings) as bots:
            # The reminders appear only once both processes are polling, so neither has a head
            # start: both run their jobs on the same rows from the same moment.
            await until(
                polling(sandbox, bots),
                timeout=STARTUP_TIMEOUT_S,
                what="both bot processes to poll the sandbox",
                bots=bots,
            )
            await add_due_reminders(engine, signup_ids, now)
            due = time.monotonic()
            await until(all_settled, timeout=SETTLE_TIMEOUT_S, what="every reminder", bots=bots)
            print(f"{REMINDERS} reminders settled {time.monotonic() - due:.1f} s after due")
            await until_quiet(sandbox)

        delivered = Counter(
            m.chat_id for m in sandbox.delivered() if (m.text or "").startswith(REMINDER_MARK)
        )
        twice = {chat: count for chat, count in delivered.items() if count > 1}
        assert not twice, f"{len(twice)} volunteers were reminded more than once, e.g. " + str(
            dict(list(twice.items())[:10])
        )
        missing = sorted(set(telegram_ids) - delivered.keys())
        assert not missing, f"{len(missing)} volunteers got no reminder, e.g. {missing[:10]}"
        assert await reminder_statuses(engine) == {"sent": REMINDERS}
        per_address = Counter(via for via, _ in reminders_accepted(sandbox))
        shares = {bot.name: per_address[bot.api_url] for bot in bots}
        print(f"reminders sent per process: {shares}")
        assert all(shares.values()), f"a process sent no reminder: {shares}"
        assert sum(shares.values()) == REMINDERS
    finally:
        await engine.dispose()
        await sandbox.stop()
