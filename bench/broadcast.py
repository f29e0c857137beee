"""Benchmark: a recruitment call to a whole city, delivered from the outbox at Telegram's pace.

`python bench/broadcast.py --recipients 3000 --rate 30` makes N active volunteers in a fresh
database, runs the real bot (`volbot run`, one or two processes, unchanged) against the local Bot
API sandbox, which holds Telegram's overall limit at R messages a second, makes an admin's call
to everyone and waits until every delivery row is settled. The sandbox's own log gives the
notices it accepted and their rate, its 429 answers, and who got the call twice or never; /proc
gives the bot processes' peak memory; the bot's log and database give how long the audience took
to enqueue (the sender's one INSERT … SELECT).

`--audience-only` runs no bot: it times that INSERT … SELECT (`outbox.start_due`) for N
volunteers in this process, with the process's peak memory before and after it, which shows the
audience never passes through Python.

Progress goes to stderr; the last line on stdout is one JSON object. The volunteers are made in a
child process (`--role seed`), so that this process's peak memory is its own.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import resource
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import uvloop
from common import (
    baseline_option,
    bot_environment,
    cpu_seconds,
    in_data_dir,
    memory_mb,
    say,
    side_by_side,
    telegram_id,
    volunteer_rows,
)
from sqlalchemy import func, insert, make_url, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from migrations import upgrade
from models.broadcasts import outbox
from models.broadcasts.audience import Audience, Scope
from models.broadcasts.outbox import Draft
from models.broadcasts.send_budget import BroadcastPolicy
from models.broadcasts.tables import Broadcast, Delivery
from models.db import create_engine, session_factory
from models.publishing import publication
from models.publishing.publication import ActivityPlan, ShiftPlan
from models.reference import Theme
from models.registration.tables import Volunteer
from models.teams import roles
from sandbox import BotApiSandbox, Limits

REPO = Path(__file__).resolve().parents[1]
BARE = Path(__file__).with_name("bare.py")
COORDINATOR = 900_001  # the admin who makes the call, and gets its report
NOTICE = "📣 Stewards needed for the harbour festival this Saturday!"
CHUNK = 10_000  # volunteers per INSERT executemany, each chunk committed on its own
# bot/settings.py caps PAID_BROADCAST_PER_SECOND at Telegram's paid-broadcast level, 1000 a second
# (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this).
PAID_RATE_MAX = 1000.0
POSTGRES_URL_ENV = "VOLBOT_BENCH_POSTGRES_URL"
STARTUP_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 30.0
QUIET_S = 3.0  # after the last row settles, so a late second send would still be seen
POLL_S = 0.2  # how often the benchmark looks at the database, the sandbox and /proc
PROGRESS_EVERY_S = 10.0
UNSENT = ("pending", "sending")


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


# ---- the database: fresh, then N volunteers, a team and its activity -----------------------


async def _pg_execute(admin_url: str, statement: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


def fresh_database(args: argparse.Namespace) -> str:
    """A new, migrated database: a SQLite file in the data directory, or a database of its own
    on the PostgreSQL server `VOLBOT_BENCH_POSTGRES_URL` names (dropped at the end)."""
    if args.database == "sqlite":
        url = f"sqlite+aiosqlite:///{args.data_dir / 'volbot.db'}"
    else:
        admin_url = os.environ.get(POSTGRES_URL_ENV)
        if not admin_url:
            raise SystemExit(
                f"bench: --database postgres needs {POSTGRES_URL_ENV}, the URL of a PostgreSQL "
                "server and an account that may create databases, e.g. "
                "postgresql+asyncpg://volbot@127.0.0.1:54350/postgres (scripts/with-postgres "
                "starts one and exports it as VOLBOT_TEST_POSTGRES_URL)"
            )
        args.pg_name = f"volbot_bench_{os.getpid()}"
        asyncio.run(_pg_execute(admin_url, f'CREATE DATABASE "{args.pg_name}"'))
        args.pg_admin = admin_url
        url = make_url(admin_url).set(database=args.pg_name).render_as_string(hide_password=False)
    say(f"migrating {make_url(url).render_as_string(hide_password=True)}")
    upgrade(url)
    return url


def drop_database(args: argparse.Namespace) -> None:
    if not getattr(args, "pg_name", None):
        return
    if args.keep:
        say(f"kept the database {args.pg_name}")
    else:
        asyncio.run(
            _pg_execute(args.pg_admin, f'DROP DATABASE IF EXISTS "{args.pg_name}" WITH (FORCE)')
        )


async def seed(url: str, count: int) -> dict[str, float]:
    """A team, its published activity, and `count` active volunteers inserted in chunks, each
    committed on its own (Core executemany: no ORM objects)."""
    engine = create_engine(url)
    now = datetime.now(UTC)
    try:
        async with session_factory(engine)() as session, session.begin():
            if await session.scalar(select(func.count(Volunteer.id))):
                raise SystemExit("bench: the database is not empty; give a fresh one")
            team = await roles.create_team(session, "Harbour Volunteers", now=now)
            theme_id = await session.scalar(select(Theme.id).where(Theme.code == "events"))
            starts = now + timedelta(days=5)
            plan = ActivityPlan(
                title="Harbour festival",
                description="Stewards for the festival.",
                address="Harbour Square",
                theme_id=theme_id,
                team_id=team.id,
                shifts=[ShiftPlan(starts, starts + timedelta(hours=3), 50)],
            )
            activity = await publication.publish(session, plan, created_by=COORDINATOR, now=now)
        began = time.perf_counter()
        rows = volunteer_rows(count, now)
        done = 0
        while chunk := list(itertools.islice(rows, CHUNK)):
            async with engine.begin() as connection:
                await connection.execute(insert(Volunteer), chunk)
            done += len(chunk)
            if done % (10 * CHUNK) == 0:
                say(f"  {done:,} volunteers")
        return {"activity_id": activity.id, "seed_s": time.perf_counter() - began}
    finally:
        await engine.dispose()


def seed_in_child(url: str, count: int) -> dict[str, float]:
    say(f"creating {count:,} active volunteers, a team and an activity (in a child process)")
    command = [sys.executable, __file__, "--role", "seed", "--database-url", url]
    command += ["--recipients", str(count)]
    done = subprocess.run(command, cwd=REPO, stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"bench: seeding failed (exit {done.returncode})")
    figures: dict[str, float] = json.loads(done.stdout.splitlines()[-1])
    say(f"created {count:,} volunteers in {figures['seed_s']:.1f} s")
    return figures


async def make_call(engine: AsyncEngine, activity_id: int, now: datetime) -> int:
    """An admin's confirmed call to everyone about the activity, due now."""
    async with session_factory(engine)() as session, session.begin():
        await roles.grant(session, COORDINATOR, "admin", team=None, now=now)
        call = await outbox.create(
            session,
            Draft(text=NOTICE, audience=Audience("everyone"), activity_id=activity_id),
            actor=COORDINATOR,
            scope=Scope(admin=True, team_ids=()),
            now=now,
        )
        return call.id


# ---- --audience-only: the INSERT … SELECT in this process ------------------------------------


def peak_rss_mb() -> tuple[float, float]:
    """This process's peak RSS: getrusage's ru_maxrss (KiB on Linux) and /proc's VmHWM."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, memory_mb("self", "VmHWM")


async def time_audience(url: str, activity_id: int) -> dict[str, float]:
    engine = create_engine(url)
    try:
        await make_call(engine, activity_id, datetime.now(UTC))
        before, hwm_before = peak_rss_mb()
        began = time.perf_counter()
        async with session_factory(engine)() as session, session.begin():
            started = await outbox.start_due(
                session, now=datetime.now(UTC), admin_ids=(COORDINATOR,)
            )
        seconds = time.perf_counter() - began
        after, hwm_after = peak_rss_mb()
    finally:
        await engine.dispose()
    return {
        "audience_s": round(seconds, 3),
        "rss_before_mb": round(before, 1),
        "rss_after_mb": round(after, 1),
        "hwm_before_mb": round(hwm_before, 1),
        "hwm_after_mb": round(hwm_after, 1),
        "enqueued": sum(call.total for call in started),
    }


# ---- the bot processes -----------------------------------------------------------------------


@dataclass
class BotProcess:
    name: str
    api_url: str
    log: Path
    process: asyncio.subprocess.Process
    peak_mb: float = 0.0
    cpu_start: float = 0.0
    cpu_s: float = 0.0

    def sample(self) -> None:
        """Keep the peak RSS and CPU time while the process runs."""
        if self.process.returncode is not None:
            return
        try:
            self.peak_mb = max(self.peak_mb, memory_mb(self.process.pid, "VmHWM"))
            self.cpu_s = cpu_seconds(self.process.pid) - self.cpu_start
        except (FileNotFoundError, ProcessLookupError):
            pass


def broadcast_settings(args: argparse.Namespace) -> dict[str, str]:
    """The bot's settings for the run (beyond `common.bot_environment`'s)."""
    settings = {
        "BOT_FRAMEWORK": args.framework,
        # INFO for the sender's "broadcast N started" line, whose time ends the INSERT … SELECT.
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "json",
        "HTTP_PORT": "0",  # no /healthz server: two processes on one machine would share a port
    }
    if args.paid:
        settings["PAID_BROADCAST_PER_SECOND"] = str(args.rate)
    else:
        settings["BROADCAST_RATE_PER_SECOND"] = str(args.rate)
    if args.in_flight:
        settings["BROADCAST_IN_FLIGHT"] = str(args.in_flight)
    return settings


async def spawn(
    args: argparse.Namespace, url: str, sandbox: BotApiSandbox, api_url: str, name: str
) -> BotProcess:
    """`volbot run`, exactly as deployed, on its own sandbox address; its log in bot-<name>.log."""
    log = args.data_dir / f"bot-{name}.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            cwd=args.data_dir,  # no .env from the checkout is read
            env=bot_environment(url, api_url, sandbox.token, **broadcast_settings(args)),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
        )
    return BotProcess(name, api_url, log, process)


async def until_polling(sandbox: BotApiSandbox, bots: list[BotProcess]) -> None:
    """Every process has polled (two processes end each other's long polls with 409, so each
    shows up in the log; a single one is seen waiting in its first long poll)."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        polled = {call.via for call in sandbox.calls if call.method == "getUpdates"}
        if {bot.api_url for bot in bots} <= polled or (
            len(bots) == 1 and sandbox.world.waiting_polls > 0
        ):
            return
        for bot in bots:
            if bot.process.returncode is not None or time.monotonic() > deadline:
                raise SystemExit(
                    f"bench: bot {bot.name} did not start; see {bot.log}:\n{tail(bot.log)}"
                )
        await asyncio.sleep(POLL_S)


def tail(log: Path, lines: int = 20) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


async def stop(bot: BotProcess) -> None:
    """SIGTERM, as a service manager stops it; killed if it does not stop in time."""
    if bot.process.returncode is not None:
        return
    bot.process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(bot.process.wait(), STOP_TIMEOUT_S)
    except TimeoutError:
        say(f"bot {bot.name} did not stop within {STOP_TIMEOUT_S:.0f} s; killing it")
        bot.process.kill()
        await bot.process.wait()


# ---- what the sandbox saw --------------------------------------------------------------------


@dataclass
class Tally:
    """The sandbox's log, read as it grows: the notices it accepted, per chat, and its 429s."""

    accepted: Counter[int] = field(default_factory=Counter)
    times: list[float] = field(default_factory=list)  # of accepted notices, sandbox monotonic
    by_process: Counter[str] = field(default_factory=Counter)
    refused: Counter[int] = field(default_factory=Counter)  # notices' other answers, by status
    floods: list[tuple[float, str]] = field(default_factory=list)  # every 429: time, method
    seen: int = 0

    def take(self, sandbox: BotApiSandbox) -> None:
        calls = sandbox.calls[self.seen :]
        self.seen += len(calls)
        for call in calls:
            if call.status == 429:
                self.floods.append((call.time, call.method))
            if call.method != "sendMessage" or call.params.get("text") != NOTICE:
                continue
            if not call.ok:
                self.refused[call.status] += 1
            elif call.chat_id is not None:
                self.accepted[call.chat_id] += 1
                self.times.append(call.time)
                self.by_process[call.via or "?"] += 1

    @property
    def count(self) -> int:
        return len(self.times)

    def rate(self) -> float:
        """Accepted notices over the time from the first to the last of them."""
        span = self.times[-1] - self.times[0] if self.count > 1 else 0.0
        return self.count / span if span > 0 else 0.0


# ---- the normal run: the call delivered by the real bot --------------------------------------


@dataclass
class Progress:
    started: bool = False
    unsent: int = 0
    settled: bool = False


async def progress(engine: AsyncEngine, call_id: int) -> Progress:
    async with engine.connect() as connection:
        started = await connection.scalar(
            select(Broadcast.started_at).where(Broadcast.id == call_id)
        )
        if started is None:
            return Progress()
        unsent = await connection.scalar(
            select(func.count()).where(
                Delivery.broadcast_id == call_id, Delivery.status.in_(UNSENT)
            )
        )
    return Progress(True, unsent or 0, not unsent)


async def statuses(engine: AsyncEngine, call_id: int) -> dict[str, int]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(Delivery.status, func.count())
            .where(Delivery.broadcast_id == call_id)
            .group_by(Delivery.status)
        )
        return dict(sorted((status, count) for status, count in rows))


async def call_times(engine: AsyncEngine, call_id: int) -> tuple[datetime, datetime | None]:
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                select(Broadcast.created_at, Broadcast.started_at).where(Broadcast.id == call_id)
            )
        ).one()
    return row[0], row[1]


def started_logged(bots: list[BotProcess], call_id: int) -> datetime | None:
    """When the sender logged that it started the call (after its INSERT … SELECT)."""
    prefix = f"broadcast {call_id} started:"
    for bot in bots:
        for line in bot.log.read_text(errors="replace").splitlines():
            if prefix not in line:
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if str(record.get("msg", "")).startswith(prefix):
                return datetime.fromisoformat(record["ts"])
    return None


def sandbox_limits(args: argparse.Namespace) -> Limits:
    """Telegram's overall limit at the rate under test (and the paid one, for --paid)."""
    limits = Limits(global_per_second=args.rate, global_burst=int(args.rate))
    if args.paid:
        limits.paid_broadcast_per_second = args.rate
    return limits


async def watch(
    args: argparse.Namespace,
    engine: AsyncEngine,
    sandbox: BotApiSandbox,
    bots: list[BotProcess],
    call_id: int,
    tally: Tally,
) -> float | None:
    """Wait until every delivery row is settled (or the timeout); when, on time.monotonic()."""
    began = time.monotonic()
    deadline = began + args.timeout
    next_report, last_count = began + PROGRESS_EVERY_S, 0
    while time.monotonic() < deadline:
        await asyncio.sleep(POLL_S)
        for bot in bots:
            bot.sample()
            if bot.process.returncode is not None:
                raise SystemExit(f"bench: bot {bot.name} exited; see {bot.log}:\n{tail(bot.log)}")
        tally.take(sandbox)
        state = await progress(engine, call_id)
        if state.settled:
            return time.monotonic()
        now = time.monotonic()
        if now >= next_report:
            say(
                f"  {now - began:5.0f} s: {tally.count:,} notices accepted "
                f"({(tally.count - last_count) / PROGRESS_EVERY_S:.1f}/s lately), "
                f"{len(tally.floods)} 429s, {state.unsent:,} rows unsent, "
                f"load {load_average():.2f}"
            )
            next_report, last_count = now + PROGRESS_EVERY_S, tally.count
    return None


async def deliver(args: argparse.Namespace, url: str, activity_id: int) -> dict[str, Any]:
    sandbox = BotApiSandbox(limits=sandbox_limits(args))
    first_url = await sandbox.start()
    sandbox.user(COORDINATOR, "Coordinator", language_code="en")
    for v in range(1, args.recipients + 1):
        sandbox.user(telegram_id(v), f"Volunteer {v}", language_code="en")
    engine = create_engine(url)
    bots: list[BotProcess] = []
    tally = Tally()
    try:
        for number in range(args.processes):
            api_url = first_url if number == 0 else await sandbox.add_address()
            bots.append(await spawn(args, url, sandbox, api_url, "ab"[number]))
        spawned = time.perf_counter()
        await until_polling(sandbox, bots)
        for bot in bots:
            bot.cpu_start = cpu_seconds(bot.process.pid)
            bot.sample()
        start_mb = [round(memory_mb(b.process.pid, "VmRSS"), 1) for b in bots]
        rss = ", ".join(f"{mb:.1f}" for mb in start_mb)
        say(
            f"{len(bots)} bot process(es) polling after {time.perf_counter() - spawned:.1f} s; "
            f"RSS {rss} MB"
        )
        load_start = load_average()
        say(f"load average {load_start:.2f}; making the call to {args.recipients:,}")
        own_cpu = cpu_seconds(os.getpid())
        created_clock = time.monotonic()
        call_id = await make_call(engine, activity_id, datetime.now(UTC))
        settled_clock = await watch(args, engine, sandbox, bots, call_id, tally)
        working_s = time.monotonic() - created_clock
        sandbox_cpu = (cpu_seconds(os.getpid()) - own_cpu) / working_s
        if settled_clock is None:
            say(f"warning: rows still unsent after --timeout {args.timeout:.0f} s")
        quiet_until = time.monotonic() + QUIET_S
        while time.monotonic() < quiet_until:
            await asyncio.sleep(POLL_S)
            for bot in bots:
                bot.sample()
        load_end = load_average()
        await asyncio.gather(*(stop(bot) for bot in bots))
        tally.take(sandbox)
        counts = await statuses(engine, call_id)
        created_at, started_at = await call_times(engine, call_id)
    finally:
        await asyncio.gather(*(stop(bot) for bot in bots))
        await sandbox.stop()
        await engine.dispose()

    logged = started_logged(bots, call_id)
    report_run(bots, tally, sandbox_cpu, working_s)
    return {
        "sender": "volbot",
        **delivered(args, tally),
        "peak_rss_mb": round(max(bot.peak_mb for bot in bots), 1),
        "rss_at_start_mb": start_mb,  # each process's, once polling, before the call
        # From just before the call is made to the first look that finds no row unsent (looks
        # are POLL_S apart); None when --timeout ran out first.
        "seconds": round(settled_clock - created_clock, 2) if settled_clock else None,
        "framework": args.framework,
        "processes": args.processes,
        "database": args.database,
        "paid": args.paid,
        "statuses": counts,
        # The INSERT … SELECT: from the sender's start (started_at) to its "started" log line.
        "audience_s": round((logged - started_at).total_seconds(), 3)
        if logged and started_at
        else None,
        # How long the call waited for a sender to pick it up (its loop looks every interval).
        "start_wait_s": round((started_at - created_at).total_seconds(), 3) if started_at else None,
        "cpu_ms_per_notice": per_notice(sum(bot.cpu_s for bot in bots), tally),
        "bot_cpu_share": [round(bot.cpu_s / working_s, 2) for bot in bots],
        "sandbox_cpu_share": round(sandbox_cpu, 2),
        "load_avg": [load_start, load_end],
    }


async def deliver_bare(args: argparse.Namespace) -> dict[str, Any]:
    """The framework's own send_message in a loop (bench/bare.py send), as many in flight as
    volbot's sender, to the same recipients on the same sandbox: no database, no outbox."""
    sandbox = BotApiSandbox(limits=sandbox_limits(args))
    api_url = await sandbox.start()
    for v in range(1, args.recipients + 1):
        sandbox.user(telegram_id(v), f"Volunteer {v}", language_code="en")
    log = args.data_dir / "bare-sender.log"
    chats = f"{telegram_id(1)}-{telegram_id(args.recipients)}"
    tally = Tally()
    try:
        with log.open("wb") as errors:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                *(str(BARE), "send", "--framework", args.framework, "--text", NOTICE),
                *("--chats", chats, "--concurrency", str(in_flight(args))),
                env=bot_environment("", api_url, sandbox.token),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=errors,
            )
        sender = BotProcess("bare", api_url, log, process)
        say(f"load average {load_average():.2f}; the bare sender to {args.recipients:,}")
        own_cpu, began = cpu_seconds(os.getpid()), time.monotonic()
        while process.returncode is None and time.monotonic() < began + args.timeout:
            sender.sample()
            tally.take(sandbox)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), POLL_S)
        working_s = time.monotonic() - began
        sandbox_cpu = (cpu_seconds(os.getpid()) - own_cpu) / working_s
        await stop(sender)
        assert process.stdout is not None
        said = (await process.stdout.read()).decode().strip().splitlines()
        tally.take(sandbox)
    finally:
        await sandbox.stop()
    if process.returncode != 0 or not said:
        raise SystemExit(f"bench: the bare sender failed; see {log}:\n{tail(log)}")
    own = json.loads(said[-1])  # its own CPU time: /proc's is gone once it has exited
    report_run([sender], tally, sandbox_cpu, working_s)
    return {
        "sender": "bare",
        **delivered(args, tally),
        "failed": own["failed"],
        "seconds": own["seconds"],
        "framework": args.framework,
        "cpu_ms_per_notice": per_notice(own["cpu_s"], tally),
        "bot_cpu_share": [round(own["cpu_s"] / working_s, 2)],
        "sandbox_cpu_share": round(sandbox_cpu, 2),
        "load_avg": load_average(),
    }


def delivered(args: argparse.Namespace, tally: Tally) -> dict[str, Any]:
    """What the sandbox saw of the call: its rate, 429s, people reached twice or never."""
    recipients = {telegram_id(v) for v in range(1, args.recipients + 1)}
    return {
        "recipients": args.recipients,
        "rate_limit": args.rate,
        "in_flight": in_flight(args),
        "achieved_rate": round(tally.rate(), 2),
        "http_429": len(tally.floods),
        "duplicates": sum(n - 1 for n in tally.accepted.values() if n > 1),
        "lost": len(recipients - set(tally.accepted)),
    }


def in_flight(args: argparse.Namespace) -> int:
    """The sends under way at once, the bot's and the bare sender's alike: the bot's own bound at
    --rate (both lanes run at it), or --in-flight."""
    return BroadcastPolicy(rate=args.rate, in_flight=args.in_flight).in_flight_bound


def per_notice(cpu_s: float, tally: Tally) -> float | None:
    return round(cpu_s / tally.count * 1000, 3) if tally.count else None


RATIOS = ("achieved_rate", "cpu_ms_per_notice")  # volbot ÷ bare


def report_run(
    bots: list[BotProcess],
    tally: Tally,
    sandbox_cpu: float,
    working_s: float,
) -> None:
    say(
        f"{tally.count:,} notices accepted at {tally.rate():.2f}/s; "
        f"other answers {dict(tally.refused)}"
    )
    if len(bots) > 1:
        shares = {bot.name: tally.by_process[bot.api_url] for bot in bots}
        say(f"notices per process: {shares}")
    for bot in bots:
        say(
            f"bot {bot.name}: peak RSS {bot.peak_mb:.1f} MB, "
            f"{bot.cpu_s / working_s:.0%} of a core; exit {bot.process.returncode}"
        )
    say(f"this process (the sandbox) used {sandbox_cpu:.0%} of a core")
    if tally.floods:
        first = tally.times[0] if tally.times else tally.floods[0][0]
        shown = ", ".join(f"{t - first:.2f} s {m}" for t, m in tally.floods[:10])
        say(f"429s (from the first notice): {shown}")
    for bot in bots:
        problems = log_problems(bot.log)
        say(f"bot {bot.name} log: {sum(problems.values())} warnings or errors ({bot.log})")
        for problem, times in problems.most_common(5):
            say(f"  {times} × {problem}")


def log_problems(log: Path) -> Counter[str]:
    """The log's warnings and errors, counted by message and the last line of any traceback
    (two processes polling one token get 409 Conflict, which python-telegram-bot logs)."""
    problems: Counter[str] = Counter()
    for line in log.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("level") in ("WARNING", "ERROR", "CRITICAL"):
            cause = (str(record.get("exc", "")).strip().splitlines() or [""])[-1]
            problems[f"{record['level']} {record.get('msg', '')} {cause}"[:200]] += 1
    return problems


# ---- command line ----------------------------------------------------------------------------


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="A call to N volunteers through the real bot at R messages a second."
    )
    parser.add_argument("--recipients", type=int, required=True, help="active volunteers, N")
    parser.add_argument("--rate", type=float, help="messages a second, the bot's and the limit's")
    parser.add_argument(
        "--paid",
        action="store_true",
        help=f"paid broadcasts (PAID_BROADCAST_PER_SECOND=R, at most {PAID_RATE_MAX:.0f})",
    )
    parser.add_argument("--framework", choices=("ptb", "aiogram"), default="ptb")
    baseline_option(parser, "--sender", "the framework's send_message in a loop")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--processes", type=int, choices=(1, 2), default=1)
    parser.add_argument(
        "--audience-only", action="store_true", help="no bot: time the INSERT … SELECT alone"
    )
    parser.add_argument(
        "--in-flight", type=int, help="BROADCAST_IN_FLIGHT (default: the bot's, sized to --rate)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="S",
        help="wait at most this long (default 60 + 3 N/R, R counted at most 1000)",
    )
    parser.add_argument("--data-dir", type=Path, help="for the SQLite file and the bots' logs")
    parser.add_argument("--keep", action="store_true", help="keep the data and the database")
    parser.add_argument("--role", choices=("main", "seed"), default="main", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.role == "seed" or args.audience_only:
        return args
    if args.rate is None or args.rate <= 0:
        parser.error("--rate R (> 0) is required, except with --audience-only")
    if args.paid and args.rate > PAID_RATE_MAX:
        parser.error(
            f"--paid: bot/settings.py caps PAID_BROADCAST_PER_SECOND at {PAID_RATE_MAX:.0f}; "
            "for the pipeline's ceiling leave out --paid (BROADCAST_RATE_PER_SECOND has no cap)"
        )
    if args.timeout is None:  # beyond Telegram's paid ceiling, the bot is what sets the pace
        args.timeout = 60 + 3 * args.recipients / min(args.rate, PAID_RATE_MAX)
    return args


def run(args: argparse.Namespace) -> dict[str, Any]:
    if args.sender == "bare":
        return uvloop.run(deliver_bare(args))
    bare = uvloop.run(deliver_bare(args)) if args.sender == "both" else None
    volbot = run_volbot(args)
    return volbot if bare is None else side_by_side(bare, volbot, RATIOS)


def run_volbot(args: argparse.Namespace) -> dict[str, Any]:
    url = fresh_database(args)
    try:
        seeded = seed_in_child(url, args.recipients)
        activity_id = int(seeded["activity_id"])
        if args.audience_only:
            say(f"timing start_due for {args.recipients:,} recipients in this process")
            figures = asyncio.run(time_audience(url, activity_id))
            return {"recipients": args.recipients, **figures, "database": args.database}
        return uvloop.run(deliver(args, url, activity_id))
    finally:
        drop_database(args)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.role == "seed":
        print(json.dumps(asyncio.run(seed(args.database_url, args.recipients))))
        return 0
    print(json.dumps(in_data_dir(args, run)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
