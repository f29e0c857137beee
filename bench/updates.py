"""Benchmark: how many incoming updates a second the bot answers, and how quickly.

`python bench/updates.py --framework ptb --mode polling --processes 1 --seconds 20 --rate max`
seeds a fresh database with U registered volunteers, each signed up for a shift of the one
published activity (so /my, /activities, /hours and /help read real rows), then runs the real bot
(`volbot run`, one or two processes, unchanged) against the local Bot API sandbox, by long polling
or by webhook, while the U sandbox users send those commands for S seconds: open loop at `--rate`
updates a second, or closed loop with `--rate max` (each user sends again as soon as the bot
answered, U users at once), which measures capacity.

An update's latency runs from its sending to the first sendMessage the sandbox receives for that
chat, both on the sandbox's clock. Each user has at most one update outstanding (the next update
goes to a user who is not waiting), so every reply pairs with one update, and no user's updates
queue behind each other in the bot's per-user order. Flood limits are lifted: this measures the
bot, not Telegram.

Two processes run on one PostgreSQL database. By webhook they sit behind a round-robin proxy, a
reverse proxy's upstream as in docs/deploy.md; by polling, Telegram (and the sandbox) give the
long poll to one of them at a time and answer the other 409, and an update one has fetched and not
yet confirmed may be fetched by the other too: the report counts the 409s and says when there were
more replies than updates (an update answered twice can pass for the reply to the user's next).

Progress goes to stderr; the last line on stdout is one JSON object (see `figures`).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import re
import signal
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import median
from typing import Any

import aiohttp
import uvloop
from aiohttp import web
from common import (
    Load,
    baseline_option,
    bot_environment,
    cpu_seconds,
    drive,
    harness_heap_set_aside,
    in_data_dir,
    percentile,
    say,
    side_by_side,
    volunteer_rows,
)
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.local.harness import free_port, number_updates_past_recorded
from migrations import upgrade
from models.activities.tables import Activity, Shift, Signup
from models.base import Base
from models.db import create_engine, is_sqlite, session_factory
from models.inbox import InboundUpdate
from models.reference import Theme
from models.registration.tables import Volunteer
from models.teams import roles
from sandbox.limits import Limits
from sandbox.server import BotApiSandbox

SHIFT_STARTS_IN = timedelta(days=7)  # far from any reminder, alert or digest during the run
SHIFT_LENGTH = timedelta(hours=3)
CHUNK = 10_000  # rows per INSERT executemany
# Far above what two cores can send: Telegram's flood control is not what is measured here.
UNLIMITED = 10**9
NO_FLOOD_LIMITS = Limits(
    global_per_second=UNLIMITED,
    global_burst=UNLIMITED,
    chat_per_second=UNLIMITED,
    chat_burst=UNLIMITED,
    paid_broadcast_per_second=UNLIMITED,
)
WEBHOOK_PATH = "/telegram"
WEBHOOK_SECRET = "bench-webhook-secret-at-least-32-characters"
STARTUP_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 30.0
READY_POLL_S = 0.1
ERROR_LEVELS = frozenset({"ERROR", "CRITICAL"})
BARE_BOT = Path(__file__).with_name("bare.py")


# ---- the world the commands read -------------------------------------------------------------


def signup_rows(users: int, now: datetime) -> Iterator[dict[str, Any]]:
    for v in range(1, users + 1):
        yield {
            "id": v,
            "shift_id": 1,
            "volunteer_id": v,
            "status": "confirmed",
            "queued_at": now - timedelta(days=1),
            "updated_at": now - timedelta(days=1),
        }


async def bulk_insert(
    engine: AsyncEngine, model: type[Base], rows: Iterable[dict[str, Any]]
) -> None:
    """Core INSERT executemany (no ORM unit of work), a chunk per commit."""
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, CHUNK)):
        async with engine.begin() as connection:
            await connection.execute(insert(model), chunk)


async def seed(url: str, users: int) -> None:
    """`users` registered volunteers, each confirmed on the one shift of the one published
    activity (its capacity is everyone)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            if await connection.scalar(select(func.count(Volunteer.id))):
                raise SystemExit("bench: the database is not empty; give a fresh one")
        now = datetime.now(UTC)
        async with session_factory(engine)() as session, session.begin():
            team = await roles.create_team(session, "Benchmark Volunteer Team", now=now)
            theme_id = await session.scalar(select(Theme.id).order_by(Theme.id).limit(1))
            assert theme_id is not None, "the migration seeds themes"
            team_id = team.id
        await bulk_insert(engine, Volunteer, volunteer_rows(users, now))
        activity = {
            "id": 1,
            "team_id": team_id,
            "theme_id": theme_id,
            "title": "Beach clean-up",
            "description": "Bring gloves.",
            "address": "Huandao Road 1",
            "status": "published",
            "link_token": "bench1",
            "created_by": 1,
            "created_at": now,
            "updated_at": now,
        }
        starts_at = now + SHIFT_STARTS_IN
        shift = {
            "id": 1,
            "activity_id": 1,
            "starts_at": starts_at,
            "ends_at": starts_at + SHIFT_LENGTH,
            "capacity": users,
            "status": "open",
        }
        await bulk_insert(engine, Activity, [activity])
        await bulk_insert(engine, Shift, [shift])
        await bulk_insert(engine, Signup, signup_rows(users, now))
        if not is_sqlite(url):
            await advance_sequences(engine)
    finally:
        await engine.dispose()


async def advance_sequences(engine: AsyncEngine) -> None:
    """Rows were given their ids, so PostgreSQL's sequences must move past them."""
    async with engine.begin() as connection:
        for table in ("volunteers", "activities", "shifts", "signups"):
            await connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            )


async def inbound_statuses(engine: AsyncEngine) -> tuple[dict[str, int], set[int]]:
    """Updates recorded by the bot (webhook or polling): how many by status (`done` once
    handled), and the ids of those not done (left for the next start)."""
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(InboundUpdate.status, func.count()).group_by(InboundUpdate.status)
        )
        counts = {status: count for status, count in rows}
        undone = await connection.scalars(
            select(InboundUpdate.update_id).where(InboundUpdate.status != "done")
        )
        return counts, set(undone)


# ---- the bot processes -----------------------------------------------------------------------


@dataclass
class BotProcess:
    """One `volbot run`, talking to the sandbox through its own address."""

    name: str
    api_url: str
    http_port: int  # 0: no HTTP server (polling)
    log_path: Path
    process: asyncio.subprocess.Process

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(errors="replace").splitlines()


def bot_settings(args: argparse.Namespace, http_port: int, webhook: str) -> dict[str, str]:
    """The bot's settings for the run (beyond `common.bot_environment`'s)."""
    settings = {
        "BOT_FRAMEWORK": args.framework,
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "json",  # one object a line, so the benchmark can count the errors
        "HTTP_PORT": str(http_port),
    }
    if webhook:
        settings.update(WEBHOOK_URL=webhook, WEBHOOK_SECRET=WEBHOOK_SECRET)
    return settings


def bot_command(args: argparse.Namespace, kind: str) -> list[str]:
    """`volbot run`, or the bare framework's bot (bench/bare.py) answering a fixed text."""
    if kind == "bare":
        return [str(BARE_BOT), "reply", "--framework", args.framework]
    return ["-m", "bot.cli", "run"]


async def start_bots(
    args: argparse.Namespace,
    kind: str,
    url: str,
    sandbox: BotApiSandbox,
    ports: list[int],
    webhook: str,
) -> list[BotProcess]:
    bots: list[BotProcess] = []
    for number, port in enumerate(ports, start=1):
        name = f"{kind}{number}"
        api_url = await sandbox.add_address()
        log_path = args.data_dir / f"{name}.log"
        env = bot_environment(url, api_url, sandbox.token, **bot_settings(args, port, webhook))
        with log_path.open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                *bot_command(args, kind),
                cwd=args.data_dir,  # no .env from the checkout is read
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )
        bots.append(BotProcess(name, api_url, port, log_path, process))
    return bots


async def stop_bots(bots: list[BotProcess]) -> None:
    """SIGTERM, as a service manager stops them; killed if they do not stop in time."""

    async def stop(process: asyncio.subprocess.Process) -> None:
        if process.returncode is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT_S)
        except TimeoutError:
            say(f"bench: pid {process.pid} ignored SIGTERM for {STOP_TIMEOUT_S:.0f} s; killed")
            process.kill()
            await process.wait()

    await asyncio.gather(*(stop(bot.process) for bot in bots))


async def until_ready(sandbox: BotApiSandbox, bots: list[BotProcess], webhook: bool) -> None:
    """Wait until every process polls (polling) or is healthy with the webhook set; stop with
    a log's tail if one exits or never gets there."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    async with aiohttp.ClientSession() as session:
        while True:
            for bot in bots:
                if bot.process.returncode is not None:
                    tail = "\n".join(bot.log_lines()[-20:])
                    raise SystemExit(f"bench: {bot.name} exited; the end of its log:\n{tail}")
            if webhook:
                ready = sandbox.webhook.active and all(
                    [await healthy(session, bot) for bot in bots]
                )
            else:  # a long poll is logged when it ends; a single bot's is seen waiting
                polled = {call.via for call in sandbox.calls if call.method == "getUpdates"}
                waiting = len(bots) == 1 and sandbox.world.waiting_polls > 0
                ready = waiting or {bot.api_url for bot in bots} <= polled
            if ready:
                return
            if time.monotonic() > deadline:
                raise SystemExit(f"bench: the bot was not ready in {STARTUP_TIMEOUT_S:.0f} s")
            await asyncio.sleep(READY_POLL_S)


async def healthy(session: aiohttp.ClientSession, bot: BotProcess) -> bool:
    try:
        async with session.get(f"{bot.base_url}/healthz") as answer:
            return answer.status == 200
    except aiohttp.ClientError:
        return False


def error_lines(bot: BotProcess) -> list[str]:
    """The log's messages at ERROR level or above (the bot logs one JSON object a line)."""
    found = []
    for line in bot.log_lines():
        try:
            record = json.loads(line)
        except ValueError:
            if "Traceback" in line or " ERROR " in line:  # before logging was configured
                found.append(line)
            continue
        if isinstance(record, dict) and record.get("level") in ERROR_LEVELS:
            # The message, and the exception's last line (its type and text) if it has one.
            cause = str(record.get("exc") or "").strip().splitlines()[-1:]
            found.append(" | ".join([str(record.get("msg")), *cause]))
    return found


@dataclass
class RoundRobin:
    """A reverse proxy's upstream: each delivery goes to the next process in turn."""

    backends: list[str]
    answers: Counter[tuple[str, int]] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._next = itertools.cycle(self.backends)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self, port: int) -> None:
        self._session = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_post(WEBHOOK_PATH, self.forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        backend = next(self._next)
        body = await request.read()
        try:
            async with self._session.post(backend, data=body, headers=request.headers) as answer:
                self.answers[backend, answer.status] += 1
                return web.Response(status=answer.status, body=await answer.read())
        except aiohttp.ClientError:
            self.answers[backend, 502] += 1
            return web.Response(status=502, text="bad gateway")


# ---- the load ---------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What happened besides the replies."""

    bots: list[BotProcess]
    end: float  # sandbox time the load ended
    fates: Counter[str]  # of the updates never answered (see Load.unanswered)
    webhook_failures: int  # deliveries the bot (or the proxy) did not answer 2xx
    inbound: dict[str, int]  # inbound_updates rows by status, webhook mode
    errors: dict[str, list[str]]  # ERROR log lines by process
    proxied: Counter[tuple[str, int]]  # the proxy's answers by backend and status, till the stop

    @property
    def error_logs(self) -> int:
        return sum(len(lines) for lines in self.errors.values())


@dataclass(frozen=True)
class Cpu:
    """CPU time over the load, as shares of one core: each bot process's, the sandbox's (this
    process less the generator) and the load generator's (the users sending and reading the
    replies, timed in its own code)."""

    bots: list[float]
    sandbox: float
    generator: float
    bot_seconds: float  # the bot processes' CPU seconds in all


async def measure(args: argparse.Namespace, url: str, kind: str) -> dict[str, Any]:
    """Run the bot (`kind` volbot or bare) against the sandbox under the load; the figures of
    `figures`."""
    webhook_mode = args.mode == "webhook"
    sandbox = BotApiSandbox(limits=NO_FLOOD_LIMITS)
    await sandbox.start()
    ports = [free_port() if webhook_mode else 0 for _ in range(args.processes)]
    proxy: RoundRobin | None = None
    webhook = ""
    if webhook_mode and args.processes == 1:
        webhook = f"http://127.0.0.1:{ports[0]}{WEBHOOK_PATH}"
    elif webhook_mode:
        proxy = RoundRobin([f"http://127.0.0.1:{port}{WEBHOOK_PATH}" for port in ports])
        proxy_port = free_port()
        await proxy.start(proxy_port)
        webhook = f"http://127.0.0.1:{proxy_port}{WEBHOOK_PATH}"
    engine = create_engine(url)
    bots: list[BotProcess] = []
    try:
        if kind == "volbot":  # after a pair's: ids volbot has not handled yet (--pairs)
            await number_updates_past_recorded(sandbox, engine)
        spawned = time.perf_counter()
        bots = await start_bots(args, kind, url, sandbox, ports, webhook)
        await until_ready(sandbox, bots, webhook_mode)
        pids = ", ".join(str(bot.process.pid) for bot in bots)
        ready_s = time.perf_counter() - spawned
        say(f"{len(bots)} {kind} bot process(es) ({pids}) ready after {ready_s:.1f} s")
        say(f"load average {os.getloadavg()[0]:.2f} before the load (other work skews figures)")
        load = Load.of(sandbox, range(1, args.users + 1))
        what = "closed loop" if args.rate is None else f"{args.rate:g} updates a second"
        say(f"{args.users:,} users send for {args.seconds:g} s, {what}")
        cpu_before = [cpu_seconds(bot.process.pid) for bot in bots]
        with harness_heap_set_aside():
            own_before, began = time.process_time(), time.monotonic()
            end = await drive(load, args.rate, args.seconds)
            elapsed = time.monotonic() - began
        bot_cpu = [
            cpu_seconds(bot.process.pid) - before
            for bot, before in zip(bots, cpu_before, strict=True)
        ]
        own_cpu = time.process_time() - own_before
        cpu = Cpu(
            bots=[seconds / elapsed for seconds in bot_cpu],
            sandbox=(own_cpu - load.cpu_s) / elapsed,
            generator=load.cpu_s / elapsed,
            bot_seconds=sum(bot_cpu),
        )
        webhook_failures = sandbox.webhook.attempts - sandbox.webhook.delivered
        proxied = Counter(proxy.answers) if proxy is not None else Counter()
        say(f"load average {os.getloadavg()[0]:.2f} after the load")
        shares = ", ".join(f"{share:.0%}" for share in cpu.bots)
        say(
            f"CPU (of one core) meanwhile: {kind} bot {shares}; sandbox {cpu.sandbox:.0%}; "
            f"load generator {cpu.generator:.0%}"
        )
        await stop_bots(bots)
        inbound, undone = await inbound_statuses(engine)
        errors = {bot.name: error_lines(bot) for bot in bots}
        fates = load.unanswered(undone)
        outcome = Outcome(bots, end, fates, webhook_failures, inbound, errors, proxied)
        report_run(load, sandbox, outcome, proxy)
    finally:
        await stop_bots(bots)
        if proxy is not None:
            await proxy.stop()
        await sandbox.stop()
        await engine.dispose()
    return figures(args, kind, load, outcome, cpu)


def report_run(
    load: Load, sandbox: BotApiSandbox, outcome: Outcome, proxy: RoundRobin | None
) -> None:
    say(
        f"sent {load.sent:,}; answered {len(load.latencies):,}; not answered "
        f"{len(load.waiting):,}; not sent because every user was waiting {load.skipped:,}"
    )
    if outcome.fates:
        say(f"the updates not answered, after the bots stopped: {dict(outcome.fates)}")
    for update_id, chat, sent_at in load.lost[:10]:
        before = outcome.end - sent_at
        say(f"  lost: update {update_id} from chat {chat}, sent {before:.3f} s before the end")
    say(f"replies apologising for a failure: {load.apologised:,}")
    # Each command has one reply, so messages beyond the updates answered are updates handled
    # more than once (two pollers both given them), and some replies may have been paired with
    # a user's next update.
    replies = sum(1 for c in sandbox.calls if c.method == "sendMessage" and c.status == 200)
    answered = len(load.latencies) + outcome.fates["answered while stopping"]
    if replies > answered:
        say(f"warning: {replies:,} replies for {answered:,} updates answered: some handled twice")
    say(f"replies the sandbox refused: {load.refused:,}")
    for bot in outcome.bots:
        calls = [c for c in sandbox.calls if c.via == bot.api_url]
        polls = [c for c in calls if c.method == "getUpdates"]
        conflicts = sum(1 for c in polls if c.status == 409)
        sends = sum(1 for c in calls if c.method == "sendMessage")
        say(
            f"{bot.name}: {sends:,} sendMessage, {len(polls):,} getUpdates "
            f"({conflicts:,} answered 409 Conflict); exit code {bot.process.returncode}"
        )
    if outcome.inbound or outcome.webhook_failures:
        refused = outcome.webhook_failures
        say(f"webhook: {refused:,} deliveries refused; inbound_updates {outcome.inbound}")
    if proxy is not None:
        say(f"proxy answers (backend, status) till the stop: {dict(outcome.proxied)}")
        say(f"  and while the bots stopped: {dict(proxy.answers - outcome.proxied)}")
    for name, lines in outcome.errors.items():
        say(f"{name}: {len(lines)} log lines at ERROR or above")
        # Alike when only their numbers (update, user) differ.
        for line, count in Counter(re.sub(r"\d+", "#", line) for line in lines).most_common(5):
            say(f"  {count} × {line[:300]}")


def figures(
    args: argparse.Namespace, kind: str, load: Load, outcome: Outcome, cpu: Cpu
) -> dict[str, Any]:
    """The JSON line: `sent` updates sent; `handled` those answered (while sending or in the
    drain after it); `updates_per_s` handled / seconds; `in_window_per_s` only the replies that
    came while the users were sending, per second (closed loop: the capacity, without the
    drain's tail); `p50_ms`, `p99_ms` of the answered updates' latencies; `unanswered` updates
    with no reply by the drain's end, of them `lost` neither answered while the bots stopped nor
    kept to be handled later; `errors` = lost + replies apologising for a failure + bot log
    lines at ERROR or above + webhook deliveries refused (5xx) — an update still queued when
    the closed loop stops is the queue the loop builds, not an error; `rate_offered` updates a
    second asked for, or "max"; `cpu_ms_per_update` the bot processes' CPU time over the load
    per update handled; `cpu_share` shares of one core over the load: `bots` (each process),
    `sandbox`, `generator` (see `Cpu`)."""
    latencies = load.latencies
    in_window = sum(1 for at in load.answered_at if at <= outcome.end)
    unanswered = len(load.waiting)
    return {
        "bot": kind,
        "framework": args.framework,
        "mode": args.mode,
        "processes": args.processes,
        "database": args.database,
        "seconds": args.seconds,
        "users": args.users,
        "sent": load.sent,
        "handled": len(latencies),
        "updates_per_s": round(len(latencies) / args.seconds, 1),
        "in_window_per_s": round(in_window / args.seconds, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1) if latencies else None,
        "unanswered": unanswered,
        "lost": outcome.fates["lost"],
        "errors": outcome.fates["lost"]
        + load.apologised
        + outcome.error_logs
        + outcome.webhook_failures,
        "rate_offered": "max" if args.rate is None else args.rate,
        "cpu_ms_per_update": round(cpu.bot_seconds / len(latencies) * 1000, 2)
        if latencies
        else None,
        "cpu_share": {
            "bots": [round(share, 2) for share in cpu.bots],
            "sandbox": round(cpu.sandbox, 2),
            "generator": round(cpu.generator, 2),
        },
    }


# volbot ÷ bare: throughput, latency (at an open-loop rate: a closed loop's latencies are its
# queue) and CPU per update.
RATIOS = ("updates_per_s", "in_window_per_s", "p50_ms", "p99_ms", "cpu_ms_per_update")


# ---- command line ----------------------------------------------------------------------------


def rate(value: str) -> float | None:
    if value == "max":
        return None
    number = float(value)
    if number <= 0:
        raise argparse.ArgumentTypeError("a rate is positive, or max")
    return number


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Incoming updates: throughput and latency.")
    parser.add_argument("--framework", choices=("ptb", "aiogram"), default="ptb")
    baseline_option(parser, "--bot", "the bare framework answering a fixed text")
    parser.add_argument("--mode", choices=("polling", "webhook"), default="polling")
    parser.add_argument("--processes", type=int, choices=(1, 2), default=1)
    parser.add_argument("--seconds", type=float, default=20.0, help="how long the users send")
    parser.add_argument("--users", type=int, default=2000, help="registered volunteers sending")
    parser.add_argument(
        "--rate",
        type=rate,
        default=200.0,
        help="updates a second offered, or max: each user again as soon as answered",
    )
    parser.add_argument(
        "--pairs",
        type=int,
        default=1,
        help="with --bot both: this many runs of the bare bot then volbot, with the median ratio",
    )
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--data-dir", type=Path, help="for the SQLite file and the bots' logs")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args(argv)
    if args.processes > 1 and args.database != "postgres":
        parser.error(
            "two processes share one database, which must be PostgreSQL: SQLite has one writer "
            "at a time (add --database postgres and set VOLBOT_BENCH_POSTGRES_URL)"
        )
    if args.users < 1:
        parser.error("--users must be at least 1")
    if args.pairs < 1 or (args.pairs > 1 and args.bot != "both"):
        parser.error("--pairs is a count of at least 1, for --bot both")
    if args.bot != "volbot" and (args.mode != "polling" or args.processes != 1):
        parser.error("the bare bot runs in one process, by long polling")
    return args


def database_url(args: argparse.Namespace) -> str:
    if args.database == "sqlite":
        return f"sqlite+aiosqlite:///{args.data_dir / 'volbot.db'}"
    url = os.environ.get("VOLBOT_BENCH_POSTGRES_URL", "")
    if not url:
        raise SystemExit(
            "bench: --database postgres reads VOLBOT_BENCH_POSTGRES_URL, a fresh empty database "
            "(scripts/with-postgres starts one)"
        )
    return url


def run(args: argparse.Namespace) -> dict[str, Any]:
    url = database_url(args)
    say(f"migrating {url}")
    upgrade(url)
    say(f"seeding {args.users:,} registered volunteers and one published activity")
    asyncio.run(seed(url, args.users))
    # The sandbox and the load run on uvloop: the harness should cost little next to the bot.
    if args.bot != "both":
        return uvloop.run(measure(args, url, args.bot))
    pairs = [
        side_by_side(
            uvloop.run(measure(args, url, "bare")), uvloop.run(measure(args, url, "volbot")), RATIOS
        )
        for _ in range(args.pairs)
    ]
    if len(pairs) == 1:
        return pairs[0]
    ratios = {name: [pair["ratio"][name] for pair in pairs] for name in RATIOS}
    return {
        "pairs": pairs,
        "ratio": {
            name: round(median(values), 3) for name, values in ratios.items() if None not in values
        },
    }


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    print(json.dumps(in_data_dir(args, run)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
