"""SQLite's connection for the async engine: aiosqlite's, with a cursor that costs one trip to
the database thread per statement instead of four.

aiosqlite runs every call on the connection's own thread and hands the result back to the
event loop. SQLAlchemy's adapter makes four such trips for each statement (open a cursor,
execute, fetch all rows, close), and every trip is two thread switches: the worker waits for
the event loop to let go of the GIL, then the loop waits for the worker. Under load, when the
loop is busy with other updates, each wait can last a whole switch interval, and an update runs
about six statements. Here `execute` opens the cursor, runs the statement, reads up to
`PREFETCH` rows and, when that was all of them, closes the cursor, in one trip. A longer result
(an export streamed in chunks) keeps its cursor open and is read on further trips, a chunk at a
time, so memory stays bounded. Commit and rollback do nothing when no transaction is open (one
that only read ends with no trip).

A transaction's writes, and once it has written its queries, run on the event loop's thread,
with no trip (`Connection.at_once`): it holds the database's write lock by then, so none of them
waits for a lock, and in the bot it holds the process's turn to write (`models.db.write_turn`),
which every other update's transaction queues for. Each trip made the turn last a loop
iteration longer, however busy the loop was with other updates. A query that runs long is
stopped and run on the thread; a first write that finds another process writing goes there to
wait for the lock. So does the commit of a transaction that wrote, but only every
`CHECKPOINT_EVERY`-th, to copy the log into the database as well (`Connection.commit`); the
others run at once. Queries outside a transaction that wrote go to the thread.

A commit does not wait for the disk where it runs (`PRAGMA synchronous=NORMAL`: it writes the
log and returns); `LogSync` then has the log synced on a thread of its own, once for all the
commits made meanwhile. A commit returns once its log is on disk, unless it was made in
`sync_later`: the process's turn to write (`models.db.write_turn`) is given up first and the
disk waited for after, so the next update's transaction does not wait for this one's disk. What
is committed can be read before it is on disk (for about 0.2 ms); nothing is answered, sent or
confirmed to Telegram before the commit that led to it is (the log is written in order, so that
sync covers every commit before it).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeAlias, TypeVar

import aiosqlite

SWITCH_INTERVAL_S = 0.0005
"""How long a thread may hold the GIL while another waits for it (Python's default is 5 ms).
A statement's result is handed back to a busy event loop, which keeps the GIL until it waits
for I/O or the interval runs out: with the default, under load, each statement could wait
5 ms for nothing."""

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")  # a statement's first word when it writes
BUSY_TIMEOUT_MS = 30_000
"""How long a write waits for another connection's write lock (off by default: it fails at once)."""

AT_ONCE_STEPS = 200_000
"""SQLite's virtual-machine steps a query may take on the event loop's thread (about a
millisecond) before it is stopped and run on the database thread instead."""
STEPS_PER_LOOK = 1000

GROUP_MOST = 8
"""Commits that may wait for one sync of the log, while more transactions wait for the turn to
write (`LogSync`)."""

CHECKPOINT_EVERY = 100
"""A connection's commits between two checkpoints it runs (SQLite's own automatic ones are off:
`models.db.create_engine`)."""

PREFETCH = 1000
"""Rows read in the statement's own trip: every query an update makes returns fewer."""

_Outcome: TypeAlias = tuple[list[Any], Any, int, int | None, sqlite3.Cursor | None]
T = TypeVar("T")


def _run(connection: sqlite3.Connection, run: Callable[[sqlite3.Cursor], object]) -> _Outcome:
    """On the database thread: a cursor runs the statement and reads its first rows."""
    cursor = connection.cursor()
    try:
        run(cursor)
        rows = cursor.fetchmany(PREFETCH) if cursor.description else []
    except BaseException:
        cursor.close()
        raise
    outcome = (rows, cursor.description, cursor.rowcount, cursor.lastrowid)
    if len(rows) < PREFETCH:
        cursor.close()
        return (*outcome, None)
    return (*outcome, cursor)


class LogSync:
    """Has a database's log (its `-wal` file) synced to disk, once for the commits of several
    updates. Commits are numbered (`commit_made`); `reach(n)` returns once the n-th is on
    disk. A commit made while other updates wait for the process's turn to write leaves the
    sync to them, up to `GROUP_MOST` commits: under load one sync (about 0.2 ms of the event
    loop) serves several updates; with nobody waiting it syncs at once."""

    def __init__(self, log_path: str | None) -> None:
        self.path = log_path  # None: an in-memory database, nothing to sync
        self.made = 0
        self.synced = 0
        self._descriptor: int | None = None
        self._inode: int | None = None
        self._next: asyncio.Future[None] | None = None  # done at the next sync

    def commit_made(self) -> int:
        self.made += 1
        return self.made

    async def reach(self, commit: int, *, others_follow: bool = False) -> None:
        """Return once commit number `commit` is on disk; when `others_follow` (a transaction
        waits for the turn to write), its sync may be left to the ones that follow."""
        if self.synced >= commit:
            return
        if not others_follow or self.made - self.synced >= GROUP_MOST:
            self.sync()
            return
        loop = asyncio.get_running_loop()
        if self._next is None or self._next.done() or self._next.get_loop() is not loop:
            self._next = loop.create_future()
        await asyncio.shield(self._next)  # shared: a waiter cancelled leaves it to the others

    def sync(self) -> None:
        """Sync the log now, if a commit is not yet on disk, and wake those waiting for it."""
        if self.synced >= self.made or self.path is None:
            self.synced = self.made
        else:
            upto = self.made
            self._fsync()
            self.synced = upto
        waiting, self._next = self._next, None
        if waiting is not None and not waiting.done():
            waiting.set_result(None)

    def _fsync(self) -> None:
        """A log that is gone was checkpointed into the database, and synced with it, by the
        last connection to close; a new log (another file) is opened, and its folder synced
        (its name is in it)."""
        assert self.path is not None
        try:
            inode = os.stat(self.path).st_ino
        except FileNotFoundError:
            return
        if inode != self._inode or self._descriptor is None:
            if self._descriptor is not None:
                os.close(self._descriptor)
            self._descriptor = os.open(self.path, os.O_RDONLY)
            self._inode = os.fstat(self._descriptor).st_ino
            folder = os.open(os.path.dirname(self.path), os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
        os.fsync(self._descriptor)


_LOGS: dict[str | None, LogSync] = {}


def log_sync(database: str, uri: bool = False) -> LogSync:
    """The `LogSync` of the database file `database` names (one for all its connections)."""
    path: str | None = database
    if uri and database.startswith("file:"):
        path, _, query = database[len("file:") :].partition("?")
        if "mode=memory" in query:
            path = None
    if path in (None, "", ":memory:"):
        path = None
    else:
        path = os.path.abspath(path) + "-wal"
    if path not in _LOGS:
        _LOGS[path] = LogSync(path)
    return _LOGS[path]


class Owed:
    """The commits made in a `sync_later` block, whose log is not yet known to be on disk."""

    def __init__(self) -> None:
        self._commits: dict[LogSync, int] = {}

    def add(self, log: LogSync, commit: int) -> None:
        self._commits[log] = commit

    async def reach(self, *, others_follow: bool) -> None:
        """Return once every commit made in the block is on disk (`LogSync.reach`)."""
        for log, commit in self._commits.items():
            await log.reach(commit, others_follow=others_follow)


def sync_waiting() -> None:
    """Sync now the logs whose commits wait for a sync (the turn to write was given up and
    nobody waits for it: nobody else would)."""
    for log in _LOGS.values():
        if log.synced < log.made:
            log.sync()


_OWED: ContextVar[Owed | None] = ContextVar("sqlite_commits_owed", default=None)


@contextmanager
def sync_later() -> Iterator[Owed]:
    """The commits made in the block return before their log is on disk; `Owed.reach` waits
    for it, after the block (when the process's turn to write has been given up)."""
    owed = Owed()
    token = _OWED.set(owed)
    try:
        yield owed
    finally:
        _OWED.reset(token)


def _commit_and_checkpoint(connection: sqlite3.Connection) -> None:
    """On the database thread: commit, then copy what the log holds into the database, as far
    as no reader still needs it (PASSIVE: it waits for nobody)."""
    connection.commit()
    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").close()


def _read(cursor: sqlite3.Cursor, size: int | None) -> tuple[list[Any], bool]:
    """On the database thread: the next rows (all if `size` is None), and whether that was all."""
    rows = cursor.fetchall() if size is None else cursor.fetchmany(size)
    done = size is None or len(rows) < size
    if done:
        cursor.close()
    return rows, done


class Cursor:
    """The part of aiosqlite's cursor SQLAlchemy's adapter uses, each call at most one trip."""

    arraysize = 1

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._rows: deque[Any] = deque()
        self._open: sqlite3.Cursor | None = None  # rows remain to be read
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def _start(self, run: Callable[[sqlite3.Cursor], object], sql: str) -> Cursor:
        await self.close()
        connection = self._connection
        outcome = connection.at_once(run, sql)
        if outcome is None:
            outcome = await connection.on_thread(_run, connection.sqlite, run)
        rows, self.description, self.rowcount, self.lastrowid, self._open = outcome
        self._rows = deque(rows)
        return self

    async def execute(self, sql: str, parameters: Any = ()) -> Cursor:
        return await self._start(lambda cursor: cursor.execute(sql, parameters), sql)

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> Cursor:
        return await self._start(lambda cursor: cursor.executemany(sql, parameters), sql)

    async def _fill(self, wanted: int | None) -> None:
        """Reads more rows from the open cursor until `wanted` are at hand (None: all)."""
        if self._open is None or (wanted is not None and len(self._rows) >= wanted):
            return
        more = None if wanted is None else max(wanted - len(self._rows), PREFETCH)
        rows, done = await self._connection.on_thread(_read, self._open, more)
        self._rows.extend(rows)
        if done:
            self._open = None

    async def fetchone(self) -> Any:
        await self._fill(1)
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        wanted = self.arraysize if size is None else size
        await self._fill(wanted)
        return [self._rows.popleft() for _ in range(min(wanted, len(self._rows)))]

    async def fetchall(self) -> Sequence[Any]:
        await self._fill(None)
        rows = list(self._rows)
        self._rows.clear()
        return rows

    async def close(self) -> None:
        self._rows.clear()
        if self._open is not None:
            cursor, self._open = self._open, None
            await self._connection.on_thread(cursor.close)


class Connection(aiosqlite.Connection):
    """aiosqlite's connection, whose cursors are `Cursor`s."""

    def __init__(self, *args: Any, log: LogSync, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.log = log
        self._commits = 0  # since its last checkpoint

    @property
    def sqlite(self) -> sqlite3.Connection:
        return self._conn

    def at_once(self, run: Callable[[sqlite3.Cursor], object], sql: str) -> _Outcome | None:
        """The statement `sql`, run on the event loop's thread when the connection's
        transaction has written (it holds the database's write lock, so nothing it runs waits
        for a lock) or when it is the first write; None when it is to go to the database
        thread. A query that runs longer than `AT_ONCE_STEPS` is stopped and left to the
        thread; a write is not (stopping it would roll back its transaction)."""
        connection = self.sqlite
        verb = sql.lstrip()[:7].upper()
        if not connection.in_transaction:
            return self._first_write(run) if verb.startswith(WRITES) else None
        if not verb.startswith("SELECT"):
            return _run(connection, run)
        steps = iter(range(AT_ONCE_STEPS // STEPS_PER_LOOK))
        connection.set_progress_handler(lambda: next(steps, None) is None, STEPS_PER_LOOK)
        try:
            return _run(connection, run)
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_INTERRUPT:
                raise
            return None
        finally:
            connection.set_progress_handler(None, 0)

    def _first_write(self, run: Callable[[sqlite3.Cursor], object]) -> _Outcome | None:
        """A transaction's first write, at once, unless another connection holds the write lock
        (another process's: this one's writers take turns): then None, the transaction begun
        again on the thread, where the busy handler waits for the lock."""
        connection = self.sqlite
        connection.execute("PRAGMA busy_timeout = 0")
        try:
            return _run(connection, run)
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
                raise
            connection.rollback()  # it has not written: nothing is lost
            return None
        finally:
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    async def on_thread(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` on the connection's thread, where all its SQLite calls run."""
        result: T = await self._execute(function, *args)  # type: ignore[no-untyped-call]
        return result

    def cursor(self) -> Cursor:  # type: ignore[override]
        return Cursor(self)

    async def commit(self) -> None:
        """Commit, when a transaction is open (SQLite's opens at the first write, so a
        transaction that only read has nothing to commit), at once: it appends to the log,
        holding the lock it holds already (on the thread it kept the process's turn to write a
        loop iteration longer); then the log is synced on `LogSync`'s thread, now or, in
        `sync_later`, after the block. Every `CHECKPOINT_EVERY`-th commit of the connection
        goes to the thread, and then copies the log into the database (a checkpoint, which
        SQLite would otherwise run inside whichever commit found the log long: on the loop,
        for milliseconds)."""
        if not self.in_transaction:
            return
        self._commits += 1
        if self._commits < CHECKPOINT_EVERY:
            self.sqlite.commit()
        else:
            self._commits = 0
            await self.on_thread(_commit_and_checkpoint, self.sqlite)
        commit = self.log.commit_made()
        owed = _OWED.get()
        if owed is None:
            self.log.sync()
        else:
            owed.add(self.log, commit)

    async def rollback(self) -> None:
        """Roll back, on the thread only when a transaction is open. The pool rolls back every
        connection handed back to it, after a commit too: that was a trip for nothing at the end
        of every transaction, made while the process's turn to write was still held."""
        if self.in_transaction:
            await self.on_thread(self.sqlite.rollback)


def hand_over_sooner() -> None:
    """For a process whose updates SQLite serves: the database thread and the event loop hand
    the GIL to each other after `SWITCH_INTERVAL_S`."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)


def connect(database: str, **options: Any) -> Connection:
    """A connection to open (await it), as `aiosqlite.connect` makes one, its thread a daemon
    like the one SQLAlchemy makes (an engine never disposed must not keep the process alive)."""
    # Used from the event loop's thread too (`Connection.at_once`), never at the same time.
    shared = {**options, "check_same_thread": False}
    connection = Connection(
        lambda: sqlite3.connect(database, **shared),
        iter_chunk_size=64,
        log=log_sync(database, bool(options.get("uri"))),
    )
    connection._thread.daemon = True
    return connection
