"""The background runner on APScheduler: stopping it lets the run in hand finish, so reminders
it has claimed are settled instead of being left to be sent again after their lease; the
broadcast sender is told to stop and awaited the same way; and reminders are sent in a loop of
their own that runs again as soon as the next one falls due, not at the next interval."""

from __future__ import annotations

import asyncio

from scheduler.runner import Runner

TIME_LIMIT_S = 10


class HeldRun:
    """Stands in for `Jobs`: its timed run starts, then waits until the test lets it finish; it
    has no reminders (the next is always `most_s` away)."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.finished = 0
        self.reminder_runs = 0

    async def run_timed(self) -> None:
        self.started.set()
        await self.release.wait()
        self.finished += 1

    async def send_reminders(self) -> int:
        self.reminder_runs += 1
        return 0

    async def next_reminder_in(self, most_s: float) -> float:
        return most_s


class RemindersDue(HeldRun):
    """`Jobs` whose next reminder is due at once for the first `due_runs` runs."""

    def __init__(self, due_runs: int) -> None:
        super().__init__()
        self.due_runs = due_runs
        self.done = asyncio.Event()

    async def next_reminder_in(self, most_s: float) -> float:
        if self.reminder_runs < self.due_runs:
            return 0.0
        self.done.set()
        return most_s


class Sender:
    """Stands in for `BroadcastSender`: a run sends nothing, or (held) waits until stopped and
    then until the test lets its sends in hand finish."""

    def __init__(self, *, held: bool = False) -> None:
        self.held = held
        self.running = asyncio.Event()
        self.stopped = asyncio.Event()
        self.release = asyncio.Event()
        self.runs = 0

    async def run(self) -> int:
        self.runs += 1
        self.running.set()
        if self.held:
            await self.stopped.wait()
            await self.release.wait()
        return 0

    def stop(self) -> None:
        self.stopped.set()


async def test_stopping_waits_for_the_run_in_hand_and_starts_no_other() -> None:
    jobs = HeldRun()
    runner = Runner(jobs, Sender(), interval_s=0.01)  # type: ignore[arg-type]
    runner.start()
    async with asyncio.timeout(TIME_LIMIT_S):
        await jobs.started.wait()
        stopping = asyncio.create_task(runner.stop(timeout_s=TIME_LIMIT_S))
        await asyncio.sleep(0)  # let stop() pause the scheduler and begin waiting
        assert not stopping.done()
        jobs.release.set()
        await stopping
    assert jobs.finished == 1
    assert not runner.scheduler.running


async def test_a_run_that_overstays_the_limit_is_left_behind() -> None:
    jobs = HeldRun()
    runner = Runner(jobs, Sender(), interval_s=0.01)  # type: ignore[arg-type]
    runner.start()
    async with asyncio.timeout(TIME_LIMIT_S):
        await jobs.started.wait()
        await runner.stop(timeout_s=0.01)
    assert jobs.finished == 0 and not runner.scheduler.running
    jobs.release.set()


async def test_stopping_stops_the_broadcast_sender_and_waits_for_its_sends_in_hand() -> None:
    sender = Sender(held=True)
    jobs = HeldRun()
    jobs.release.set()  # the timed jobs finish at once; only the sender holds on
    runner = Runner(jobs, sender, interval_s=0.01)  # type: ignore[arg-type]
    runner.start()
    async with asyncio.timeout(TIME_LIMIT_S):
        await sender.running.wait()
        stopping = asyncio.create_task(runner.stop(timeout_s=TIME_LIMIT_S))
        await sender.stopped.wait()
        for _ in range(5):  # let stop() go as far as it can while the sends are in hand
            await asyncio.sleep(0)
        assert not stopping.done()
        sender.release.set()
        await stopping
    assert sender.runs == 1


async def test_reminders_run_again_as_soon_as_the_next_is_due_not_at_the_interval() -> None:
    jobs = RemindersDue(due_runs=5)
    runner = Runner(jobs, Sender(), interval_s=3600)  # type: ignore[arg-type]
    runner.start()
    async with asyncio.timeout(TIME_LIMIT_S):  # an hour's interval would end the test here
        await jobs.done.wait()
    assert jobs.reminder_runs == 5
    assert runner.alive()
    jobs.release.set()
    await runner.stop(timeout_s=TIME_LIMIT_S)
    assert jobs.reminder_runs == 5 and not runner.alive()
