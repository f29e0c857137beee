"""`volbot sandbox`: the sandbox server, a seeded SQLite database and the real bot, with a
person chatting in the terminal, or a transcript played (`--script`)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import socket
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from pydantic import SecretStr

from bot.adapters.base import StartupError
from bot.app import ConfigError
from bot.local import demo
from bot.local.harness import running_bot
from bot.local.personas import ADMIN_ID, COORDINATOR_ID, SandboxState
from bot.local.script import FloodClock, Player
from bot.local.terminal import Terminal
from bot.local.transcript import ScriptError, Transcript, apply_settings
from bot.settings import Settings
from migrations import upgrade
from models.clock import ManualClock
from models.crypto import IdCipher

STANDIN_JS = "/app/static/telegram-web-app-standin.js"  # the dashboard's page, without Telegram
SCRIPT_START = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)  # transcripts see the same time every run


def run_sandbox(settings: Settings, args: argparse.Namespace) -> int:
    # The bot's own INFO lines would interleave with the chat; warnings still show.
    logging.getLogger().setLevel(logging.WARNING)
    try:
        if args.script is not None:
            return asyncio.run(_play(settings, args))
        return asyncio.run(_chat(settings, args))
    except ScriptError as error:
        return error.report(sys.stderr)
    except (ConfigError, StartupError) as error:
        print(f"volbot sandbox: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


def _prepare(settings: Settings, data_dir: Path, framework: str | None) -> Settings:
    """A migrated SQLite database and an ID key in `data_dir`, kept between runs."""
    data_dir.mkdir(parents=True, exist_ok=True)
    database = data_dir / "sandbox.db"
    key_file = data_dir / "id_encryption.key"
    if not key_file.exists():
        key_file.write_text(IdCipher.generate_key())
        key_file.chmod(0o600)
    url = f"sqlite+aiosqlite:///{database}"
    upgrade(url)
    return settings.model_copy(
        update={
            "database_url": url,
            "id_encryption_key": settings.id_encryption_key
            or SecretStr(key_file.read_text().strip()),
            "bot_framework": framework or settings.bot_framework,
        }
    )


def _port_free(host: str, port: int) -> bool:
    """Whether the bot's HTTP server could listen there (the sandbox runs without it if not)."""
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


async def _chat(settings: Settings, args: argparse.Namespace) -> int:
    if args.fresh:
        shutil.rmtree(args.data_dir, ignore_errors=True)
    prepared = await asyncio.to_thread(_prepare, settings, args.data_dir, args.framework)
    admins = (*prepared.admin_telegram_ids, ADMIN_ID)  # the admin persona
    prepared = prepared.model_copy(update={"admin_telegram_ids": admins})
    state = SandboxState.load(args.data_dir)  # the simulated clock goes on where it stopped
    clock = ManualClock(state.now)
    await demo.seed(prepared, clock.now(), coordinator=COORDINATOR_ID, demo=True)
    # The dashboard's page talks to the sandbox's stand-in for Telegram's script.
    prepared = prepared.model_copy(update={"webapp_telegram_js_url": STANDIN_JS})
    serve_http = prepared.http_port != 0 and _port_free(prepared.http_host, prepared.http_port)
    if prepared.http_port and not serve_http:
        print(f"(HTTP_PORT {prepared.http_port} is taken: no dashboard; set another HTTP_PORT)")
    async with running_bot(prepared, clock=clock, serve_http=serve_http) as bot:
        print(
            f"(sandbox Bot API at {bot.settings.telegram_api_base_url}, "
            f"framework {prepared.bot_framework}, data in {args.data_dir})"
        )
        await Terminal(bot, state=state, data_dir=args.data_dir).run()
    return 0


async def _play(settings: Settings, args: argparse.Namespace) -> int:
    transcript = Transcript.load(args.script)
    with tempfile.TemporaryDirectory(prefix="volbot-script-") as scratch:
        prepared = await asyncio.to_thread(_prepare, settings, Path(scratch), args.framework)
        async with transcript_player(prepared, transcript, sys.stdout, sys.stderr) as player:
            return await player.play()


@asynccontextmanager
async def transcript_player(
    settings: Settings, transcript: Transcript, out: TextIO, err: TextIO
) -> AsyncIterator[Player]:
    """A player of `transcript` and the bot it plays against (`player.bot`): `settings` (a
    migrated database) with the transcript's own, the seeded team, the simulated clock at
    SCRIPT_START, and flood limits on the time people take."""
    prepared = apply_settings(settings, transcript.settings)
    await demo.seed(prepared, SCRIPT_START, coordinator=COORDINATOR_ID, demo=False)
    flood_clock = FloodClock()
    clock = ManualClock(SCRIPT_START)
    async with running_bot(prepared, clock=clock, flood_clock=flood_clock) as bot:
        yield Player(bot, transcript, out, err, flood_clock)
