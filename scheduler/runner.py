"""Runs the background jobs on an interval with APScheduler, and the broadcast sender in a loop
of its own (a call runs for hours and must not hold up reminders), while the bot serves updates."""

from __future__ import annotations

import asyncio
import logging
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
        self._sending: asyncio.Task[None] | None = None
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
            await self.jobs.run_due()
        finally:
            self._idle.set()

    def alive(self) -> bool:
        """The timed jobs are scheduled and the broadcast sender's loop is running."""
        sending = self._sending is not None and not self._sending.done()
        return self.scheduler.running and sending

    def start(self) -> None:
        self.scheduler.start()
        self._sending = asyncio.get_running_loop().create_task(self._send_broadcasts())

    async def _send_broadcasts(self) -> None:
        """Send calls until stopped; when none is due, look again after the interval."""
        while not self._stopping.is_set():
            try:
                await self.sender.run()
            except Exception:
                log.exception("the broadcast sender failed; trying again")
            try:
                await asyncio.wait_for(self._stopping.wait(), self.interval_s)
            except TimeoutError:
                pass

    async def stop(self, *, timeout_s: float = 30.0) -> None:
        """Start no new run, and let the runs in hand — timed jobs and broadcast sends — finish
        together within `timeout_s`: stopping them mid-send would leave their claimed reminders
        and messages to be sent again when their leases end."""
        if not self.scheduler.running:
            return
        self._stopping.set()
        self.sender.stop()
        self.scheduler.pause()
        in_hand: list[asyncio.Future[Any]] = [asyncio.ensure_future(self._idle.wait())]
        if self._sending is not None:
            in_hand.append(self._sending)
        _, late = await asyncio.wait(in_hand, timeout=timeout_s)
        if late:
            log.warning("background work still running after %.1f s; stopping it", timeout_s)
            for task in late:
                task.cancel()
        self.scheduler.shutdown(wait=False)
        await asyncio.sleep(0)  # AsyncIOScheduler shuts down from a loop callback: let it run
