"""Engines and sessions. One session per incoming update is opened by the dispatcher."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import DateTime, Table, event, func, text, type_coerce
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from models import sqlite_driver

log = logging.getLogger(__name__)
# A server database's connections, all kept open: the updates' (`bot/dispatcher`'s
# CONCURRENT_SESSIONS, 10) and the timed jobs', the broadcast sender's and the webhook's. The
# same 15 as SQLAlchemy's default (5, and up to 10 more), whose 10 were each closed as it came
# back to the pool: under load a connection was made and dropped every few dozen updates (86
# connects in 5,000 transactions, 10 at a time), each costing both the bot and the server.
SERVER_POOL_SIZE = 15
T = TypeVar("T")


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; SQLite gets foreign keys, WAL and a busy timeout (off by default). A
    server database's connections are checked before use (`_closed_is_gone`), so after the
    server restarts the pool replaces its dead connections instead of failing an update with
    each. SQLite's
    connections are `sqlite_driver`'s, one trip to their thread per statement. A statement's
    parameters (names, phones, birth dates) are left out of its errors, which get logged."""
    kwargs.setdefault("hide_parameters", True)
    if not is_sqlite(url):
        kwargs.setdefault("pool_size", SERVER_POOL_SIZE)
        kwargs.setdefault("max_overflow", 0)
    engine = create_async_engine(url, **kwargs)
    if not is_sqlite(url):
        event.listen(engine.sync_engine, "checkout", _closed_is_gone)
    if is_sqlite(url):

        @event.listens_for(engine.sync_engine, "do_connect")
        def _one_trip_cursors(_dialect: Any, _record: Any, _args: Any, options: Any) -> None:
            options["async_creator_fn"] = sqlite_driver.connect

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            # Checkpoints run on the database thread (`sqlite_driver.Connection.commit`), not
            # inside a commit on the event loop.
            cursor.execute("PRAGMA wal_autocheckpoint=0")
            # A commit writes the log; the driver has it synced off the event loop (`LogSync`).
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={sqlite_driver.BUSY_TIMEOUT_MS}")
            cursor.close()

    return engine


def _closed_is_gone(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """A pooled connection the server closed (it stopped or restarted: it closes its clients'
    connections) is replaced, without a round trip: asyncpg sees the socket close as it
    happens. SQLAlchemy's `pool_pre_ping` did the same with three round trips before every
    transaction (BEGIN, a no-op statement, ROLLBACK): 3 % of the bot's CPU under load, on every
    update's own transaction and on those recording and erasing it. A connection cut without the
    server closing it (the network gone) fails its statement instead, and SQLAlchemy then
    replaces every connection of the pool."""
    if record.driver_connection.is_closed():
        raise DisconnectionError("the database closed this connection")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def write_turn(sessions: async_sessionmaker[AsyncSession]) -> AbstractAsyncContextManager[Any]:
    """Held around a transaction that writes, on SQLite: its one write lock is taken by polling
    (the busy handler sleeps 1 to 100 ms between tries), so under load the transactions of this
    process's updates queued there, each waking late. They queue here instead, in arrival
    order, each started the moment the one before commits. The block's commits are on disk
    when it ends; the turn is given up before the disk is waited for, and while others wait
    for it one sync of the log serves several turns (`sqlite_driver.LogSync`). Elsewhere
    (PostgreSQL locks rows, not the database) nothing is held."""
    engine = sessions.kw.get("bind")
    if engine is None or engine.dialect.name != "sqlite":
        return nullcontext()
    return _TURNS.setdefault(engine.sync_engine, _Turn()).taken()


class _Turn:
    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.queued = 0  # transactions waiting for the turn

    @asynccontextmanager
    async def taken(self) -> AsyncIterator[None]:
        self.queued += 1
        try:
            await self.lock.acquire()
        except BaseException:
            self.queued -= 1
            self._given_up()  # cancelled while waiting, perhaps the last to wait
            raise
        self.queued -= 1
        try:
            with sqlite_driver.sync_later() as owed:
                yield
        finally:
            self.lock.release()
            self._given_up()
        await owed.reach(others_follow=self.queued > 0)

    def _given_up(self) -> None:
        if self.queued == 0 and not self.lock.locked():
            sqlite_driver.sync_waiting()


_TURNS: WeakKeyDictionary[Any, _Turn] = WeakKeyDictionary()


def is_unavailable(error: BaseException) -> bool:
    """The database cannot be reached (down, restarting, network gone), as opposed to a query
    or data error: worth a "try again in a moment", not a bug report."""
    if isinstance(error, OSError | TimeoutError | PoolTimeout):  # no connection free in time
        return True
    if isinstance(error, DBAPIError):
        return error.connection_invalidated or isinstance(error, OperationalError | InterfaceError)
    return False


def dialect(session: AsyncSession) -> str:
    """The database the session talks to: "sqlite" or "postgresql"."""
    return session.get_bind().dialect.name


async def writes_already(session: AsyncSession) -> bool:
    """On SQLite: whether the session's transaction has written (and so holds the database's
    write lock until it ends): the driver opens a transaction only at the first write."""
    connection = await session.connection()
    driver: Any = (await connection.get_raw_connection()).driver_connection
    return bool(driver.in_transaction)


def upsert(session: AsyncSession, table: type[Any]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that can say ON CONFLICT, in the session's database's dialect."""
    return dialect_upsert(dialect(session), table)


def dialect_upsert(name: str, table: type[Any] | Table) -> postgresql.Insert | sqlite.Insert:
    """`upsert` for the database named "postgresql" or "sqlite" (`dialect`)."""
    if name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


@asynccontextmanager
async def reading(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session in a read-only transaction, for a long read (an export) that must hold no
    write lock meanwhile. On PostgreSQL a READ ONLY transaction at REPEATABLE READ: one snapshot
    for all its queries, and any write refused. On SQLite, where plain reads take no lock in WAL
    mode and a write would take the database's one write lock until the end, the connection is
    `query_only` meanwhile, so a write fails instead."""
    async with sessions() as session, session.begin():
        if dialect(session) == "postgresql":
            await session.execute(
                text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            )
            yield session
            return
        await session.execute(text("PRAGMA query_only = ON"))
        try:
            yield session
        finally:
            await session.execute(text("PRAGMA query_only = OFF"))


@asynccontextmanager
async def writing(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session in a short transaction of its own, committed at the end (in this process's
    turn to write, on SQLite: `write_turn`)."""
    async with write_turn(sessions), sessions() as session, session.begin():
        yield session


def lease_now(session: AsyncSession, now: datetime) -> Any:
    """The time leases (a claim's exclusive hold on a row) are measured by. On PostgreSQL the
    database's clock (as naive UTC, the columns' form): processes on several machines then agree
    whatever their own clocks say, so one running ahead takes nothing another holds. On SQLite
    (one machine) `now`, the process clock. Due times stay on the process clock (`now`): tests
    and the sandbox move it, and a clock ahead sends early but never twice."""
    clock = database_clock(dialect(session))
    return now if clock is None else clock


def database_clock(name: str) -> Any | None:
    """The clock `lease_now` measures leases by on the database named `name`, as an SQL
    expression: on PostgreSQL the database's; None on SQLite, where it is the process's."""
    if name == "postgresql":
        return type_coerce(func.timezone("UTC", func.clock_timestamp()), DateTime())
    return None


def lease_end(session: AsyncSession, now: datetime, lease: timedelta) -> Any:
    """When a lease taken now ends, by the clock of `lease_now`."""
    return lease_now(session, now) + lease


class WrittenTogether(Generic[T]):
    """Small writes that many tasks make at once (a reminder settled as its send returns, an
    answered update's payload erased), written together: an item waits while the write before
    it runs, then goes with everything else that came meanwhile, in one short transaction of
    `writing`. So a burst costs a few transactions, not one per item, while a lone item is
    written at once. `add` returns once its item is written; when that failed, `failed` has
    logged the batch and the item is left as it was (each caller says what then happens)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        write: Callable[[AsyncSession, list[T]], Awaitable[None]],
        failed: str,
    ) -> None:
        self._sessions = sessions
        self._write = write
        self._failed = failed  # logged with the batch when its write fails
        self._waiting: list[tuple[T, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def add(self, item: T) -> None:
        written = asyncio.get_running_loop().create_future()
        self._waiting.append((item, written))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all())
        await written

    async def _write_all(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            items = [item for item, _ in batch]
            try:
                async with writing(self._sessions) as session:
                    await self._write(session, items)
            except Exception:
                log.exception(self._failed, items)
            for _, written in batch:
                if not written.done():  # its caller may have been cancelled meanwhile
                    written.set_result(None)
