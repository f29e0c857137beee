"""The background runner on APScheduler: stopping it lets the run in hand finish, so reminders
it has claimed are settled instead of being left to be sent again after their lease; and the
broadcast sender is told to stop and awaited the same way."""

from __future__ import annotations

import asyncio

from scheduler.runner import Runner

TIME_LIMIT_S = 10


class HeldRun:
    """Stands in for `Jobs`: its run starts, then waits until the test lets it finish."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.finished = 0

    async def run_due(self) -> None:
        self.started.set()
        await self.release.wait()
        self.finished += 1


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
