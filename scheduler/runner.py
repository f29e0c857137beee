"""Runs the background jobs on an interval with APScheduler while the bot serves updates, and two
senders in loops of their own: reminders, each sent when it falls due rather than at the next
tick, and broadcasts (a call runs for hours and must hold up nothing else)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from scheduler.broadcasts import BroadcastSender
from scheduler.jobs import Jobs

log = logging.getLogger(__name__)


class Runner:
    def __init__(self, jobs: Jobs, sender: BroadcastSender, *, interval_s: float) -> None:
        self.jobs = jobs
        self.sender = sender
        self.interval_s = interval_s
        self._loops: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self.scheduler = AsyncIOScheduler()
        self._idle = asyncio.Event()
        self._idle.set()
        # One run at a time; a run that falls behind is merged into the next, not queued.
        self.scheduler.add_job(
            self._run,
            IntervalTrigger(seconds=interval_s),
            id="due-work",
            max_instances=1,
            coalesce=True,
        )

    async def _run(self) -> None:
        self._idle.clear()
        try:
            await self.jobs.run_timed()
        finally:
            self._idle.set()

    def alive(self) -> bool:
        """The timed jobs are scheduled and both senders' loops are running."""
        looping = bool(self._loops) and not any(task.done() for task in self._loops)
        return self.scheduler.running and looping

    def start(self) -> None:
        self.scheduler.start()
        loop = asyncio.get_running_loop()
        self._loops = [
            loop.create_task(self._repeat(self._send_reminders, "the reminder sender")),
            loop.create_task(self._repeat(self._send_broadcasts, "the broadcast sender")),
        ]

    async def _send_reminders(self) -> float:
        await self.jobs.send_reminders()
        return await self.jobs.next_reminder_in(self.interval_s)

    async def _send_broadcasts(self) -> float:
        await self.sender.run()
        return self.interval_s  # none due any more: look again after the interval

    async def _repeat(self, work: Callable[[], Awaitable[float]], name: str) -> None:
        """Run `work` until stopped, each time after the pause it asked for (the interval after
        a failure)."""
        while not self._stopping.is_set():
            try:
                pause = await work()
            except Exception:
                log.exception("%s failed; trying again", name)
                pause = self.interval_s
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), pause)

    async def stop(self, *, timeout_s: float = 30.0) -> None:
        """Start no new run, and let the runs in hand — timed jobs, reminder and broadcast sends
        — finish together within `timeout_s`: stopping them mid-send would leave their claimed
        reminders and messages to be sent again when their leases end."""
        if not self.scheduler.running:
            return
        self._stopping.set()
        self.sender.stop()
        self.scheduler.pause()
        in_hand: list[asyncio.Future[Any]] = [asyncio.ensure_future(self._idle.wait())]
        in_hand += self._loops
        _, late = await asyncio.wait(in_hand, timeout=timeout_s)
        if late:
            log.warning("background work still running after %.1f s; stopping it", timeout_s)
            for task in late:
                task.cancel()
        self.scheduler.shutdown(wait=False)
        await asyncio.sleep(0)  # AsyncIOScheduler shuts down from a loop callback: let it run
