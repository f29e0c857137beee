"""Updates received by webhook, recorded before Telegram is told they arrived.

Telegram delivers each update to the webhook until it gets a 2xx answer, and may deliver one
twice. So the bot answers only once the update is in this table (unique by `update_id`: a second
delivery finds it there and is not handled again), then handles it from the record. The payload is
kept only until the update is handled — it holds what people typed — and rows are forgotten a day
later. An update whose process died before handling it is taken up by another process (or the
same one after a restart) once its lease has run out.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, delete, null, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, EnumText, UTCDateTime, one_of
from models.db import upsert

LEASE = timedelta(seconds=60)  # long enough for any one update's handling
KEEP = timedelta(days=1)  # Telegram gives up redelivering long before this


InboxStatus = StrEnum("InboxStatus", "PENDING HANDLING DONE")


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


async def record(
    session: AsyncSession, update_id: int, payload: dict[str, Any], *, now: datetime
) -> bool:
    """Keep a delivered update; False when it was delivered before (nothing to do)."""
    result = await session.execute(
        upsert(session, InboundUpdate)
        .values(update_id=update_id, payload=payload, status=InboxStatus.PENDING, received_at=now)
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(InboundUpdate.update_id)
    )
    return result.first() is not None


def _claimable(now: datetime) -> Any:
    return or_(
        InboundUpdate.status == InboxStatus.PENDING,
        (InboundUpdate.status == InboxStatus.HANDLING) & (InboundUpdate.lease_until < now),
    )


async def claim(
    session: AsyncSession, update_id: int, *, now: datetime, lease: timedelta = LEASE
) -> dict[str, Any] | None:
    """Take a recorded update to handle it; None if another process has it or it is done."""
    result = await session.execute(
        update(InboundUpdate)
        .where(InboundUpdate.update_id == update_id, _claimable(now))
        .values(status=InboxStatus.HANDLING, lease_until=now + lease)
        .returning(InboundUpdate.payload)
        .execution_options(synchronize_session=False)
    )
    row = result.first()
    return None if row is None else row[0]


async def left_behind(session: AsyncSession, *, now: datetime, older_than: timedelta) -> list[int]:
    """Updates recorded a while ago and never handled (their process died), oldest first."""
    rows = await session.scalars(
        select(InboundUpdate.update_id)
        .where(_claimable(now), InboundUpdate.received_at < now - older_than)
        .order_by(InboundUpdate.update_id)
        .limit(100)
    )
    return list(rows)


async def settle(session: AsyncSession, update_id: int) -> bool:
    """Mark an update handled in the transaction of its effects, so that they are committed
    together or not at all (its payload goes once the answer is sent: `handled`); False when it
    was handled already (by another process whose lease ran out, say): its effects are then to
    be rolled back. An update never recorded (fed to the dispatcher directly) has nothing to
    mark."""
    marked = await session.execute(
        update(InboundUpdate)
        .where(InboundUpdate.update_id == update_id, InboundUpdate.status != InboxStatus.DONE)
        .values(status=InboxStatus.DONE, lease_until=None)
        .returning(InboundUpdate.update_id)
        .execution_options(synchronize_session=False)
    )
    if marked.first() is not None:
        return True
    return await session.get(InboundUpdate, update_id) is None


async def handled(session: AsyncSession, update_id: int) -> None:
    """Done and answered: forget what was typed, keep the id to recognise a second delivery."""
    await session.execute(
        update(InboundUpdate)
        .where(InboundUpdate.update_id == update_id)
        .values(status=InboxStatus.DONE, payload=null(), lease_until=None)
        .execution_options(synchronize_session=False)
    )


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
