"""The `volbot` command."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from bot.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "action"):
        parser.print_help()
        return 2
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Libraries log every HTTP request at INFO; that is noise for an operator.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return int(args.action(settings, args) or 0)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="volbot",
        description="Volunteer sign-up and reminder bot for Telegram.",
    )
    commands = parser.add_subparsers(title="commands")

    run = commands.add_parser("run", help="run the bot against Telegram (long polling)")
    run.set_defaults(action=_run)

    sandbox = commands.add_parser(
        "sandbox",
        help="run the bot against a local Telegram sandbox (no token, no internet) and chat",
    )
    sandbox.add_argument("--framework", choices=("ptb", "aiogram"), default=None)
    sandbox.add_argument("--script", type=Path, help="play a YAML/JSON transcript and exit")
    sandbox.add_argument(
        "--data-dir",
        type=Path,
        default=Path(".sandbox"),
        help="where the sandbox keeps its database and key (default: ./.sandbox)",
    )
    sandbox.add_argument("--fresh", action="store_true", help="start from an empty database")
    sandbox.set_defaults(action=_sandbox)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(title="db commands")
    upgrade = db_commands.add_parser("upgrade", help="create or migrate the schema to the latest")
    upgrade.set_defaults(action=_db_upgrade)

    keygen = commands.add_parser("keygen", help="print a new ID_ENCRYPTION_KEY")
    keygen.set_defaults(action=_keygen)
    return parser


def _fail(message: str) -> int:
    print(f"volbot: {message}", file=sys.stderr)
    return 1


def _run(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.adapters.base import StartupError
    from bot.app import (
        ConfigError,
        build_adapter,
        build_dispatcher,
        ensure_schema_current,
        serve_until_stopped,
    )
    from models.db import create_engine, session_factory

    if not settings.telegram_bot_token:
        return _fail(
            "TELEGRAM_BOT_TOKEN is not set; to try the bot without Telegram, run `volbot sandbox`"
        )

    async def go() -> None:
        engine = create_engine(settings.database_url)
        try:
            await ensure_schema_current(engine, settings.database_url)
            dispatcher = build_dispatcher(settings, session_factory(engine))
            await serve_until_stopped(build_adapter(settings, dispatcher), settings)
        finally:
            await engine.dispose()

    try:
        asyncio.run(go())
    except (ConfigError, StartupError) as error:
        return _fail(str(error))
    except OSError as error:
        return _fail(f"cannot reach the database: {error}")
    return 0


def _sandbox(settings: Settings, args: argparse.Namespace) -> int:
    from sandbox.cli import run_sandbox

    return run_sandbox(settings, args)


def _db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    from migrations import upgrade

    upgrade(settings.database_url)
    print("volbot: the database schema is up to date")
    return 0


def _keygen(_settings: Settings, _args: argparse.Namespace) -> int:
    from models.crypto import IdCipher

    print(IdCipher.generate_key())
    return 0


if __name__ == "__main__":
    sys.exit(main())
