"""Updates received, recorded before Telegram is told they arrived.

Telegram delivers each update to the webhook until it gets a 2xx answer, and may deliver one
twice; under long polling it forgets an update once a later getUpdates confirms it. So the bot
answers a delivery, or confirms what it fetched, only once the update is in this table (unique by
`update_id`: a second delivery finds it there and is not handled again), then handles it from the
record. The handled mark is written in the transaction of the update's effects (`settle`). The
payload is kept only until the answer is sent — it holds what people typed — and rows are
forgotten a day later. An update whose process died before handling it is taken up by another
process (or the same one after a restart) once its lease has run out; one that cannot be handled
in `TRIES` tries (the framework cannot read it) is set aside, its payload erased.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Index,
    Insert,
    Interval,
    Update,
    bindparam,
    delete,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, EnumText, UTCDateTime, one_of, table_of
from models.db import database_clock, dialect, dialect_upsert, lease_end, lease_now
from models.driver import OnDriver

LEASE = timedelta(seconds=60)  # long enough for any one update's handling
KEEP = timedelta(days=1)  # Telegram gives up redelivering long before this
TRIES = 3  # an update not handled in this many tries is set aside
# Telegram's update ids are positive 64-bit integers (the column's range).
UPDATE_IDS = range(2**63)


InboxStatus = StrEnum("InboxStatus", "PENDING HANDLING DONE REJECTED")


class InboundUpdate(Base):
    __tablename__ = "inbound_updates"
    __table_args__ = (
        one_of("status", InboxStatus),
        Index("ix_inbound_updates_status_received", "status", "received_at"),
    )

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[InboxStatus] = mapped_column(
        EnumText(InboxStatus, 16), default=InboxStatus.PENDING
    )
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tries: Mapped[int] = mapped_column(default=0, server_default="0")


def valid_update_id(value: object) -> bool:
    """A whole number (not a bool, a float or a string) Telegram could have given an update."""
    return type(value) is int and value in UPDATE_IDS


@cache
def _record(database: str, *, claimed: bool) -> Insert:
    """`record`'s statement for the database named `database` (`models.db.dialect`), built
    once, on the table, its rows bound when it runs. Given a list of rows, SQLAlchemy makes its
    one multi-row INSERT from the statement compiled once ("insertmanyvalues"); the rows given
    to `.values()` were compiled anew for every batch, through the ORM's bulk-insert path. Where
    leases end by the database's clock (`models.db.lease_now`), a claim's end is part of the
    statement and only its length is bound."""
    table = table_of(InboundUpdate)
    statement = dialect_upsert(database, table)
    clock = database_clock(database)
    if claimed and clock is not None:
        statement = statement.values(lease_until=clock + bindparam("lease", type_=Interval))
    return statement.on_conflict_do_nothing(index_elements=[table.c.update_id]).returning(
        table.c.update_id
    )


async def record(
    session: AsyncSession,
    payloads: Sequence[dict[str, Any]],
    *,
    now: datetime,
    claim_for: timedelta | None = None,
) -> list[int]:
    """Keep delivered updates (each with a valid `update_id`); the ids of those not delivered
    before, in order (the others are done or in hand already). With `claim_for` they are
    recorded as taken by this process for that long: their first try."""
    if not payloads:
        return []
    database = dialect(session)
    state: dict[str, Any] = {"status": InboxStatus.PENDING, "lease_until": None, "tries": 0}
    if claim_for is not None:
        state = {"status": InboxStatus.HANDLING, "tries": 1}
        if database_clock(database) is None:  # by the process's clock: a value
            state["lease_until"] = lease_end(session, now, claim_for)
        else:  # by the database's: in the statement (`_record`), its length bound
            state["lease"] = claim_for
    rows = [
        {"update_id": p["update_id"], "payload": p, "received_at": now, **state} for p in payloads
    ]
    result = await session.execute(_record(database, claimed=claim_for is not None), rows)
    return sorted(result.scalars())


def _claimable(session: AsyncSession, now: datetime) -> Any:
    return or_(
        InboundUpdate.status == InboxStatus.PENDING,
        (InboundUpdate.status == InboxStatus.HANDLING)
        & (InboundUpdate.lease_until < lease_now(session, now)),
    )


async def claim(
    session: AsyncSession, update_id: int, *, now: datetime, lease: timedelta = LEASE
) -> dict[str, Any] | None:
    """Take a recorded update to handle it (one more try); None if another process has it, it is
    done, or it is to be set aside (`set_aside`)."""
    result = await session.execute(
        update(InboundUpdate)
        .where(
            InboundUpdate.update_id == update_id,
            _claimable(session, now),
            InboundUpdate.tries < TRIES,
        )
        .values(
            status=InboxStatus.HANDLING,
            lease_until=lease_end(session, now, lease),
            tries=InboundUpdate.tries + 1,
        )
        .returning(InboundUpdate.payload)
        .execution_options(synchronize_session=False)
    )
    row = result.first()
    return None if row is None else row[0]


async def release(session: AsyncSession, update_ids: Sequence[int] | None) -> None:
    """Give back updates taken and not handled (their try failed, or the process is stopping;
    None: all, when a polling process starts, the only one receiving): any process may take them
    up again at once. One being handled meanwhile is still handled once (`settle`)."""
    held = InboundUpdate.status == InboxStatus.HANDLING
    await session.execute(
        update(InboundUpdate)
        .where(held if update_ids is None else held & InboundUpdate.update_id.in_(update_ids))
        .values(status=InboxStatus.PENDING, lease_until=None)
        .execution_options(synchronize_session=False)
    )


async def set_aside(session: AsyncSession, *, now: datetime) -> list[int]:
    """Updates tried `TRIES` times in vain (the framework cannot read them, or handling them
    kills the process): rejected for good, what was typed erased."""
    result = await session.execute(
        update(InboundUpdate)
        .where(_claimable(session, now), InboundUpdate.tries >= TRIES)
        .values(status=InboxStatus.REJECTED, payload=null(), lease_until=None)
        .returning(InboundUpdate.update_id)
        .execution_options(synchronize_session=False)
    )
    return sorted(result.scalars())


async def left_behind(session: AsyncSession, *, now: datetime, older_than: timedelta) -> list[int]:
    """Updates recorded a while ago and never handled (their process died, or gave them back),
    oldest first."""
    rows = await session.scalars(
        select(InboundUpdate.update_id)
        .where(
            _claimable(session, now),
            InboundUpdate.tries < TRIES,
            InboundUpdate.received_at <= now - older_than,
        )
        .order_by(InboundUpdate.update_id)
        .limit(100)
    )
    return list(rows)


def settle_statement(_database: str = "") -> Update:
    """`settle`'s statement: it returns the update's id when it marked it."""
    table = table_of(InboundUpdate)
    return (
        update(table)
        .where(table.c.update_id == bindparam("settled"), table.c.status != InboxStatus.DONE)
        .values(status=InboxStatus.DONE, lease_until=None)
        .returning(table.c.update_id)
    )


# Every update runs it, first in its transaction: on the driver (`models.driver`).
_SETTLE = OnDriver(settle_statement)


async def settle(session: AsyncSession, update_id: int) -> bool:
    """Mark an update handled in the transaction of its effects, so that they are committed
    together or not at all (its payload goes once the answer is sent: `handled`); False when it
    was handled already (by another process whose lease ran out, say): its effects are then to
    be rolled back. An update never recorded (fed to the dispatcher directly) has nothing to
    mark."""
    if await _SETTLE.rows(session, settled=update_id):
        return True
    return await session.get(InboundUpdate, update_id) is None


@cache
def _handled() -> Update:
    """`handled`'s statement, built once, on the table, the ids bound when it runs: every
    update runs it, through the ORM's bulk-update path when built anew."""
    table = table_of(InboundUpdate)
    return (
        update(table)
        .where(table.c.update_id.in_(bindparam("answered", expanding=True)))
        .values(status=InboxStatus.DONE, payload=null(), lease_until=None)
    )


async def handled(session: AsyncSession, update_ids: Sequence[int]) -> None:
    """Done and answered: forget what was typed, keep the ids to recognise a second delivery."""
    await session.execute(_handled(), {"answered": list(update_ids)})


async def forget_old(session: AsyncSession, *, now: datetime, older_than: timedelta) -> int:
    """Erase what was typed in updates done a while ago whose process died before `handled`
    (their answer went with it); forget the ids of the updates past redelivery."""
    await session.execute(
        update(InboundUpdate)
        .where(
            InboundUpdate.status == InboxStatus.DONE,
            InboundUpdate.payload.is_not(None),
            InboundUpdate.received_at < now - older_than,
        )
        .values(payload=null())
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(
        delete(InboundUpdate).where(
            InboundUpdate.status == InboxStatus.DONE, InboundUpdate.received_at < now - KEEP
        )
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


async def forget_sender(session: AsyncSession, telegram_id: int) -> None:
    """A person erased their data: updates of theirs not yet handled (the one asking for the
    erasure among them) are set down as handled, their payloads dropped."""
    waiting = await session.execute(
        select(InboundUpdate.update_id, InboundUpdate.payload).where(
            InboundUpdate.status != InboxStatus.DONE, InboundUpdate.payload.is_not(None)
        )
    )
    theirs = [update_id for update_id, payload in waiting if _names(payload, telegram_id)]
    if theirs:
        await session.execute(
            update(InboundUpdate)
            .where(InboundUpdate.update_id.in_(theirs))
            .values(status=InboxStatus.DONE, payload=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )


def _names(payload: Any, telegram_id: int) -> bool:
    """Whether a user or chat in the update is this person (`"id": telegram_id` anywhere)."""
    if isinstance(payload, dict):
        return payload.get("id") == telegram_id or any(
            _names(value, telegram_id) for value in payload.values()
        )
    if isinstance(payload, list):
        return any(_names(value, telegram_id) for value in payload)
    return False
