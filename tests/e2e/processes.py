"""Real `volbot run` processes for end-to-end tests: started from the command line on the real
clock against the sandbox served from the test's event loop, each on its own sandbox address (so
the sandbox's log says which process made every request), stopped with SIGTERM or killed."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.local.harness import process_environment
from models.inbox import InboundUpdate
from sandbox import BotApiSandbox
from tests.conftest import LOG_DIR_ENV, TEST_ID_KEY

STOP_TIMEOUT_S = 15.0
POLL_S = 0.1
LOG_TAIL_LINES = 200
HANDLED_TIMEOUT_S = 20.0


@dataclass
class BotProcess:
    """One `volbot run` process, talking to the sandbox through its own address."""

    name: str
    api_url: str
    log_path: Path
    process: asyncio.subprocess.Process
    environment: dict[str, str] = field(default_factory=dict)

    def log_tail(self) -> str:
        lines = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(lines[-LOG_TAIL_LINES:])


def bot_environment(
    database_url: str, api_url: str, token: str, overrides: dict[str, str]
) -> dict[str, str]:
    """The environment of a bot process: the deployment the other end-to-end tests run
    (tests/conftest.py, make_settings), and the test's `overrides`."""
    deployment = {
        "REQUIRE_REAL_NAME": "true",
        "ID_ENCRYPTION_KEY": TEST_ID_KEY,
        "DEFAULT_LANGUAGE": "en",
        # Failures and retries; everything when the run's logs are kept (`make test`), so
        # that they are searched for personal data at every level.
        "LOG_LEVEL": "DEBUG" if os.environ.get(LOG_DIR_ENV) else "WARNING",
        "HTTP_PORT": "0",  # several processes on one machine: a test that wants it picks ports
    }
    return process_environment(database_url, api_url, token, **(deployment | overrides))


async def start_process(
    sandbox: BotApiSandbox, database_url: str, workdir: Path, name: str, settings: dict[str, str]
) -> BotProcess:
    """Start `volbot run` on its own sandbox address, logging to `workdir/bot-<name>.log`."""
    api_url = await sandbox.add_address()
    # With the run's log folder set (`make test`), the log goes there to be searched for
    # personal data; a name of its own, as many tests start processes named "a".
    log_dir = os.environ.get(LOG_DIR_ENV)
    if log_dir:
        log_path = Path(log_dir) / f"bot-{uuid.uuid4().hex[:12]}-{name}.log"
    else:
        log_path = workdir / f"bot-{name}.log"
    environment = bot_environment(database_url, api_url, sandbox.token, settings)
    with log_path.open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            cwd=workdir,  # no .env from the checkout is read
            env=environment,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )
    return BotProcess(name, api_url, log_path, process, environment)


@asynccontextmanager
async def bot_processes(
    sandbox: BotApiSandbox,
    database_url: str,
    workdir: Path,
    names: tuple[str, ...],
    settings: dict[str, str],
    own: dict[str, dict[str, str]] | None = None,
) -> AsyncIterator[list[BotProcess]]:
    """Start one `volbot run` per name, with `settings` and the name's `own` ones; stop them
    (SIGTERM, then kill) at the end and print their logs, which pytest shows when a test fails."""
    running: list[BotProcess] = []
    try:
        for name in names:
            chosen = settings | (own or {}).get(name, {})
            running.append(await start_process(sandbox, database_url, workdir, name, chosen))
        yield running
    finally:
        await asyncio.gather(*(stop(bot.process) for bot in running))
        for bot in running:
            print(f"--- bot process {bot.name} ({bot.api_url}), last lines of its log ---")
            print(bot.log_tail())


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT_S)
        except TimeoutError:
            process.kill()
            await process.wait()


async def until(
    condition: Callable[[], object],
    *,
    timeout: float,  # noqa: ASYNC109 - a bounded wait is the point
    what: str,
    bots: list[BotProcess],
) -> None:
    """Poll `condition` (sync or async) until true, failing early if a bot process died."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        dead = [bot for bot in bots if bot.process.returncode is not None]
        if dead:
            details = "\n".join(f"{b.name} exited {b.process.returncode}" for b in dead)
            raise AssertionError(f"a bot process stopped while waiting for {what}:\n{details}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(POLL_S)


def polling(sandbox: BotApiSandbox, bots: list[BotProcess]) -> Callable[[], bool]:
    """A condition: every process has polled the sandbox (so it has started)."""

    def all_polling() -> bool:
        polled = {call.via for call in sandbox.calls if call.method == "getUpdates"}
        return {bot.api_url for bot in bots} <= polled

    return all_polling


async def healthy(urls: Iterable[str]) -> bool:
    try:
        for url in urls:
            async with aiohttp.ClientSession() as session, session.get(f"{url}/healthz") as r:
                if r.status != 200 or (await r.json())["status"] != "ok":
                    return False
    except aiohttp.ClientError:
        return False
    return True


@dataclass
class HandledInDatabase:
    """Knows an update was handled when its record in `inbound_updates` is done and its payload
    erased (its answer sent)."""

    engine: AsyncEngine

    async def handled(self, update_id: int) -> None:
        deadline = time.monotonic() + HANDLED_TIMEOUT_S
        while time.monotonic() < deadline:
            async with self.engine.connect() as connection:
                row = (
                    await connection.execute(
                        select(InboundUpdate.status, InboundUpdate.payload).where(
                            InboundUpdate.update_id == update_id
                        )
                    )
                ).first()
            if row is not None and row.status == "done" and row.payload is None:
                return
            await asyncio.sleep(POLL_S)
        raise AssertionError(f"update {update_id} was not handled in {HANDLED_TIMEOUT_S} s")
