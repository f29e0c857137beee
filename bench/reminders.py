"""Benchmark: a city's pending reminders are rows, not timers — what that costs and how late
they are.

`python bench/reminders.py --reminders 1000000` makes N pending reminders in a fresh database the
way a deployment holds them (two per confirmed sign-up: 24 h and 2 h before), then runs the real
bot (`volbot run`, in its own process, unchanged) against the local Bot API sandbox while
`--per-second` of them fall due each second for `--seconds`, and measures the time to create the
rows, the database's size, the bot process's peak memory, and each reminder's lag from its due
time to the sandbox receiving its sendMessage. Side by side, the naive design — one APScheduler
job per reminder in a MemoryJobStore — is built for the same reminders in a third process, for its
memory and start-up time.

Progress goes to stderr; the last line on stdout is one JSON object. README, "Benchmarks",
explains each figure and what it counts.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import time
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import uvloop
from common import (
    Load,
    cpu_seconds,
    drive,
    in_data_dir,
    memory_mb,
    percentile,
    say,
    telegram_id,
    volunteer_rows,
)
from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.settings import Settings
from migrations import upgrade
from models.activities.tables import Activity, Shift, Signup
from models.base import Base
from models.db import create_engine, is_sqlite, session_factory
from models.reference import Theme
from models.registration.tables import Volunteer
from models.reminders.before_shift import kind_for
from models.reminders.tables import Reminder
from models.teams import roles

if TYPE_CHECKING:
    from sandbox.server import BotApiSandbox

# The deployment's default REMINDER_OFFSETS_HOURS (24,2): each confirmed sign-up holds two.
OFFSETS = (timedelta(hours=24), timedelta(hours=2))
SHIFT_SIZE = 20  # volunteers per shift
SHIFT_LENGTH = timedelta(hours=3)
SHIFTS_PER_ACTIVITY = 5
SIGNUPS_PER_VOLUNTEER = 5
CHUNK = 10_000  # rows per INSERT executemany, each chunk committed on its own
# Reminders outside the measured window fall due 1 to 29 days later (shifts 2 to 30 days away,
# on the quarter hour), so the bot holds them all but sends none of them during the run.
FUTURE_FROM, FUTURE_SPAN_MINUTES, START_GRID_MINUTES = timedelta(days=2), 28 * 24 * 60, 15
PLACEHOLDER_START = timedelta(days=40)  # where the window's shifts wait until it opens
LEAD_S = 3.0  # the window opens this long after the bot is polling
QUIET_S = 15.0  # after the last due time, stop waiting once nothing arrived for this long
STARTUP_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 30.0
SETTLE_TIMEOUT_S = 15.0
POLL_S = 0.25  # how often the benchmark looks at the sandbox and the database
PAID_BROADCAST_PER_SECOND = 1000  # Telegram's paid-broadcast level (sandbox/limits.py)
SEED = 20260105
UPDATE_USERS = 500  # volunteers sending updates (--with-updates), each waiting for its reply


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


# ---- the world that carries N reminders ------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Sign-ups of volunteers on shifts of activities, enough for `reminders` rows. Sign-ups
    are numbered 0…: the `background` ones first, then the `window` ones, whose day-before
    reminders fall due while the bot runs, each for a different volunteer (so a sandbox chat
    receives exactly one message and tells whose reminder arrived)."""

    reminders: int
    window: int

    @property
    def signups(self) -> int:
        return self.reminders // len(OFFSETS)

    @property
    def background(self) -> int:
        return self.signups - self.window

    @property
    def volunteers(self) -> int:
        return max(self.window, SHIFT_SIZE, ceil_div(self.signups, SIGNUPS_PER_VOLUNTEER))

    @property
    def background_shifts(self) -> int:
        return ceil_div(self.background, SHIFT_SIZE)

    @property
    def shifts(self) -> int:
        return self.background_shifts + ceil_div(self.window, SHIFT_SIZE)

    @property
    def activities(self) -> int:
        return ceil_div(self.shifts, SHIFTS_PER_ACTIVITY)

    def placement(self, signup: int) -> tuple[int, int]:
        """(shift id, volunteer id) of sign-up number `signup`; unique per shift because a
        shift's sign-ups are consecutive numbers and there are at least SHIFT_SIZE volunteers."""
        if signup < self.background:
            return signup // SHIFT_SIZE + 1, signup % self.volunteers + 1
        w = signup - self.background
        return self.background_shifts + w // SHIFT_SIZE + 1, w + 1


def shift_starts(layout: Layout, now: datetime) -> list[datetime]:
    rng = random.Random(SEED)
    grid = START_GRID_MINUTES
    background = [
        now + FUTURE_FROM + timedelta(minutes=rng.randrange(0, FUTURE_SPAN_MINUTES, grid))
        for _ in range(layout.background_shifts)
    ]
    waiting = [now + PLACEHOLDER_START] * (layout.shifts - layout.background_shifts)
    return background + waiting


def activity_rows(
    layout: Layout, team_id: int, theme_id: int, now: datetime
) -> Iterator[dict[str, Any]]:
    for a in range(1, layout.activities + 1):
        yield {
            "id": a,
            "team_id": team_id,
            "theme_id": theme_id,
            "title": f"Beach clean-up {a}",
            "description": "Bring gloves.",
            "address": "Huandao Road 1",
            "status": "published",
            "link_token": f"bench{a}",
            "created_by": 1,
            "created_at": now,
            "updated_at": now,
        }


def shift_rows(starts: list[datetime]) -> Iterator[dict[str, Any]]:
    for s, starts_at in enumerate(starts, start=1):
        yield {
            "id": s,
            "activity_id": (s - 1) // SHIFTS_PER_ACTIVITY + 1,
            "starts_at": starts_at,
            "ends_at": starts_at + SHIFT_LENGTH,
            "capacity": SHIFT_SIZE,
            "status": "open",
        }


def signup_rows(layout: Layout, now: datetime) -> Iterator[dict[str, Any]]:
    for j in range(layout.signups):
        shift_id, volunteer_id = layout.placement(j)
        yield {
            "id": j + 1,
            "shift_id": shift_id,
            "volunteer_id": volunteer_id,
            "status": "confirmed",
            "queued_at": now - timedelta(days=1),
            "updated_at": now - timedelta(days=1),
        }


def reminder_id(signup: int, offset_index: int) -> int:
    return signup * len(OFFSETS) + offset_index + 1


def reminder_rows(layout: Layout, starts: list[datetime]) -> Iterator[dict[str, Any]]:
    """What `models.reminders.before_shift.follow` writes for each confirmed sign-up, in bulk."""
    for j in range(layout.signups):
        shift_id, _ = layout.placement(j)
        for k, offset in enumerate(OFFSETS):
            yield {
                "id": reminder_id(j, k),
                "signup_id": j + 1,
                "kind": kind_for(offset),
                "due_at": starts[shift_id - 1] - offset,
                "status": "pending",
            }


def chunks(rows: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, CHUNK)):
        yield chunk


async def bulk_insert(
    engine: AsyncEngine, model: type[Base], rows: Iterable[dict[str, Any]]
) -> None:
    """Core INSERT executemany on a connection (no ORM unit of work), a chunk per commit."""
    for chunk in chunks(rows):
        async with engine.begin() as connection:
            await connection.execute(insert(model), chunk)


async def team_and_theme(engine: AsyncEngine, now: datetime) -> tuple[int, int]:
    async with session_factory(engine)() as session, session.begin():
        team = await roles.create_team(session, "Benchmark Volunteer Team", now=now)
        theme_id = await session.scalar(select(Theme.id).order_by(Theme.id).limit(1))
        assert theme_id is not None, "the migration seeds themes"
        return team.id, theme_id


async def create_world(engine: AsyncEngine, layout: Layout, now: datetime) -> float:
    """Volunteers, activities, shifts and confirmed sign-ups, then their reminders; returns the
    seconds the reminder rows alone took (the rest is what any deployment already has)."""
    team_id, theme_id = await team_and_theme(engine, now)
    starts = shift_starts(layout, now)
    say(
        f"creating {layout.volunteers:,} volunteers, {layout.activities:,} activities, "
        f"{layout.shifts:,} shifts, {layout.signups:,} confirmed sign-ups"
    )
    await bulk_insert(engine, Volunteer, volunteer_rows(layout.volunteers, now))
    await bulk_insert(engine, Activity, activity_rows(layout, team_id, theme_id, now))
    await bulk_insert(engine, Shift, shift_rows(starts))
    await bulk_insert(engine, Signup, signup_rows(layout, now))
    say(f"creating {layout.reminders:,} pending reminders")
    began = time.perf_counter()
    await bulk_insert(engine, Reminder, reminder_rows(layout, starts))
    seconds = time.perf_counter() - began
    if not is_sqlite(str(engine.url)):
        await advance_sequences(engine)
    return seconds


async def advance_sequences(engine: AsyncEngine) -> None:
    """Rows were given their ids, so PostgreSQL's sequences must move past them for the bot's
    own inserts."""
    async with engine.begin() as connection:
        for table in ("volunteers", "activities", "shifts", "signups", "reminders"):
            await connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            )


async def database_mb(engine: AsyncEngine, url: str) -> float:
    """The database's size on disk: the SQLite file (checkpointed, so the WAL is in it), or
    pg_database_size on PostgreSQL."""
    if is_sqlite(url):
        async with engine.connect() as connection:
            await connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        return sqlite_mb(Path(engine.url.database or ""))
    async with engine.connect() as connection:
        size = await connection.scalar(text("SELECT pg_database_size(current_database())"))
    return int(size or 0) / 2**20


def sqlite_mb(path: Path) -> float:
    wal = path.with_name(path.name + "-wal")
    return (path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)) / 2**20


async def ensure_empty(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        if await connection.scalar(select(func.count(Volunteer.id))):
            raise SystemExit("bench: the database is not empty; give a fresh one")


async def create(url: str, layout: Layout) -> tuple[float, float]:
    engine = create_engine(url)
    try:
        await ensure_empty(engine)
        create_s = await create_world(engine, layout, datetime.now(UTC))
        return create_s, await database_mb(engine, url)
    finally:
        await engine.dispose()


# ---- the window: reminders falling due while the bot runs -----------------------------------


async def open_window(
    engine: AsyncEngine, layout: Layout, per_second: int, start: datetime
) -> dict[int, float]:
    """Move the window's shifts so that their day-before reminders fall due from `start`,
    `per_second` each second (a shift's SHIFT_SIZE people at once); returns each recipient's
    Telegram id → due time (epoch seconds)."""
    shifts: list[dict[str, object]] = []
    due_rows: list[dict[str, object]] = []
    chats: dict[int, float] = {}
    for w in range(layout.window):
        signup = layout.background + w
        shift_id, volunteer_id = layout.placement(signup)
        due = start + timedelta(seconds=(w // SHIFT_SIZE) * SHIFT_SIZE / per_second)
        starts_at = due + OFFSETS[0]
        if w % SHIFT_SIZE == 0:
            ends_at = starts_at + SHIFT_LENGTH
            shifts.append({"s_id": shift_id, "s_start": starts_at, "s_end": ends_at})
        for k, offset in enumerate(OFFSETS):
            due_rows.append({"r_id": reminder_id(signup, k), "r_due": starts_at - offset})
        chats[telegram_id(volunteer_id)] = due.timestamp()
    async with engine.begin() as connection:
        await connection.execute(
            update(Shift)
            .where(Shift.id == bindparam("s_id"))
            .values(starts_at=bindparam("s_start"), ends_at=bindparam("s_end")),
            shifts,
        )
        await connection.execute(
            update(Reminder)
            .where(Reminder.id == bindparam("r_id"))
            .values(due_at=bindparam("r_due")),
            due_rows,
        )
    return chats


async def settled(engine: AsyncEngine) -> None:
    """Give the bot's last batch time to record its results (stopping it mid-batch would leave
    rows `sending`, which its lease hands out again later)."""
    for _ in range(round(SETTLE_TIMEOUT_S / POLL_S)):
        if not (await statuses(engine)).get("sending"):
            return
        await asyncio.sleep(POLL_S)


async def statuses(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(Reminder.status, func.count()).group_by(Reminder.status)
        )
        return {status: count for status, count in rows}


# ---- the bot process -------------------------------------------------------------------------


@dataclass
class BotFigures:
    rss_mb: float
    lags: list[float]  # of the window's reminders that arrived (report_run says how many)
    updates: dict[str, Any]  # the updates' figures (--with-updates), see `updates_figures`


def open_log(path: Path) -> IO[bytes]:
    return path.open("wb")


async def spawn_bot(
    args: argparse.Namespace, url: str, api_url: str, token: str, data_dir: Path
) -> asyncio.subprocess.Process:
    """`volbot run`, exactly as deployed, pointed at the sandbox; its log goes to bot.log."""
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": token,
        "TELEGRAM_API_BASE_URL": api_url,
        "DATABASE_URL": url,
        "BOT_FRAMEWORK": args.framework,
        "JOBS_INTERVAL_SECONDS": str(args.interval),
        "HTTP_PORT": "0",  # no health and metrics server: nothing here reads it
        "DEFAULT_LANGUAGE": "en",
        "LOG_LEVEL": "WARNING",
    }
    log = open_log(data_dir / "bot.log")
    try:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", cwd=data_dir, env=env, stdout=log, stderr=log
        )
    finally:
        log.close()


async def until_polling(
    sandbox: BotApiSandbox, process: asyncio.subprocess.Process, log: Path
) -> None:
    """Wait for the bot's first long poll; stop with its log if it exits or never polls."""
    polling = asyncio.ensure_future(sandbox.wait_for_poll(timeout=STARTUP_TIMEOUT_S))
    exited = asyncio.ensure_future(process.wait())
    await asyncio.wait((polling, exited), return_when=asyncio.FIRST_COMPLETED)
    exited.cancel()
    if not polling.done() or polling.exception() is not None:
        polling.cancel()
        raise SystemExit(f"bench: the bot did not start; the end of {log}:\n{tail(log)}")


def tail(log: Path, lines: int = 20) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


async def stop_bot(process: asyncio.subprocess.Process) -> None:
    """SIGTERM, as a service manager stops it; killed if it does not stop in time."""
    if process.returncode is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), STOP_TIMEOUT_S)
    except TimeoutError:
        process.kill()
        await process.wait()


@dataclass
class Arrivals:
    """The window's reminders as the sandbox received them (first sendMessage per chat)."""

    due: dict[int, float]
    clock_offset: float  # wall time minus the sandbox's monotonic clock
    lags: dict[int, float]
    refused: int = 0
    seen_calls: int = 0

    def sent_at(self) -> list[float]:
        return [self.due[chat] + lag for chat, lag in self.lags.items()]

    def take(self, sandbox: BotApiSandbox) -> int:
        """Read the calls that came in since the last look; how many reminders were new."""
        calls = sandbox.calls[self.seen_calls :]
        self.seen_calls += len(calls)
        new = 0
        for call in calls:
            if call.method != "sendMessage" or call.chat_id not in self.due:
                continue
            if call.status != 200:
                self.refused += 1
            elif call.chat_id not in self.lags:
                self.lags[call.chat_id] = call.time + self.clock_offset - self.due[call.chat_id]
                new += 1
        return new


async def collect(sandbox: BotApiSandbox, due: dict[int, float], drain_s: float) -> Arrivals:
    """Watch the sandbox until every window reminder arrived, or nothing more arrived for
    QUIET_S after the last due time, or `drain_s` after it."""
    arrivals = Arrivals(due, time.time() - time.monotonic(), {})
    last_due = max(due.values())
    last_new = time.time()
    while len(arrivals.lags) < len(due):
        await asyncio.sleep(POLL_S)
        now = time.time()
        if arrivals.take(sandbox):
            last_new = now
        if now > last_due + drain_s or (now > last_due and now - last_new > QUIET_S):
            break
    arrivals.take(sandbox)
    return arrivals


def make_sandbox(rate: float, rtt_s: float) -> BotApiSandbox:
    """The sandbox with `rate` messages a second overall, answering each request `rtt_s` late,
    half before and half after handling it: loopback has no network, Telegram is a round trip
    away, and the bot sends CONCURRENT_SENDS at a time."""
    # Imported here so that the naive design's process does not load the sandbox (aiohttp
    # server) that the bot process does not load either: the two peaks compare like for like.
    from aiohttp import web
    from aiohttp.typedefs import Handler

    from sandbox.limits import Limits
    from sandbox.server import BotApiSandbox

    @web.middleware
    async def far_away(request: web.Request, handler: Handler) -> web.StreamResponse:
        await asyncio.sleep(rtt_s / 2)
        response = await handler(request)
        await asyncio.sleep(rtt_s / 2)
        return response

    class DistantSandbox(BotApiSandbox):
        def app(self) -> web.Application:
            app = super().app()
            if rtt_s > 0:
                app.middlewares.append(far_away)
            return app

    return DistantSandbox(limits=Limits(global_per_second=rate, global_burst=int(rate)))


def updates_figures(load: Load | None) -> dict[str, Any]:
    """The incoming updates' figures (bench/updates.py's): how many were sent and answered,
    the answers' latency, and those left unanswered."""
    if load is None:
        return {}
    latencies = load.latencies
    return {
        "updates_sent": load.sent,
        "updates_handled": len(latencies),
        "updates_unanswered": len(load.waiting),
        "updates_p50_ms": round(percentile(latencies, 0.50) * 1000, 1) if latencies else None,
        "updates_p99_ms": round(percentile(latencies, 0.99) * 1000, 1) if latencies else None,
    }


def updating(args: argparse.Namespace, layout: Layout) -> range:
    """The volunteers who send updates (--with-updates): after the window's, who get its
    reminders, so that a reminder and a reply are never in the same chat."""
    first = layout.window + 1
    return range(first, min(layout.volunteers, layout.window + UPDATE_USERS) + 1)


async def measure_bot(args: argparse.Namespace, url: str, layout: Layout) -> BotFigures:
    """Run the bot against the sandbox while the window's reminders fall due (and, with
    --with-updates, while volunteers send commands at that rate)."""
    sandbox = make_sandbox(args.messages_per_second, args.rtt_ms / 1000)
    api_url = await sandbox.start()
    for v in range(1, layout.window + 1):
        sandbox.user(telegram_id(v), f"Volunteer {v}", language_code="en")
    load = Load.of(sandbox, updating(args, layout)) if args.with_updates else None
    sending: asyncio.Task[float] | None = None
    engine = create_engine(url)
    spawned = time.perf_counter()
    process = await spawn_bot(args, url, api_url, sandbox.token, args.data_dir)
    try:
        await until_polling(sandbox, process, args.data_dir / "bot.log")
        say(
            f"bot (pid {process.pid}) polling after {time.perf_counter() - spawned:.1f} s, "
            f"RSS {memory_mb(process.pid, 'VmRSS'):.1f} MB"
        )
        start = datetime.now(UTC) + timedelta(seconds=LEAD_S)
        due = await open_window(engine, layout, args.per_second, start)
        if datetime.now(UTC) > start:
            say("warning: the window opened late; early reminders show extra lag")
        say(f"{len(due):,} reminders fall due from {start:%H:%M:%S} over {args.seconds} s")
        say(f"load average {os.getloadavg()[0]:.2f} (other work on the machine skews the lag)")
        if load is not None:
            say(f"{len(load.users)} volunteers send {args.with_updates:g} updates a second")
            load_s = LEAD_S + args.seconds
            sending = asyncio.create_task(drive(load, args.with_updates, load_s))
        cpu_before, began = cpu_seconds(process.pid), time.monotonic()
        arrivals = await collect(sandbox, due, args.drain_timeout)
        if sending is not None and load is not None:
            await sending
            figures = updates_figures(load)
            say(
                "updates: {updates_sent:,} sent, {updates_handled:,} answered, p50 "
                "{updates_p50_ms} ms, p99 {updates_p99_ms} ms".format(**figures)
            )
        await settled(engine)
        busy = (cpu_seconds(process.pid) - cpu_before) / (time.monotonic() - began)
        rss_mb = memory_mb(process.pid, "VmHWM")
        say(f"load average {os.getloadavg()[0]:.2f}; the bot used {busy:.0%} of a core meanwhile")
        say(f"bot peak RSS {rss_mb:.1f} MB (now {memory_mb(process.pid, 'VmRSS'):.1f} MB)")
        await stop_bot(process)
        report_run(arrivals, await statuses(engine), args.data_dir / "bot.log")
    finally:
        if sending is not None:
            sending.cancel()
        await stop_bot(process)
        await sandbox.stop()
        await engine.dispose()
    return BotFigures(rss_mb, list(arrivals.lags.values()), updates_figures(load))


def report_run(arrivals: Arrivals, counts: dict[str, int], log: Path) -> None:
    lags = sorted(arrivals.lags.values())
    say(f"delivered {len(lags):,} of {len(arrivals.due):,} window reminders")
    if lags:
        say(f"lag min {lags[0]:.3f} s, mean {sum(lags) / len(lags):.3f} s, max {lags[-1]:.3f} s")
        first_due, last_sent = min(arrivals.due.values()), max(arrivals.sent_at())
        say(f"sent {len(lags) / (last_sent - first_due):.0f} a second from the first due time")
    say(f"sendMessage answered 429 or another error: {arrivals.refused:,} times")
    say(f"reminder rows by status after the run: {counts}")
    warnings = [line for line in log.read_text().splitlines() if "WARNING" in line]
    say(f"bot log: {len(warnings)} warnings (see {log})")
    for line in warnings[:5]:
        say(f"  {line[:160]}")


# ---- the naive design ------------------------------------------------------------------------


async def _send_reminder(reminder_id: int) -> None:
    """What each naive job would do; never runs here (every job is in the future)."""


async def load_due(url: str, limit: int) -> tuple[array[int], array[float]]:
    """The reminders' ids and due times, as a naive bot reads them at start-up, kept compactly
    so the arrays add little to the memory being measured."""
    ids, stamps = array("q"), array("d")
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            result = await connection.stream(
                select(Reminder.id, Reminder.due_at).order_by(Reminder.id).limit(limit)
            )
            async for partition in result.partitions(CHUNK):
                for rid, due in partition:
                    ids.append(rid)
                    stamps.append(due.timestamp())
    finally:
        await engine.dispose()
    return ids, stamps


async def naive_design(url: str, limit: int, framework: str) -> dict[str, float]:
    """One APScheduler 3 DateTrigger job per reminder in a MemoryJobStore (its default), added
    in the table's order, then started: the time that takes, and the process's peak RSS."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from apscheduler.triggers.date import DateTrigger

    # The modules `volbot run` loads, so that the two processes start from the same baseline.
    importlib.import_module("bot.app")
    importlib.import_module(f"bot.adapters.{framework}")

    load_began = time.perf_counter()
    ids, stamps = await load_due(url, limit)
    load_s = time.perf_counter() - load_began
    base_mb = memory_mb("self", "VmRSS")
    began = time.perf_counter()
    scheduler = AsyncIOScheduler(timezone=UTC)
    for rid, stamp in zip(ids, stamps, strict=True):
        run_at = datetime.fromtimestamp(stamp, UTC)
        scheduler.add_job(
            _send_reminder, DateTrigger(run_date=run_at), args=(rid,), id=f"reminder-{rid}"
        )
    add_s = time.perf_counter() - began
    scheduler.start()  # moves the jobs into the job store, kept sorted by next run time
    start_s = time.perf_counter() - began
    peak_mb = memory_mb("self", "VmHWM")
    scheduler.shutdown(wait=False)
    return {
        "jobs": len(ids),
        "load_s": load_s,
        "add_s": add_s,
        "base_rss_mb": base_mb,
        "naive_rss_mb": peak_mb,
        "naive_start_s": start_s,
    }


def measure_naive(args: argparse.Namespace, url: str) -> dict[str, float]:
    """The naive design in its own process, so its memory is its own."""
    command = [sys.executable, __file__, "--role", "naive", "--database-url", url]
    command += ["--reminders", str(args.reminders), "--framework", args.framework]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=args.naive_timeout, check=True
        )
    except subprocess.CalledProcessError as error:
        raise SystemExit(f"bench: the naive design failed:\n{error.stderr}") from None
    except subprocess.TimeoutExpired:
        raise SystemExit(
            f"bench: the naive design took over --naive-timeout {args.naive_timeout:.0f} s"
        ) from None
    figures: dict[str, float] = json.loads(done.stdout.splitlines()[-1])
    say(
        "naive: {jobs:,.0f} jobs; loading them {load_s:.1f} s; adding and starting "
        "{naive_start_s:.1f} s (adding {add_s:.1f} s); RSS {base_rss_mb:.1f} MB before the jobs, "
        "peak {naive_rss_mb:.1f} MB".format(**figures)
    )
    return figures


# ---- command line ----------------------------------------------------------------------------


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Pending reminders as rows: create, hold, send on time; vs one job each."
    )
    parser.add_argument("--reminders", type=int, default=1_000_000, help="pending reminders, N")
    parser.add_argument("--seconds", type=int, default=30, help="how long reminders fall due")
    parser.add_argument("--per-second", type=int, default=200, help="reminders due each second")
    parser.add_argument(
        "--messages-per-second",
        type=float,
        default=PAID_BROADCAST_PER_SECOND,
        help="the sandbox's overall send limit (Telegram: ~30; 1000 with paid broadcasts)",
    )
    parser.add_argument(
        "--rtt-ms", type=float, default=0.0, help="network round trip the sandbox adds"
    )
    parser.add_argument(
        "--interval",
        type=float,
        default=Settings.model_fields["jobs_interval_seconds"].default,
        help="JOBS_INTERVAL_SECONDS for the bot",
    )
    parser.add_argument(
        "--with-updates",
        type=float,
        default=0.0,
        metavar="R",
        help="meanwhile, volunteers send R updates a second (open loop, as bench/updates.py)",
    )
    parser.add_argument("--framework", choices=("ptb", "aiogram"), default="ptb")
    parser.add_argument("--database-url", help="a fresh, empty database (default: SQLite file)")
    parser.add_argument("--data-dir", type=Path, help="for the SQLite file and bot.log")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=120.0,
        metavar="S",
        help="wait at most this long after the last due time for the reminders to arrive",
    )
    parser.add_argument(
        "--naive-timeout",
        type=float,
        default=3600.0,
        metavar="S",
        help="give up on the naive design after this long",
    )
    parser.add_argument("--role", choices=("main", "naive"), default="main", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.role == "naive":
        return args
    window = args.per_second * args.seconds
    if args.reminders % len(OFFSETS) or args.reminders < len(OFFSETS) * window:
        parser.error(f"--reminders must be even and at least {len(OFFSETS) * window:,}")
    if args.with_updates < 0:
        parser.error("--with-updates is a rate, 0 or more")
    if args.with_updates and not updating(args, Layout(args.reminders, window)):
        parser.error("--with-updates needs volunteers beyond the window's: more --reminders")
    return args


def run(args: argparse.Namespace) -> dict[str, float]:
    layout = Layout(args.reminders, args.per_second * args.seconds)
    url = args.database_url or f"sqlite+aiosqlite:///{args.data_dir / 'volbot.db'}"
    say(f"migrating {url}")
    upgrade(url)
    create_s, db_mb = asyncio.run(create(url, layout))
    say(f"created {args.reminders:,} reminder rows in {create_s:.1f} s; database {db_mb:.1f} MB")
    bot = uvloop.run(measure_bot(args, url, layout))
    if not bot.lags:
        raise SystemExit(f"bench: no reminder arrived; see {args.data_dir / 'bot.log'}")
    naive = measure_naive(args, url)
    lags = bot.lags
    return {
        "reminders": args.reminders,
        "create_s": round(create_s, 2),
        "db_mb": round(db_mb, 1),
        "rss_mb": round(bot.rss_mb, 1),
        "lag_p50_s": round(percentile(lags, 0.50), 3),
        "lag_p99_s": round(percentile(lags, 0.99), 3),
        "naive_rss_mb": round(naive["naive_rss_mb"], 1),
        "naive_start_s": round(naive["naive_start_s"], 2),
        **bot.updates,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.role == "naive":
        figures = asyncio.run(naive_design(args.database_url, args.reminders, args.framework))
        print(json.dumps(figures))
        return 0
    print(json.dumps(in_data_dir(args, run)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
