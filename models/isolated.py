"""Running a costly function on untrusted input (an uploaded spreadsheet) in a process of its own,
with limits on its CPU time, memory and wall-clock time, so that a hostile file costs the bot one
short-lived worker and never the event loop that answers everyone else.

Why a process and not a thread: parsing is pure Python, so a thread would still hold the GIL and
starve the event loop, and a thread can be neither stopped nor limited in memory. The worker is
forked by multiprocessing's "forkserver" (a small single-threaded server process), never straight
from the bot's process, whose asyncio loop and library threads make a plain fork unsafe. Each call
gets a fresh worker, so nothing of one upload survives into the next, and a limit reached kills
only that worker: RLIMIT_CPU (the kernel stops it), RLIMIT_AS (allocations fail) and a
wall-clock timeout in the caller, which kills it.

Why in `models/` and called directly by the rule that parses (not passed in through the
handlers' services): the limits belong to the parsing rule (models/publishing/import_file.py knows
what a reasonable file costs), the runner needs nothing from `bot/` or any setting, and a test can
call the rule and its limits without any wiring.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import resource
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, TypeVar

T = TypeVar("T")

_CONTEXT = multiprocessing.get_context("forkserver")
_preloaded: dict[str, list[str]] = {}


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int
    memory_bytes: int
    wall_seconds: float


class OverLimit(Exception):
    """The worker was stopped before it finished: past one of its limits, or it died."""


def _work(
    connection: Connection, limits: Limits, function: Callable[..., Any], args: tuple[Any, ...]
) -> None:
    """The worker: limit itself, run `function`, hand back its result or the exception it
    raised (raised again in the caller)."""
    cpu = limits.cpu_seconds
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))  # SIGXCPU, then SIGKILL
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    outcome: tuple[bool, Any]
    try:
        outcome = (True, function(*args))
    except MemoryError:
        outcome = (False, OverLimit())
    except Exception as error:  # handed to the caller, which raises it there
        outcome = (False, error)
    connection.send(outcome)
    connection.close()


def _receive(connection: Connection) -> tuple[bool, Any] | None:
    """The worker's outcome; None when it died without one (the pipe closed)."""
    try:
        outcome: tuple[bool, Any] = connection.recv()
    except (EOFError, OSError):
        return None
    return outcome


async def run(function: Callable[..., T], *args: Any, limits: Limits) -> T:
    """`function(*args)` in a fresh limited worker process (both must pickle); what it returns,
    or the exception it raised. Raises OverLimit when the worker ran past a limit or died."""
    # The fork server imports the first function's module once, so that its workers start with
    # it imported (otherwise each worker pays a second or more of imports before it starts).
    _CONTEXT.set_forkserver_preload(_preloaded.setdefault("modules", [function.__module__]))
    receiving, sending = _CONTEXT.Pipe(duplex=False)
    worker = _CONTEXT.Process(target=_work, args=(sending, limits, function, args), daemon=True)
    try:
        # Starting talks to the fork server (and starts it the first time): not on the loop.
        await asyncio.to_thread(worker.start)
        sending.close()  # the worker holds its own end: the pipe closes when it exits
        receiving_outcome = asyncio.ensure_future(asyncio.to_thread(_receive, receiving))
        try:
            outcome = await asyncio.wait_for(asyncio.shield(receiving_outcome), limits.wall_seconds)
        except TimeoutError:
            worker.kill()
            await receiving_outcome  # ends as the killed worker's end of the pipe closes
            raise OverLimit() from None
    finally:
        if worker.pid is not None:  # it started
            if worker.is_alive():
                worker.kill()
            await asyncio.to_thread(worker.join)
        receiving.close()
        sending.close()
    if outcome is None:
        raise OverLimit()
    succeeded, value = outcome
    if not succeeded:
        raise value
    result: T = value
    return result
