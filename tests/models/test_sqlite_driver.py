"""SQLite's connection (`models.sqlite_driver`): one trip to the database thread per statement,
a long result read a chunk at a time, and everything SQLAlchemy reads from a cursor (rows,
row counts, inserted ids, errors) as aiosqlite's own cursor gives it."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from models import db, sqlite_driver
from models.db import create_engine, session_factory, write_turn

ROWS = 2 * sqlite_driver.PREFETCH + 500
PAGE_BYTES = 4096  # SQLite's default page size


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The calls made on the database thread from now on, each as the number of rows it
    returned."""
    seen: list[int] = []
    on_thread = sqlite_driver.Connection.on_thread

    async def counted(
        self: sqlite_driver.Connection, function: Callable[..., Any], *args: Any
    ) -> Any:
        result = await on_thread(self, function, *args)
        rows = result[0] if isinstance(result, tuple) and isinstance(result[0], list) else []
        seen.append(len(rows))
        return result

    monkeypatch.setattr(sqlite_driver.Connection, "on_thread", counted)
    return seen


@pytest.fixture
async def numbers(tmp_path: Any) -> AsyncIterator[AsyncEngine]:
    """A database with a table of ROWS numbers."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'numbers.db'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE n (id INTEGER PRIMARY KEY, v INTEGER UNIQUE)"))
        await connection.execute(
            text("INSERT INTO n (v) VALUES (:v)"), [{"v": v} for v in range(ROWS)]
        )
    yield engine
    await engine.dispose()


async def run(connection: AsyncConnection, sql: str, **params: Any) -> Any:
    return await connection.execute(text(sql), params)


async def test_a_statement_and_its_rows_cost_one_trip(
    numbers: AsyncEngine, trips: list[int]
) -> None:
    async with numbers.connect() as connection:
        await run(connection, "SELECT 1")  # the transaction has begun
        trips.clear()
        result = await run(connection, "SELECT v FROM n WHERE v < :top ORDER BY v", top=5)
        assert result.scalars().all() == [0, 1, 2, 3, 4]
        assert trips == [5]


async def test_a_write_reports_its_row_count_and_new_id(numbers: AsyncEngine) -> None:
    async with numbers.begin() as connection:
        changed = await run(connection, "UPDATE n SET v = v + :by WHERE v < 10", by=ROWS)
        assert changed.rowcount == 10
        added = await run(connection, "INSERT INTO n (v) VALUES (-1)")
        assert added.lastrowid == ROWS + 1
        returned = await run(connection, "INSERT INTO n (v) VALUES (-2) RETURNING id")
        assert returned.scalar_one() == ROWS + 2


async def test_a_long_result_is_read_a_chunk_a_trip(numbers: AsyncEngine, trips: list[int]) -> None:
    async with numbers.connect() as connection:
        await run(connection, "SELECT 1")
        trips.clear()
        result = await run(connection, "SELECT v FROM n ORDER BY v")
        assert result.scalars().all() == list(range(ROWS))
        # The first chunk with the statement, the rest in one more trip.
        assert trips == [sqlite_driver.PREFETCH, ROWS - sqlite_driver.PREFETCH]


async def test_a_streamed_result_holds_a_chunk_at_a_time(
    numbers: AsyncEngine, trips: list[int]
) -> None:
    async with numbers.connect() as connection:
        await run(connection, "SELECT 1")
        trips.clear()
        streamed = await connection.stream(text("SELECT v FROM n ORDER BY v"))
        seen = [v async for v in streamed.scalars()]
        assert seen == list(range(ROWS))
        assert max(trips) == sqlite_driver.PREFETCH


async def test_a_result_left_unread_closes_its_cursor(
    numbers: AsyncEngine, trips: list[int]
) -> None:
    async with numbers.connect() as connection:
        await run(connection, "SELECT 1")
        trips.clear()
        streamed = await connection.stream(text("SELECT v FROM n ORDER BY v"))
        assert (await streamed.first()) == (0,)  # closes the result, most rows unread
        # The statement with its first chunk, then the cursor's closing: nothing more is read.
        assert trips == [sqlite_driver.PREFETCH, 0]


async def test_after_the_first_write_statements_run_without_a_trip(
    numbers: AsyncEngine, trips: list[int]
) -> None:
    async with numbers.begin() as connection:
        await run(connection, "SELECT 1")
        await run(connection, "UPDATE n SET v = -v WHERE v = 7")  # the write lock is held now
        trips.clear()
        assert (await run(connection, "SELECT v FROM n WHERE v < 0")).scalars().all() == [-7]
        await run(connection, "INSERT INTO n (v) VALUES (-1)")
        assert (await run(connection, "SELECT count(*) FROM n")).scalar_one() == ROWS + 1
        assert trips == []
    # The commit too; the next transaction's reads go to the thread until it writes.
    assert trips == []
    async with numbers.connect() as connection:
        assert (await run(connection, "SELECT count(*) FROM n")).scalar_one() == ROWS + 1
    assert len(trips) == 1


async def test_a_first_write_waits_on_the_thread_while_another_process_writes(
    numbers: AsyncEngine, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_thread = sqlite_driver.Connection.on_thread
    waiting = asyncio.Event()

    async def noticed(
        self: sqlite_driver.Connection, function: Callable[..., Any], *args: Any
    ) -> Any:
        waiting.set()
        return await on_thread(self, function, *args)

    other = sqlite3.connect(tmp_path / "numbers.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    other.execute("UPDATE n SET v = -v WHERE v = 3")
    monkeypatch.setattr(sqlite_driver.Connection, "on_thread", noticed)

    async def write() -> list[int]:
        async with numbers.begin() as connection:
            await run(connection, "UPDATE n SET v = -v WHERE v = 7")
            return list((await run(connection, "SELECT v FROM n WHERE v < 0")).scalars())

    writing = asyncio.create_task(write())
    await waiting.wait()  # it could not write at once: it waits for the lock on the thread
    other.execute("COMMIT")
    other.close()
    assert sorted(await writing) == [-7, -3]


async def test_a_long_query_after_the_first_write_goes_to_the_thread(
    numbers: AsyncEngine, trips: list[int]
) -> None:
    async with numbers.begin() as connection:
        await run(connection, "UPDATE n SET v = -v WHERE v = 7")
        trips.clear()
        # Every pair of rows: far more steps than a query may take on the loop's thread.
        pairs = "SELECT count(*) FROM n AS a, n AS b WHERE a.v + b.v = :sum"
        assert (await run(connection, pairs, sum=ROWS)).scalar_one() == ROWS - 3
        assert trips == [1]
        # A write is never stopped half-way (that would roll back the transaction).
        trips.clear()
        await run(connection, "UPDATE n SET v = v + 0 WHERE v IN (SELECT a.v FROM n AS a, n AS b)")
        assert trips == []
        assert (await run(connection, "SELECT v FROM n WHERE v < 0")).scalars().all() == [-7]


async def test_every_hundredth_commit_checkpoints_on_the_thread(
    numbers: AsyncEngine, tmp_path: Any, trips: list[int]
) -> None:
    log = tmp_path / "numbers.db-wal"
    every = sqlite_driver.CHECKPOINT_EVERY
    added = iter(range(-1, -10 * every, -1))

    async def commits(count: int) -> None:
        for _ in range(count):
            await run(connection, "INSERT INTO n (v) VALUES (:v)", v=next(added))
            await connection.commit()

    async with numbers.connect() as connection:
        for _ in range(every):  # up to the connection's next checkpoint
            await commits(1)
            if trips:
                break
        trips.clear()
        await commits(every - 1)
        assert trips == []  # at once
        await commits(1)
        assert trips == [0]  # the commit and the checkpoint, on the thread
        # SQLite's own checkpoints are off; the driver's keep the log from growing: after a
        # checkpoint it is written again from its start. Without them each of these commits
        # would add at least a page to it.
        size = log.stat().st_size
        await commits(3 * every)
        assert log.stat().st_size - size < every * PAGE_BYTES


async def test_errors_are_sqlalchemys_and_leave_the_connection_usable(
    numbers: AsyncEngine,
) -> None:
    async with numbers.connect() as connection:
        with pytest.raises(OperationalError, match="no such table"):
            await run(connection, "SELECT * FROM missing")
        await connection.rollback()
        with pytest.raises(IntegrityError, match="UNIQUE"):
            await run(connection, "INSERT INTO n (v) VALUES (1)")
        await connection.rollback()
        assert (await run(connection, "SELECT count(*) FROM n")).scalar_one() == ROWS


async def test_the_engine_connects_through_it(numbers: AsyncEngine) -> None:
    async with numbers.connect() as connection:
        raw = await connection.get_raw_connection()
        assert isinstance(raw.driver_connection, sqlite_driver.Connection)


async def test_only_a_transaction_that_wrote_goes_to_the_thread_to_end(
    numbers: AsyncEngine, trips: list[int]
) -> None:
    async with numbers.begin() as connection:
        await run(connection, "SELECT v FROM n WHERE v = 1")
    assert len(trips) == 1  # the statement: nothing to commit, nor to roll back when handed back
    trips.clear()
    async with numbers.begin() as connection:
        await run(connection, "UPDATE n SET v = -v WHERE v = 1")
    assert trips == []  # the write and its commit ran at once (no other process wrote)
    async with numbers.connect() as connection:
        await run(connection, "UPDATE n SET v = -v WHERE v = -1")
    assert len(trips) == 1  # the rollback of what it wrote
    async with numbers.connect() as connection:
        assert (await run(connection, "SELECT v FROM n WHERE v = -1")).scalar_one() == -1


@pytest.fixture
def log_syncs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files synced to disk from now on (their paths), in order."""
    synced: list[str] = []
    fsync = os.fsync

    def recorded(descriptor: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{descriptor}"))
        fsync(descriptor)

    monkeypatch.setattr(os, "fsync", recorded)
    return synced


async def test_a_commit_returns_once_its_log_is_on_disk(
    numbers: AsyncEngine, tmp_path: Any, log_syncs: list[str]
) -> None:
    async with numbers.connect() as connection:
        assert (await run(connection, "PRAGMA synchronous")).scalar_one() == 1  # NORMAL
    log = sqlite_driver.log_sync(str(tmp_path / "numbers.db"))
    for value in (-1, -2):
        async with numbers.begin() as connection:
            await run(connection, "INSERT INTO n (v) VALUES (:v)", v=value)
        assert log.synced == log.made
    assert log_syncs.count(str(tmp_path / "numbers.db-wal")) == 2


async def test_turns_that_others_wait_for_share_a_sync_given_up_first(
    numbers: AsyncEngine, tmp_path: Any, log_syncs: list[str]
) -> None:
    """Ten transactions queued for the turn to write: each gives the turn up before its commit
    is on disk, and a sync serves `GROUP_MOST` of them (the last one's serves the rest)."""
    sessions = session_factory(numbers)
    turn_queue = 10
    steps: list[str] = []
    first_holds = asyncio.Event()

    async def write(name: int) -> None:
        async with write_turn(sessions):
            if name == 0:
                await first_holds.wait()
            async with sessions() as session, session.begin():
                await session.execute(text("INSERT INTO n (v) VALUES (:v)"), {"v": -1 - name})
            steps.append(f"{name} committed")
        steps.append(f"{name} on disk")

    writers = [asyncio.create_task(write(name)) for name in range(turn_queue)]
    await asyncio.sleep(0)  # each runs a step: the first takes the turn, the others queue
    assert write_turn_queue(numbers) == turn_queue - 1
    first_holds.set()
    await asyncio.gather(*writers)

    group = sqlite_driver.GROUP_MOST
    assert [step for step in steps if "committed" in step] == [
        f"{name} committed" for name in range(turn_queue)
    ]
    # The first `group` commits reach the disk together, once the `group`-th is made (each
    # turn given up before); the rest with the last, when nobody waits for the turn any more.
    for name in range(turn_queue):
        last_in_group = group - 1 if name < group else turn_queue - 1
        assert steps.index(f"{name} on disk") > steps.index(f"{last_in_group} committed")
    assert log_syncs.count(str(tmp_path / "numbers.db-wal")) == 2
    log = sqlite_driver.log_sync(str(tmp_path / "numbers.db"))
    assert log.synced == log.made


def write_turn_queue(engine: AsyncEngine) -> int:
    """How many transactions wait for the engine's turn to write."""
    turn = db._TURNS.get(engine.sync_engine)
    return 0 if turn is None else turn.queued
