"""Controlling a recruitment call once it is saved: who may pause, resume, cancel or release it,
the controls themselves (under the call's row lock, each audited), the check made again when a
call falls due, and the latest calls a coordinator may see and control (/broadcasts).

Every control asks about the presser's role *now*, never about who made the call: an admin
controls any call; a coordinator only a call within the teams they coordinate today. A call an
admin paused is resumed only by an admin. A call whose author no longer holds the reach it was
made with is held when it falls due (`hold_if_unvouched`), until someone who does releases it.
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
from models.organisations import organisations
from models.teams import roles

# A call stays open to controls until it is over.
OPEN = (
    BroadcastStatus.SCHEDULED,
    BroadcastStatus.RUNNING,
    BroadcastStatus.PAUSED,
    BroadcastStatus.HELD,
)


def teams_of(broadcast: Broadcast) -> tuple[int, ...]:
    """The teams a call belongs to: its own team, else the teams its author reached when they
    made it; none for an admin's call to several teams or everyone (admins only control it)."""
    if broadcast.team_id is not None:
        return (broadcast.team_id,)
    made_with = Scope.from_json(broadcast.audience)
    return () if made_with.admin else made_with.team_ids


async def may_control(
    session: AsyncSession, broadcast: Broadcast, telegram_id: int, admin_ids: Sequence[int]
) -> bool:
    """An admin, or a coordinator (or organisation admin) of every team the call belongs to —
    as they are now."""
    if await roles.is_admin(session, telegram_id, admin_ids):
        return True
    teams = teams_of(broadcast)
    overseen = await organisations.overseen_teams(session, telegram_id, admin_ids)
    managed = {team.id for team in overseen}
    return bool(teams) and set(teams) <= managed


async def may_send(
    session: AsyncSession, broadcast: Broadcast, telegram_id: int, admin_ids: Sequence[int]
) -> bool:
    """Whether this person's role today covers everyone the call reaches: an admin's reach
    (a call made with it) needs an admin; a coordinator's, a coordinator of its teams."""
    if await roles.is_admin(session, telegram_id, admin_ids):
        return True
    if Scope.from_json(broadcast.audience).admin:
        return False
    return await may_control(session, broadcast, telegram_id, admin_ids)


Control = Literal["pause", "resume", "cancel", "release"]
# What each control needs the call to be, and what it makes it; the refusal otherwise.
CONTROLS: dict[Control, tuple[tuple[BroadcastStatus, ...], BroadcastStatus]] = {
    "pause": ((BroadcastStatus.RUNNING, BroadcastStatus.SCHEDULED), BroadcastStatus.PAUSED),
    "resume": ((BroadcastStatus.PAUSED,), BroadcastStatus.RUNNING),
    "cancel": (OPEN, BroadcastStatus.CANCELLED),
    # Released: it goes out at once (its time has passed), vouched for by whoever released it.
    "release": ((BroadcastStatus.HELD,), BroadcastStatus.SCHEDULED),
}
NOT_ABLE: dict[Control, str] = {
    "pause": "broadcast_not_pausable",
    "resume": "broadcast_not_resumable",
    "cancel": "broadcast_not_cancelable",
    "release": "broadcast_not_held",
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
    """Pause, resume, cancel or release a call (under its row lock), if the actor's role now
    allows it. Sends already in flight finish; a cancelled call's unsent recipients stay
    counted as not sent."""
    broadcast = await session.scalar(
        select(Broadcast).where(Broadcast.id == broadcast_id).with_for_update()
    )
    if broadcast is None:
        raise Conflict("broadcast_not_found")
    admin = await roles.is_admin(session, actor, admin_ids)
    allowed = may_send if action == "release" else may_control
    if not await allowed(session, broadcast, actor, admin_ids):
        raise NotAllowed("broadcast_not_yours")
    allowed_from, becomes = CONTROLS[action]
    if broadcast.status not in allowed_from:
        raise Conflict(NOT_ABLE[action])
    if action == "resume" and broadcast.paused_by_admin and not admin:
        raise NotAllowed("broadcast_admin_paused")
    if action == "resume" and broadcast.started_at is None:
        becomes = BroadcastStatus.SCHEDULED  # paused before it began: it starts at its time
    if action == "pause":
        broadcast.paused_by_admin = admin
    if action == "release":
        broadcast.released_by = actor
        broadcast.send_at = now
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


async def hold_if_unvouched(
    session: AsyncSession, broadcast: Broadcast, *, admin_ids: Sequence[int], now: datetime
) -> bool:
    """A call falling due is held if whoever vouches for it (its author, or who released it)
    no longer holds the role it needs; audited. Whether it was held."""
    vouching = broadcast.released_by or broadcast.created_by
    if await may_send(session, broadcast, vouching, admin_ids):
        return False
    broadcast.status = BroadcastStatus.HELD
    audit.record(
        session,
        None,
        "broadcast.hold",
        broadcast,
        now,
        before={"status": BroadcastStatus.SCHEDULED},
        after={"status": BroadcastStatus.HELD},
    )
    return True


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
