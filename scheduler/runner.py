"""Runs the background jobs on an interval with APScheduler while the bot serves updates."""

from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from scheduler.jobs import Jobs


class Runner:
    def __init__(self, jobs: Jobs, *, interval_s: float) -> None:
        self.jobs = jobs
        self.scheduler = AsyncIOScheduler()
        # One run at a time; a run that falls behind is merged into the next, not queued.
        self.scheduler.add_job(
            jobs.run_due,
            IntervalTrigger(seconds=interval_s),
            id="due-work",
            max_instances=1,
            coalesce=True,
        )

    def start(self) -> None:
        self.scheduler.start()

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
