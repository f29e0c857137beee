"""What the benchmarks share: progress lines, a process's memory and CPU from /proc, percentiles,
the environment of a `volbot run` they start and the volunteers they seed. Imported as `common`
(a benchmark runs as `python bench/NAME.py`, so this folder is first on its path)."""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.local.harness import process_environment

TELEGRAM_ID_BASE = 100_000_000


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def memory_mb(pid: int | str, field: str) -> float:
    """`VmRSS` (now) or `VmHWM` (peak) of a process, from Linux's /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"/proc/{pid}/status has no {field}")


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
