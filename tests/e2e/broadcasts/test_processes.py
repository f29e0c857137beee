"""Calls sent by real `volbot run` processes on one PostgreSQL database, on the real clock:

* a process SIGKILLed in the middle of a call and started again resumes where it was. With
  `resend` everyone is served, and the only people served twice are those whose send was in
  flight at the kill — no more than the uncertain count the report gives, which is at most the
  in-flight bound. With `skip` nobody is served twice;
* two processes share one call: nobody is served twice, both take part, and together they stay
  within the one rate limit (the sandbox, holding Telegram's 30 a second, answers no 429).
"""

from __future__ import annotations

import asyncio
import re
import signal
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from models.broadcasts.tables import Broadcast
from models.db import create_engine
from sandbox import BotApiSandbox
from tests.e2e.broadcasts.broadcast_world import (
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
# The kill test: paid broadcasts at 200 a second, killed once 150 of 400 have arrived; the lease
# is short so that the restarted process takes the killed one's sends back within seconds.
KILL_AUDIENCE, KILL_AFTER, KILL_RATE, LEASE_S = 400, 150, 200, 2
SHUTDOWN_LIMIT_S = 5  # SIGTERM: the process must be gone within this
# Two processes at Telegram's own limit: 300 notices take 10 s.
SHARED_AUDIENCE, RATE = 300, 30
UNCERTAIN_LINE = re.compile(
    r"⚠️ (\d+) messages? timed out or (?:was|were) cut off.*?; (\d+) of them"
)


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


@dataclass
class Interrupted:
    """What a call stopped midway and resumed by a second process came to."""

    at_stop: int  # notices the sandbox had accepted when the first process was stopped
    stop_seconds: float  # from the signal to the process's exit
    exit_code: int | None
    received: Counter[int]
    statuses: dict[str, int]
    reported: tuple[int, int]  # (uncertain, of them skipped) in the coordinator's report


async def interrupt_a_call(
    postgres_url: str, workdir: Path, sig: signal.Signals, chosen: dict[str, str]
) -> Interrupted:
    """A call at KILL_RATE; the process gets `sig` once KILL_AFTER notices have arrived, and a
    new process (on another sandbox address) finishes it."""
    sandbox = BotApiSandbox()
    await sandbox.start()
    engine = create_engine(postgres_url)
    try:
        activity = await seed(engine, sandbox, volunteer_ids(KILL_AUDIENCE), datetime.now(UTC))
        async with bot_processes(sandbox, postgres_url, workdir, ("a",), chosen) as bots:
            [first] = bots
            await until(polling(sandbox, bots), timeout=STARTUP_TIMEOUT_S, what="a", bots=bots)
            call = await call_everyone(engine, activity, datetime.now(UTC))
            await until(
                lambda: len(notices_received(sandbox)) >= KILL_AFTER,
                timeout=FINISH_TIMEOUT_S,
                what=f"{KILL_AFTER} notices",
                bots=bots,
            )
            signalled = time.monotonic()
            first.process.send_signal(sig)
            await asyncio.wait_for(first.process.wait(), FINISH_TIMEOUT_S)
            stop_seconds = time.monotonic() - signalled
            at_stop = len(notices_received(sandbox))
            assert at_stop < KILL_AUDIENCE, "the call ended before the process was stopped"

            second = await start_process(sandbox, postgres_url, workdir, "b", chosen)
            bots.append(second)
            await until(
                lambda: finished(postgres_url, call.id),
                timeout=FINISH_TIMEOUT_S,
                what="the call to finish after the restart",
                bots=[second],
            )
            async with engine.connect() as connection:
                statuses = await delivery_statuses(connection, call.id)
        interrupted = Interrupted(
            at_stop,
            stop_seconds,
            first.process.returncode,
            notices_received(sandbox),
            statuses,
            reported_uncertain(sandbox),
        )
        twice = sum(count - 1 for count in interrupted.received.values())
        print(
            f"{sig.name}: {at_stop} notices at the stop, exit {first.process.returncode} after "
            f"{stop_seconds:.2f} s; {statuses}; uncertain {interrupted.reported}, twice {twice}"
        )
        return interrupted
    finally:
        await engine.dispose()
        await sandbox.stop()


@pytest.mark.parametrize("uncertain", ["resend", "skip"])
async def test_a_call_killed_midway_resumes_after_a_restart(
    postgres_url: str, tmp_path: Path, uncertain: str
) -> None:
    chosen = settings(
        paid_broadcast_per_second=KILL_RATE,
        broadcast_lease_seconds=LEASE_S,
        broadcast_uncertain=uncertain,
    )
    result = await interrupt_a_call(postgres_url, tmp_path, signal.SIGKILL, chosen)
    received = result.received
    twice = sum(count - 1 for count in received.values())
    reported, skipped = result.reported
    assert reported <= IN_FLIGHT
    if uncertain == "resend":
        assert set(received) == set(volunteer_ids(KILL_AUDIENCE)), "somebody was never served"
        assert twice <= reported
        assert result.statuses == {"sent": KILL_AUDIENCE}
    else:
        assert twice == 0
        assert skipped == reported
        assert len(received) >= KILL_AUDIENCE - skipped
        assert result.statuses == {"sent": KILL_AUDIENCE - skipped} | (
            {"uncertain": skipped} if skipped else {}
        )


async def test_sigterm_midway_exits_in_time_and_the_next_process_resumes_without_duplicates(
    postgres_url: str, tmp_path: Path
) -> None:
    chosen = settings(
        paid_broadcast_per_second=KILL_RATE,
        broadcast_lease_seconds=LEASE_S,
        shutdown_timeout_seconds=SHUTDOWN_LIMIT_S,
    )
    result = await interrupt_a_call(postgres_url, tmp_path, signal.SIGTERM, chosen)
    assert result.exit_code == 0
    assert result.stop_seconds <= SHUTDOWN_LIMIT_S
    # The sends in hand were finished and recorded: nothing uncertain, nobody served twice.
    assert result.reported == (0, 0)
    assert set(result.received) == set(volunteer_ids(KILL_AUDIENCE))
    assert set(result.received.values()) == {1}
    assert result.statuses == {"sent": KILL_AUDIENCE}


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
