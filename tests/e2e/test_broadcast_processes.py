"""Calls sent by real `volbot run` processes on one PostgreSQL database, on the real clock:

* a process SIGKILLed in the middle of a call and started again resumes where it was. With
  `resend` everyone is served, and the only people served twice are those whose send was in
  flight at the kill — no more than the uncertain count the report gives, which is at most the
  in-flight bound. With `skip` nobody is served twice;
* two processes share one call: nobody is served twice, both take part, and together they stay
  within the one rate limit (the sandbox, holding Telegram's 30 a second, answers no 429).
"""

from __future__ import annotations

import re
import signal
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from models.db import create_engine
from models.outreach import Broadcast
from sandbox import BotApiSandbox
from tests.e2e.broadcast_world import (
    COORDINATOR,
    call_everyone,
    delivery_statuses,
    notice_answers,
    notices_received,
    seed,
    volunteer_ids,
)
from tests.e2e.processes import bot_processes, polling, start_process, stop, until

pytestmark = pytest.mark.postgres

STARTUP_TIMEOUT_S = 60.0
FINISH_TIMEOUT_S = 90.0
IN_FLIGHT = 16
# The kill test: paid broadcasts at 100 a second, killed once 150 of 600 have arrived; the lease
# is short so that the restarted process takes the killed one's sends back within seconds.
KILL_AUDIENCE, KILL_AFTER, KILL_RATE, LEASE_S = 600, 150, 100, 2
# Two processes at Telegram's own limit: 300 notices take 10 s.
SHARED_AUDIENCE, RATE = 300, 30
UNCERTAIN_LINE = re.compile(r"⚠️ (\d+) send\(s\) timed out or were cut off.*?; (\d+) of them")


def settings(**values: object) -> dict[str, str]:
    base = {"JOBS_INTERVAL_SECONDS": "0.5", "BROADCAST_IN_FLIGHT": str(IN_FLIGHT)}
    return base | {key.upper(): str(value) for key, value in values.items()}


async def finished(database_url: str, broadcast_id: int) -> bool:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            status = await connection.scalar(
                select(Broadcast.status).where(Broadcast.id == broadcast_id)
            )
    finally:
        await engine.dispose()
    return status == "done"


def reported_uncertain(sandbox: BotApiSandbox) -> tuple[int, int]:
    """(uncertain, of them skipped) as the coordinator's final report gives them."""
    report = sandbox.chat_messages(COORDINATOR)[-1].text or ""
    assert "finished" in report, report
    found = UNCERTAIN_LINE.search(report)
    return (int(found[1]), int(found[2])) if found else (0, 0)


@pytest.mark.parametrize("uncertain", ["resend", "skip"])
async def test_a_call_killed_midway_resumes_after_a_restart(
    postgres_url: str, tmp_path: Path, uncertain: str
) -> None:
    sandbox = BotApiSandbox()
    await sandbox.start()
    engine = create_engine(postgres_url)
    people = volunteer_ids(KILL_AUDIENCE)
    chosen = settings(
        paid_broadcast_per_second=KILL_RATE,
        broadcast_lease_seconds=LEASE_S,
        broadcast_uncertain=uncertain,
    )
    try:
        activity = await seed(engine, sandbox, people, datetime.now(UTC))
        async with bot_processes(sandbox, postgres_url, tmp_path, ("a",), chosen) as bots:
            [first] = bots
            await until(polling(sandbox, bots), timeout=STARTUP_TIMEOUT_S, what="a", bots=bots)
            call = await call_everyone(engine, activity, datetime.now(UTC))
            await until(
                lambda: len(notices_received(sandbox)) >= KILL_AFTER,
                timeout=FINISH_TIMEOUT_S,
                what=f"{KILL_AFTER} notices",
                bots=bots,
            )
            first.process.send_signal(signal.SIGKILL)
            await first.process.wait()
            at_kill = len(notices_received(sandbox))
            assert at_kill < KILL_AUDIENCE, "the call ended before the kill"

            second = await start_process(sandbox, postgres_url, tmp_path, "b", chosen)
            bots.append(second)
            await until(
                lambda: finished(postgres_url, call.id),
                timeout=FINISH_TIMEOUT_S,
                what="the call to finish after the restart",
                bots=[second],
            )
            statuses = await _statuses(engine, call.id)

        received = notices_received(sandbox)
        twice = sum(count - 1 for count in received.values())
        reported, skipped = reported_uncertain(sandbox)
        print(f"{at_kill} notices at the kill; uncertain {reported}, skipped {skipped}")
        assert reported <= IN_FLIGHT
        if uncertain == "resend":
            assert set(received) == set(people), "somebody was never served"
            assert twice <= reported
            assert statuses == {"sent": KILL_AUDIENCE}
        else:
            assert twice == 0
            assert skipped == reported
            assert len(received) >= KILL_AUDIENCE - skipped
            assert statuses == {"sent": KILL_AUDIENCE - skipped} | (
                {"uncertain": skipped} if skipped else {}
            )
    finally:
        await engine.dispose()
        await sandbox.stop()


async def _statuses(engine: AsyncEngine, broadcast_id: int) -> dict[str, int]:
    async with engine.connect() as connection:
        return await delivery_statuses(connection, broadcast_id)


async def test_two_processes_share_a_call_within_one_rate_limit(
    postgres_url: str, tmp_path: Path
) -> None:
    sandbox = BotApiSandbox()  # Telegram's limits: about 30 messages a second in all
    await sandbox.start()
    engine = create_engine(postgres_url)
    people = volunteer_ids(SHARED_AUDIENCE)
    try:
        activity = await seed(engine, sandbox, people, datetime.now(UTC))
        chosen = settings(broadcast_rate_per_second=RATE)
        async with bot_processes(sandbox, postgres_url, tmp_path, ("a", "b"), chosen) as bots:
            await until(polling(sandbox, bots), timeout=STARTUP_TIMEOUT_S, what="both", bots=bots)
            call = await call_everyone(engine, activity, datetime.now(UTC))
            await until(
                lambda: finished(postgres_url, call.id),
                timeout=FINISH_TIMEOUT_S,
                what="the call to finish",
                bots=bots,
            )
            for bot in bots:
                await stop(bot.process)

        received = notices_received(sandbox)
        assert set(received) == set(people) and set(received.values()) == {1}
        assert notice_answers(sandbox)[429] == 0
        assert not [c for c in sandbox.calls if c.status == 429]
        accepted = [
            c for c in sandbox.calls if c.ok and c.method == "sendMessage" and c.chat_id in received
        ]
        per_process = {bot.name: sum(c.via == bot.api_url for c in accepted) for bot in bots}
        print(f"notices per process: {per_process}")
        assert all(per_process.values()), per_process
        times = sorted(c.time for c in accepted)
        rate = (len(times) - 1) / (times[-1] - times[0])
        print(f"combined rate {rate:.2f} messages a second")
        assert rate <= RATE * 1.02
    finally:
        await engine.dispose()
        await sandbox.stop()
