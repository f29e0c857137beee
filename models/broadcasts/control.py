"""Controlling a recruitment call once it is saved: who may pause, resume or cancel it (its
author, an admin, or a coordinator of its team), the controls themselves (under the call's row
lock, each audited), and the latest calls a coordinator may see and control (/broadcasts).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.broadcasts.audience import Scope
from models.broadcasts.tables import Broadcast, BroadcastStatus
from models.errors import Conflict, NotAllowed
from models.teams import roles

# A call stays open to pausing, resuming and cancelling until it is over.
OPEN = (BroadcastStatus.SCHEDULED, BroadcastStatus.RUNNING, BroadcastStatus.PAUSED)


async def may_control(
    session: AsyncSession, broadcast: Broadcast, telegram_id: int, admin_ids: Sequence[int]
) -> bool:
    if broadcast.created_by == telegram_id or await roles.is_admin(session, telegram_id, admin_ids):
        return True
    if broadcast.team_id is None:
        return False
    return await roles.may_manage(session, telegram_id, broadcast.team_id, admin_ids)


Control = Literal["pause", "resume", "cancel"]
# What each control needs the call to be, and what it makes it; the refusal otherwise.
CONTROLS: dict[Control, tuple[tuple[BroadcastStatus, ...], BroadcastStatus]] = {
    "pause": ((BroadcastStatus.RUNNING, BroadcastStatus.SCHEDULED), BroadcastStatus.PAUSED),
    "resume": ((BroadcastStatus.PAUSED,), BroadcastStatus.RUNNING),
    "cancel": (OPEN, BroadcastStatus.CANCELLED),
}
NOT_ABLE: dict[Control, str] = {
    "pause": "broadcast_not_pausable",
    "resume": "broadcast_not_resumable",
    "cancel": "broadcast_not_cancelable",
}


async def control(
    session: AsyncSession,
    broadcast_id: int,
    action: Control,
    *,
    actor: int,
    admin_ids: Sequence[int],
    now: datetime,
) -> Broadcast:
    """Pause, resume or cancel a call (under its row lock). Sends already in flight finish;
    a cancelled call's unsent recipients stay counted as not sent."""
    broadcast = await session.scalar(
        select(Broadcast).where(Broadcast.id == broadcast_id).with_for_update()
    )
    if broadcast is None:
        raise Conflict("broadcast_not_found")
    if not await may_control(session, broadcast, actor, admin_ids):
        raise NotAllowed("not_coordinator")
    allowed_from, becomes = CONTROLS[action]
    if broadcast.status not in allowed_from:
        raise Conflict(NOT_ABLE[action])
    if action == "resume" and broadcast.started_at is None:
        becomes = BroadcastStatus.SCHEDULED  # paused before it began: it starts at its time
    broadcast.status = becomes
    if becomes == BroadcastStatus.CANCELLED:
        broadcast.finished_at = now
    audit.record(
        session,
        actor,
        f"broadcast.{action}",
        broadcast,
        now,
        after={"status": becomes},
    )
    return broadcast


async def recent(
    session: AsyncSession, scope: Scope, telegram_id: int, *, limit: int
) -> list[Broadcast]:
    """The latest calls the caller may see: all for an admin, else their teams' and their own."""
    query = select(Broadcast).order_by(Broadcast.id.desc()).limit(limit)
    if not scope.admin:
        query = query.where(
            or_(Broadcast.team_id.in_(scope.team_ids), Broadcast.created_by == telegram_id)
        )
    return list(await session.scalars(query))
