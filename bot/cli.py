"""The `volbot` command."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import secrets
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import BinaryIO

from pydantic import ValidationError

from bot import version
from bot.logs import configure_logging
from bot.settings import Settings, settings_error


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "action"):
        parser.print_help()
        return 2
    try:
        settings = Settings()
    except ValidationError as error:
        return _fail(settings_error(error))
    configure_logging(settings.log_level, settings.log_format)
    return int(args.action(settings, args) or 0)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="volbot",
        description="Volunteer sign-up and reminder bot for Telegram.",
    )
    parser.add_argument("--version", action="version", version=f"volbot {version()}")
    commands = parser.add_subparsers(title="commands")

    run = commands.add_parser(
        "run",
        help="run the bot against Telegram (long polling, or a webhook if WEBHOOK_URL is set)",
    )
    run.add_argument(
        "--webhook",
        action="store_true",
        help="receive updates by webhook (WEBHOOK_URL and WEBHOOK_SECRET must be set)",
    )
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
    keygen.add_argument(
        "--webhook-secret", action="store_true", help="print a new WEBHOOK_SECRET instead"
    )
    keygen.set_defaults(action=_keygen)

    keys = commands.add_parser("keys", help="the ID_ENCRYPTION_KEY the ID numbers are under")
    keys_commands = keys.add_subparsers(title="keys commands")
    show = keys_commands.add_parser(
        "show", help="the stored key's fingerprint, and those of the keys this process has"
    )
    show.set_defaults(action=_keys_show)
    rotate = keys_commands.add_parser(
        "rotate",
        help="move every ID number to ID_ENCRYPTION_KEY from the key in ID_ENCRYPTION_OLD_KEYS",
    )
    rotate.set_defaults(action=_keys_rotate)
    settings = commands.add_parser("settings", help="the deployment's settings")
    settings_commands = settings.add_subparsers(title="settings commands")
    example = settings_commands.add_parser(
        "example", help="print .env.example: every setting with its meaning and default"
    )
    example.set_defaults(action=_settings_example)

    export = commands.add_parser(
        "export",
        help="write volunteers or confirmed service records to CSV or XLSX (docs/exports.md)",
    )
    export.add_argument("--what", choices=("volunteers", "records"), required=True)
    export.add_argument("--team", help="a team's name or id (default: every team)")
    day = date.fromisoformat
    export.add_argument("--from", dest="first_day", type=day, help="records: first day, YYYY-MM-DD")
    export.add_argument("--to", dest="last_day", type=day, help="records: last day, inclusive")
    export.add_argument("--format", choices=("csv", "xlsx"), help="default: the output's suffix")
    export.add_argument("--output", type=Path, required=True, help="the file to write")
    export.set_defaults(action=_export)
    return parser


def _fail(message: str) -> int:
    print(f"volbot: {message}", file=sys.stderr)
    return 1


def event_loop_factory(settings: Settings) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop when it is wanted and installed (it is not on Windows); None: asyncio's."""
    if not settings.uvloop:
        return None
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def _run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.adapters.base import StartupError
    from bot.app import (
        ConfigError,
        build_adapter,
        build_dispatcher,
        cipher_from,
        ensure_key_matches,
        ensure_schema_current,
        serve_until_stopped,
        webhook_from,
    )
    from models import sqlite_driver
    from models.db import create_engine, is_sqlite, session_factory

    if not settings.telegram_bot_token.get_secret_value():
        return _fail(
            "TELEGRAM_BOT_TOKEN is not set; to try the bot without Telegram, run `volbot sandbox`"
        )

    if is_sqlite(settings.database_url):
        sqlite_driver.hand_over_sooner()

    async def go() -> None:
        webhook = webhook_from(settings, required=args.webhook)
        engine = create_engine(settings.database_url)
        try:
            await ensure_schema_current(engine, settings.database_url)
            sessions = session_factory(engine)
            await ensure_key_matches(sessions, cipher_from(settings))
            dispatcher = build_dispatcher(settings, sessions)
            await serve_until_stopped(build_adapter(settings, dispatcher), settings, webhook)
        finally:
            await engine.dispose()

    try:
        with asyncio.Runner(loop_factory=event_loop_factory(settings)) as runner:
            runner.run(go())
    except (ConfigError, StartupError) as error:
        return _fail(str(error))
    except OSError as error:
        return _fail(f"cannot reach the database: {error}")
    return 0


def _sandbox(settings: Settings, args: argparse.Namespace) -> int:
    from bot.local.cli import run_sandbox

    return run_sandbox(settings, args)


def _db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    from migrations import upgrade

    upgrade(settings.database_url)
    print("volbot: the database schema is up to date")
    return 0


def _keygen(_settings: Settings, args: argparse.Namespace) -> int:
    from models.crypto import IdCipher

    print(secrets.token_urlsafe(32) if args.webhook_secret else IdCipher.generate_key())
    return 0


def _keys_show(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.app import ConfigError, cipher_from
    from models.crypto import shown
    from models.db import create_engine, session_factory
    from models.registration import id_keys

    async def stored() -> tuple[str | None, str | None]:
        engine = create_engine(settings.database_url)
        try:
            async with session_factory(engine)() as session:
                return await id_keys.recorded(session)
        finally:
            await engine.dispose()

    try:
        cipher = cipher_from(settings)
        current, target = asyncio.run(stored())
    except (ConfigError, OSError) as error:
        return _fail(str(error))
    print(f"stored ID numbers: key {shown(current) if current else '(none recorded yet)'}")
    if target:
        print(f"being moved to:    key {shown(target)} (`volbot keys rotate`)")
    print(f"ID_ENCRYPTION_KEY: key {shown(cipher.fingerprint) if cipher else '(not set)'}")
    for old in cipher.old_fingerprints if cipher else ():
        print(f"ID_ENCRYPTION_OLD_KEYS: key {shown(old)}")
    return 0


def _keys_rotate(settings: Settings, _args: argparse.Namespace) -> int:
    """Move the ID numbers to ID_ENCRYPTION_KEY; the bot keeps running meanwhile."""
    from bot.app import ConfigError, cipher_from, ensure_schema_current
    from models.crypto import IdCipher, shown
    from models.db import create_engine, session_factory
    from models.registration import id_keys

    try:
        cipher = cipher_from(settings)
    except ConfigError as error:
        return _fail(str(error))
    if cipher is None:
        return _fail("set ID_ENCRYPTION_KEY to the new key and ID_ENCRYPTION_OLD_KEYS to the old")

    def progress(done: id_keys.Rotated) -> None:
        print(f"\r{done.volunteers:,} volunteers, {done.drafts:,} drafts", end="", file=sys.stderr)

    async def go(cipher: IdCipher) -> id_keys.Rotated:
        engine = create_engine(settings.database_url)
        try:
            await ensure_schema_current(engine, settings.database_url)
            sessions = session_factory(engine)
            return await id_keys.rotate(sessions, cipher, now=datetime.now(UTC), progress=progress)
        finally:
            await engine.dispose()

    try:
        done = asyncio.run(go(cipher))
    except (id_keys.KeyMismatch, ConfigError, OSError) as error:
        return _fail(str(error))
    print(file=sys.stderr)
    print(
        f"volbot: the ID numbers are under key {shown(cipher.fingerprint)} "
        f"({done.volunteers:,} volunteers' and {done.drafts:,} unfinished registrations' moved); "
        "ID_ENCRYPTION_OLD_KEYS is no longer needed"
    )
    return 0


def _settings_example(_settings: Settings, _args: argparse.Namespace) -> int:
    from bot.env_example import env_example

    print(env_example(), end="")
    return 0


def _export(settings: Settings, args: argparse.Namespace) -> int:
    """Export as the server's operator: with the deployment's settings and key, audited."""
    from bot.app import ConfigError, cipher_from, ensure_key_matches, ensure_schema_current
    from bot.texts import catalogs
    from models.attendance.hours import hours_text
    from models.db import create_engine, session_factory
    from models.errors import VolbotError
    from models.reports import export_files, exports

    table = export_files.Table(args.what)
    suffix = args.output.suffix.lower()
    file_format = export_files.FileFormat(args.format or ("xlsx" if suffix == ".xlsx" else "csv"))
    if table is export_files.Table.VOLUNTEERS and (args.first_day or args.last_day):
        return _fail("--from and --to are for records; volunteers are exported as they are now")
    if args.first_day and args.last_day and args.first_day > args.last_day:
        return _fail("--from is after --to")

    def progress(done: int, total: int) -> None:
        print(f"\r{done:,}/{total:,} {table}", end="", file=sys.stderr, flush=True)

    async def go() -> exports.Totals:
        engine = create_engine(settings.database_url)
        try:
            await ensure_schema_current(engine, settings.database_url)
            cipher = cipher_from(settings)
            await ensure_key_matches(session_factory(engine), cipher)
            async with session_factory(engine)() as session, session.begin():
                team = await exports.find_team(session, args.team) if args.team else None
                if args.team and team is None:
                    raise ConfigError(f"no team is called or numbered {args.team!r}")
                scope = exports.Scope(
                    table, team.id if team else None, args.first_day, args.last_day
                )
                total = await exports.count(session, scope, settings.zone)
                progress(0, total)
                with _private_file(args.output) as out:
                    totals = await exports.export(
                        session,
                        scope,
                        file_format,
                        out,
                        zone=settings.zone,
                        cipher=cipher,
                        progress=lambda done: progress(done, total),
                    )
                print(file=sys.stderr)
                exports.record(
                    session,
                    actor=None,  # no Telegram account: the operator is named instead
                    scope=scope,
                    file_format=file_format,
                    totals=totals,
                    at=datetime.now(UTC),
                    by=f"cli:{getpass.getuser()}",
                    output=str(args.output),
                )
            return totals
        finally:
            await engine.dispose()

    try:
        totals = asyncio.run(go())
    except VolbotError as error:
        return _fail(catalogs().get("en", f"errors.{error.code}", **error.params))
    except (ConfigError, ValueError, OSError) as error:
        return _fail(str(error))
    if table is export_files.Table.VOLUNTEERS:
        print(f"volbot: {totals.volunteers:,} volunteers written to {args.output}")
    else:
        print(
            f"volbot: {totals.records:,} service records written to {args.output}: "
            f"{hours_text(totals.credited_minutes)} h credited, "
            f"{hours_text(totals.honour_minutes)} h honour"
        )
    return 0


@contextmanager
def _private_file(path: Path) -> Iterator[BinaryIO]:
    """`path` written whole or not at all, readable by its owner only (it holds ID numbers)."""
    partial = path.with_name(f".{path.name}.partial")
    with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
        try:
            yield out
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    partial.replace(path)


if __name__ == "__main__":
    sys.exit(main())
