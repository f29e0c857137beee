"""The background runner on APScheduler: stopping it lets the run in hand finish, so reminders
it has claimed are settled instead of being left to be sent again after their lease."""

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


async def test_stopping_waits_for_the_run_in_hand_and_starts_no_other() -> None:
    jobs = HeldRun()
    runner = Runner(jobs, interval_s=0.01)  # type: ignore[arg-type]
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
    runner = Runner(jobs, interval_s=0.01)  # type: ignore[arg-type]
    runner.start()
    async with asyncio.timeout(TIME_LIMIT_S):
        await jobs.started.wait()
        await runner.stop(timeout_s=0.01)
    assert jobs.finished == 0 and not runner.scheduler.running
    jobs.release.set()
