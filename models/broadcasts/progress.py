"""A call's progress message (the coordinator's message the sender edits as the call goes out):
where it is, and which calls are due an edit — claimed, so two processes do not both edit."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.broadcasts.tables import Broadcast, BroadcastStatus


async def set_progress_message(
    session: AsyncSession, broadcast_id: int, chat_id: int, message_id: int, *, now: datetime
) -> None:
    await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id)
        .values(progress_chat_id=chat_id, progress_message_id=message_id, progress_at=now)
    )


async def progress_due(
    session: AsyncSession, *, now: datetime, every: timedelta
) -> list[Broadcast]:
    """Calls whose progress message should be edited now (at most once per `every`), claimed
    by moving their time forward, so two processes do not both edit."""
    due = list(
        await session.scalars(
            select(Broadcast)
            .where(
                Broadcast.progress_message_id.is_not(None),
                Broadcast.status.in_((BroadcastStatus.RUNNING, BroadcastStatus.PAUSED)),
                Broadcast.progress_at <= now - every,
            )
            .with_for_update(skip_locked=True)
        )
    )
    for broadcast in due:
        broadcast.progress_at = now
    return due
