"""What the benchmarks share: progress lines, a process's memory and CPU from /proc, percentiles,
the environment of a `volbot run` they start, the volunteers they seed, and the users' load of
incoming updates (`Load`, `drive`: bench/updates.py, and bench/reminders.py --with-updates).
Imported as `common` (a benchmark runs as `python bench/NAME.py`, so this folder is first on its
path)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import math
import os
import shutil
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.local.harness import process_environment
from bot.texts import catalogs
from sandbox.records import ApiCall
from sandbox.server import BotApiSandbox
from sandbox.users import SandboxUser

TELEGRAM_ID_BASE = 100_000_000
COMMANDS = ("/my", "/activities", "/help", "/hours")  # reads, sent in turn
TICK_S = 0.002  # how often the load looks for replies and sends what is due
PROGRESS_S = 5.0
DRAIN_S = 10.0  # after the load, wait this long at most for the outstanding replies


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def memory_mb(pid: int | str, field: str) -> float:
    """`VmRSS` (now) or `VmHWM` (peak) of a process, from Linux's /proc. A process that has
    exited but is not yet waited for (a zombie) has no memory to show: ProcessLookupError."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise ProcessLookupError(f"process {pid} has exited: /proc/{pid}/status has no {field}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used, from Linux's /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def bot_environment(url: str, api_url: str, token: str, **settings: str) -> dict[str, str]:
    """A benchmark's `volbot run` environment: the sandbox's, in English, and `settings`."""
    return process_environment(url, api_url, token, DEFAULT_LANGUAGE="en", **settings)


@contextlib.contextmanager
def harness_heap_set_aside() -> Iterator[None]:
    """The benchmark's own process (the sandbox and the load generator) with what it holds set
    aside from its garbage collector for the measured window. A full collection looked over all
    of it and paused the process 110-160 ms within the window: the sandbox stamped the bot's
    replies late meanwhile and the open loop's users then sent in a burst, so the harness's
    pause showed as the bot's latency (a p99 of 70 ms at 100 updates a second, 21 of its 66
    updates over 30 ms from one such pause)."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def telegram_id(volunteer: int) -> int:
    """Volunteer i (1…N) is Telegram user TELEGRAM_ID_BASE + i."""
    return TELEGRAM_ID_BASE + volunteer


def volunteer_rows(count: int, now: datetime) -> Iterator[dict[str, Any]]:
    """Volunteers 1…N as table rows (ids given, for bulk Core inserts into a fresh database)."""
    for v in range(1, count + 1):
        yield {
            "id": v,
            "telegram_id": telegram_id(v),
            "status": "active",
            "language": "en",
            "full_name": f"Volunteer {v}",
            "phone": f"+86138{v:08d}",
            "registered_at": now - timedelta(days=100),
        }


def baseline_option(parser: argparse.ArgumentParser, flag: str, bare: str) -> None:
    """`flag` volbot (the default), bare (`bare`: bench/bare.py) or both in turn, with their
    ratio (`side_by_side`)."""
    parser.add_argument(
        flag,
        choices=("volbot", "bare", "both"),
        default="volbot",
        help=f"volbot; {bare} (bench/bare.py); or both in turn, with their ratio",
    )


def side_by_side(
    bare: dict[str, Any], volbot: dict[str, Any], names: tuple[str, ...]
) -> dict[str, Any]:
    """Both runs' figures and `ratio` = volbot ÷ bare of the figures `names`: ratios hold on
    any machine, where the absolute figures depend on it and its load."""
    ratio = {
        name: round(volbot[name] / bare[name], 2) if volbot[name] and bare[name] else None
        for name in names
    }
    return {"bare": bare, "volbot": volbot, "ratio": ratio}


def in_data_dir(
    args: argparse.Namespace, run: Callable[[argparse.Namespace], dict[str, Any]]
) -> dict[str, Any]:
    """`run(args)` with `args.data_dir` made: the one given, or a scratch folder removed after
    the run unless `args.keep`."""
    scratch = args.data_dir is None
    args.data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="volbot-bench-")).resolve()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        return run(args)
    finally:
        if scratch and not args.keep:
            shutil.rmtree(args.data_dir, ignore_errors=True)
        else:
            say(f"logs and data kept in {args.data_dir}")


# ---- the load of incoming updates ----------------------------------------------------------


def apologies() -> frozenset[str]:
    texts = catalogs()
    return frozenset(texts.get("en", key) for key in ("errors.unexpected", "errors.unavailable"))


@dataclass(frozen=True)
class Waiting:
    """An update sent and not answered yet."""

    sent_at: float  # sandbox clock
    update_id: int


@dataclass
class Load:
    """The users' side: who is waiting for a reply since when, and what the replies took."""

    sandbox: BotApiSandbox
    users: dict[int, SandboxUser]
    idle: deque[int]
    apologies: frozenset[str]  # the bot's replies for an update it failed to handle
    waiting: dict[int, Waiting] = field(default_factory=dict)  # by chat
    latencies: list[float] = field(default_factory=list)
    answered_at: list[float] = field(default_factory=list)
    sent: int = 0
    skipped: int = 0  # due while every user was still waiting for a reply
    refused: int = 0  # replies the sandbox answered with an error
    apologised: int = 0
    seen_calls: int = 0
    cpu_s: float = 0.0  # CPU time in send and take_replies
    lost: list[tuple[int, int, float]] = field(default_factory=list)  # update id, chat, sent at

    @classmethod
    def of(cls, sandbox: BotApiSandbox, volunteers: range) -> Load:
        """Volunteers `volunteers` (numbers, see `telegram_id`) as the sandbox's users, idle."""
        users = {
            telegram_id(v): sandbox.user(telegram_id(v), f"Volunteer {v}", language_code="en")
            for v in volunteers
        }
        return cls(sandbox, users, deque(users), apologies())

    async def send(self) -> None:
        """The next idle user sends the next command."""
        if not self.idle:
            self.skipped += 1
            return
        began = time.process_time()
        chat = self.idle.popleft()
        command = COMMANDS[self.sent % len(COMMANDS)]
        self.sent += 1
        sent_at = self.sandbox.monotonic()
        self.waiting[chat] = Waiting(sent_at, await self.users[chat].send(command))
        self.cpu_s += time.process_time() - began

    def replies(self, calls: list[ApiCall]) -> Iterator[tuple[int, ApiCall]]:
        """(chat, call) for each of `calls` that answers a waiting user's update."""
        for call in calls:
            chat = call.chat_id
            if call.method != "sendMessage" or chat is None or chat not in self.waiting:
                continue
            if call.time >= self.waiting[chat].sent_at:
                yield chat, call

    def take_replies(self) -> list[int]:
        """The chats answered since the last look, now idle again."""
        began = time.process_time()
        calls = self.sandbox.calls[self.seen_calls :]
        self.seen_calls += len(calls)
        answered: list[int] = []
        for chat, call in list(self.replies(calls)):
            if chat not in self.waiting:
                continue  # a second message of the same reply
            if call.status != 200:
                self.refused += 1  # the user saw nothing; stays waiting
                continue
            if call.params.get("text") in self.apologies:
                self.apologised += 1
            self.latencies.append(call.time - self.waiting.pop(chat).sent_at)
            self.answered_at.append(call.time)
            answered.append(chat)
        self.idle.extend(answered)
        self.cpu_s += time.process_time() - began
        return answered

    def unanswered(self, recorded: set[int]) -> Counter[str]:
        """What became of the updates still waiting after the drain, once the bots stopped:
        answered while stopping, still queued at Telegram (delivered again to the next run),
        recorded and not handled (taken up again at the next start), or lost."""
        late = {chat for chat, call in self.replies(self.sandbox.calls[self.seen_calls :])}
        queued = {update["update_id"] for update in self.sandbox.pending_updates}
        fates: Counter[str] = Counter()
        for chat, waiting in self.waiting.items():
            if chat in late:
                fates["answered while stopping"] += 1
            elif waiting.update_id in queued:
                fates["still queued at Telegram"] += 1
            elif waiting.update_id in recorded:
                fates["recorded, not handled"] += 1
            else:
                fates["lost"] += 1
                self.lost.append((waiting.update_id, chat, waiting.sent_at))
        return fates


async def drive(load: Load, rate: float | None, seconds: float) -> float:
    """Send for `seconds`: `rate` a second (open loop), or with `rate` None each user again as
    soon as answered (closed loop); then wait up to DRAIN_S for the replies still due. Returns
    the sandbox time the load ended."""
    clock = load.sandbox.monotonic
    start = clock()
    end, report = start + seconds, start + PROGRESS_S
    if rate is None:
        for _ in range(len(load.idle)):
            await load.send()
    due = 0
    while (now := clock()) < end:
        answered = load.take_replies()
        if rate is None:
            for _ in answered:
                await load.send()
        else:
            while due < int((now - start) * rate):
                due += 1
                await load.send()
        if now >= report:
            report += PROGRESS_S
            say(
                f"  {now - start:4.0f} s: sent {load.sent:,}, answered {len(load.latencies):,}, "
                f"waiting {len(load.waiting):,}"
            )
        await asyncio.sleep(TICK_S)
    drain_until = clock() + DRAIN_S
    while load.waiting and clock() < drain_until:
        await asyncio.sleep(TICK_S)
        load.take_replies()
    return end
