"""Fixtures: a fresh, migrated database per test (SQLite and PostgreSQL), settings, and the
real bot running against the sandbox."""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.local.harness import RunningBot, running_bot
from bot.logs import NOISY_LOGGERS, TEXT_FORMAT, install_redaction
from bot.settings import Settings
from migrations import upgrade
from models.clock import ManualClock
from models.crypto import IdCipher
from models.db import create_engine, session_factory

# The PostgreSQL server tests use: an account that may create databases. `.ci/run` starts one and
# sets this; without it the PostgreSQL tests are skipped locally, and fail under CI.
POSTGRES_URL_ENV = "VOLBOT_TEST_POSTGRES_URL"
TEST_ID_KEY = IdCipher.generate_key()
# Where `make test` collects the logs of the run (the tests' and the bot processes').
LOG_DIR_ENV = "VOLBOT_TEST_LOG_DIR"
_counter = itertools.count()


def _postgres_admin_url() -> str | None:
    url = os.environ.get(POSTGRES_URL_ENV)
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail(f"{POSTGRES_URL_ENV} is not set: PostgreSQL tests must run in CI")
    return None


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[tuple[str, str]]:
    admin_url = _postgres_admin_url()
    if admin_url is None:
        pytest.skip(f"set {POSTGRES_URL_ENV} to run the PostgreSQL tests")
    name = f"volbot_template_{uuid.uuid4().hex[:8]}"
    asyncio.run(_pg_execute(admin_url, f'CREATE DATABASE "{name}"'))
    upgrade(_with_database(admin_url, name))
    yield admin_url, name
    asyncio.run(_pg_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _pg_execute(admin_url: str, statement: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


def _with_database(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "volbot.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def postgres_url(postgres_template: tuple[str, str]) -> AsyncIterator[str]:
    admin_url, template = postgres_template
    name = f"volbot_test_{os.getpid()}_{next(_counter)}"
    await _pg_execute(admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield _with_database(admin_url, name)
    await _pg_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """A fresh migrated database, once on SQLite and once on PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
async def engine(sqlite_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a fresh SQLite database, for domain tests that need no Telegram."""
    engine = create_engine(sqlite_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with session_factory(engine)() as session:
        yield session


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[AsyncSession]:
    """A session on a fresh database, once on SQLite and once on PostgreSQL."""
    engine = create_engine(database_url)
    async with session_factory(engine)() as session:
        yield session
    await engine.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "require_real_name": True,
        "id_encryption_key": TEST_ID_KEY,
        "default_language": "en",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture(params=["ptb", "aiogram"])
def framework(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@pytest.fixture
async def bot(database_url: str, framework: str, clock: ManualClock) -> AsyncIterator[RunningBot]:
    """The real bot through each framework, on each database, against the sandbox."""
    async with running_bot(
        make_settings(database_url, bot_framework=framework), clock=clock
    ) as running:
        yield running


@pytest.fixture
async def bot_without_real_name(
    database_url: str, framework: str, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    """A deployment that does not ask for ID numbers at registration."""
    settings = make_settings(database_url, bot_framework=framework, require_real_name=False)
    async with running_bot(settings, clock=clock) as running:
        yield running


def pytest_configure(config: pytest.Config) -> None:
    """Log as deployments do, redacted, and (when VOLBOT_TEST_LOG_DIR is set, as `make test`
    does) also to a file per xdist worker, at DEBUG, which `scripts/no-personal-data` then
    searches: personal data must stay out of the logs at every level."""
    install_redaction()
    log_dir = os.environ.get(LOG_DIR_ENV)
    if log_dir:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        handler = logging.FileHandler(Path(log_dir) / f"pytest-{worker}.log", encoding="utf-8")
        handler.setLevel(logging.DEBUG)
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
        logging.getLogger().addHandler(handler)
        logging.getLogger().setLevel(logging.DEBUG)
        for name in NOISY_LOGGERS:  # as configure_logging leaves them in deployments
            logging.getLogger(name).setLevel(logging.WARNING)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say plainly how many PostgreSQL tests ran, so a CI log shows they were not skipped."""
    counts = {
        outcome: sum(
            1
            for report in terminalreporter.stats.get(outcome, [])
            if getattr(report, "when", "call") == "call" or outcome == "skipped"
            if "postgres" in getattr(report, "keywords", {})
        )
        for outcome in ("passed", "failed", "skipped")
    }
    terminalreporter.write_line(
        "PostgreSQL tests: {passed} passed, {failed} failed, {skipped} skipped".format(**counts)
    )
