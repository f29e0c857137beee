"""Recruitment broadcasts: a coordinator's notice to a chosen audience (`audience`), delivered
from a durable outbox — one `deliveries` row per recipient, made by one INSERT … SELECT so that a
city-wide audience never passes through memory.

Senders claim rows in small batches with a lease and record each outcome as soon as its send
returns. A row still `sending` when its lease ends belonged to a sender that died, or whose send
timed out: nobody knows whether it arrived. Such rows are *uncertain*; the deployment chooses to
send them again (`resend`: nobody is lost, and the only possible duplicates are these) or not
(`skip`: nobody gets two). Either way they are counted in the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, cast

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    bindparam,
    case,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.activities.tables import Activity
from models.broadcasts import control
from models.broadcasts.audience import Audience, AudienceKind, Scope, check_audience, recipients
from models.broadcasts.tables import Broadcast, BroadcastStatus, Delivery, DeliveryStatus
from models.db import lease_end, lease_now
from models.errors import Conflict, InvalidInput, NotAllowed
from models.registration.tables import Volunteer
from models.visible_text import visible

Uncertain = Literal["resend", "skip"]
LEASE = timedelta(minutes=2)
TEXT_MAX = 4096  # https://core.telegram.org/bots/api#sendmessage
CAPTION_MAX = 1024  # https://core.telegram.org/bots/api#sendphoto
UNSENT = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


def check_text(text: str, *, photo: bool) -> str:
    text = visible(text).strip()
    if not text:
        raise InvalidInput("broadcast_text_empty")
    limit = CAPTION_MAX if photo else TEXT_MAX
    if len(text) > limit:
        raise InvalidInput("broadcast_text_too_long", limit=limit, length=len(text))
    return text


@dataclass(frozen=True)
class Draft:
    """A call as the coordinator composed it, before Confirm."""

    text: str
    audience: Audience
    photo_id: str | None = None
    activity_id: int | None = None
    send_at: datetime | None = None


async def create(
    session: AsyncSession, draft: Draft, *, actor: int, scope: Scope, now: datetime
) -> Broadcast:
    """Save a confirmed call; the sender starts it at its send time (at once if none), unless
    the caller starts it with `enqueue` (a shift call, whose outbox is narrowed)."""
    await check_audience(session, draft.audience, scope)
    check_text(draft.text, photo=draft.photo_id is not None)
    if draft.send_at is not None and draft.send_at <= now:
        raise InvalidInput("broadcast_time_past")
    activity = await session.get(Activity, draft.activity_id) if draft.activity_id else None
    if activity is not None and not scope.admin and activity.team_id not in scope.team_ids:
        raise NotAllowed("broadcast_other_team")
    team_id = activity.team_id if activity else _team_of(draft.audience, scope)
    broadcast = Broadcast(
        created_by=actor,
        team_id=team_id,
        activity_id=activity.id if activity else None,
        theme_id=activity.theme_id if activity else None,
        text=draft.text,
        photo_id=draft.photo_id,
        # The caller's reach is kept with the call: it is what they could reach when they made it.
        audience={**draft.audience.to_json(), **scope.to_json()},
        status=BroadcastStatus.SCHEDULED,
        send_at=draft.send_at or now,
        created_at=now,
        total=0,
    )
    session.add(broadcast)
    await session.flush()
    send_at = draft.send_at or now
    audit.record(
        session,
        actor,
        "broadcast.create",
        broadcast,
        now,
        after={"audience": draft.audience.to_json(), "send_at": send_at.isoformat()},
    )
    return broadcast


def _team_of(audience: Audience, scope: Scope) -> int | None:
    """The team a call belongs to (whose coordinators may control it): the one chosen, or the
    caller's only team; None for an admin's call to several teams or everyone."""
    if audience.kind == AudienceKind.TEAMS and len(audience.ids) == 1:
        return audience.ids[0]
    if not scope.admin and len(scope.team_ids) == 1:
        return scope.team_ids[0]
    return None


async def start_due(
    session: AsyncSession, *, now: datetime, admin_ids: Sequence[int]
) -> list[Broadcast]:
    """Start the calls whose time has come: enqueue their recipients, set-based, once (the
    broadcast's row lock keeps two processes from both starting it) — or hold those whose
    author no longer holds the role they were made with (`control.hold_if_unvouched`). The
    calls it started or held (by their status)."""
    due = await session.scalars(
        select(Broadcast)
        .where(Broadcast.status == BroadcastStatus.SCHEDULED, Broadcast.send_at <= now)
        .order_by(Broadcast.id)
        .with_for_update(skip_locked=True)
    )
    changed = []
    for broadcast in due:
        if not await control.hold_if_unvouched(session, broadcast, admin_ids=admin_ids, now=now):
            await enqueue(session, broadcast, now=now)
        changed.append(broadcast)
    return changed


async def enqueue(
    session: AsyncSession,
    broadcast: Broadcast,
    *,
    now: datetime,
    narrowed: Sequence[ColumnElement[bool]] = (),
) -> None:
    """Start a call: one INSERT … SELECT of its recipients (those its audience, within the
    reach it was made with, picks; `narrowed` further by the caller's own conditions)."""
    audience, scope = Audience.from_json(broadcast.audience), Scope.from_json(broadcast.audience)
    chosen = recipients(audience, scope, broadcast.theme_id, narrowed).with_only_columns(
        literal(broadcast.id),
        Volunteer.id,
        literal(DeliveryStatus.PENDING, Delivery.status.type),
        literal(0),
    )
    await session.execute(
        insert(Delivery).from_select(["broadcast_id", "volunteer_id", "status", "attempts"], chosen)
    )
    broadcast.total = (
        await session.scalar(select(func.count()).where(Delivery.broadcast_id == broadcast.id)) or 0
    )
    broadcast.status = BroadcastStatus.RUNNING
    broadcast.started_at = now


async def running(session: AsyncSession) -> list[int]:
    rows = await session.scalars(
        select(Broadcast.id)
        .where(Broadcast.status == BroadcastStatus.RUNNING)
        .order_by(Broadcast.id)
    )
    return list(rows)


async def take_back_expired(
    session: AsyncSession, broadcast_id: int, *, now: datetime, uncertain: Uncertain
) -> int:
    """Rows whose sender's lease ran out are uncertain: back to the queue (`resend`) or done
    with (`skip`). How many there were."""
    expired = and_(
        Delivery.broadcast_id == broadcast_id,
        Delivery.status == DeliveryStatus.SENDING,
        Delivery.lease_until < lease_now(session, now),
    )
    status = DeliveryStatus.PENDING if uncertain == "resend" else DeliveryStatus.UNCERTAIN
    result = await session.execute(
        update(Delivery)
        .where(expired)
        .values(status=status, uncertain=True, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Recipient:
    delivery_id: int
    telegram_id: int
    language: str


async def claim(
    session: AsyncSession,
    broadcast_id: int,
    *,
    now: datetime,
    limit: int,
    after_id: int = 0,
    lease: timedelta = LEASE,
) -> list[Recipient]:
    """Take up to `limit` pending recipients of a running call for this sender (ids above
    `after_id` first: the caller remembers where it was, so the scan does not walk over rows
    already sent). No other sender takes them until the lease ends."""
    pending = (
        select(Delivery.id)
        .where(
            Delivery.broadcast_id == broadcast_id,
            Delivery.status == DeliveryStatus.PENDING,
            Delivery.id > after_id,
        )
        .order_by(Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("pending")
        .prefix_with("MATERIALIZED")  # chosen once; see reminders.claim_due
    )
    result = await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(select(pending.c.id)), Delivery.status == DeliveryStatus.PENDING)
        .values(
            status=DeliveryStatus.SENDING,
            lease_until=lease_end(session, now, lease),
            attempts=Delivery.attempts + 1,
        )
        .returning(Delivery.id, Delivery.volunteer_id)
        .execution_options(synchronize_session=False)
    )
    claimed = {delivery_id: volunteer_id for delivery_id, volunteer_id in result}
    if not claimed:
        return []
    people = await session.execute(
        select(Volunteer.id, Volunteer.telegram_id, Volunteer.language).where(
            Volunteer.id.in_(claimed.values())
        )
    )
    by_volunteer = {v: (t, lang) for v, t, lang in people}
    found = []
    for delivery_id, volunteer_id in sorted(claimed.items()):
        telegram_id, language = by_volunteer[volunteer_id]
        if telegram_id is None:  # erased since the call started: nobody to send to
            await record(
                session, [Outcome(delivery_id, DeliveryStatus.FAILED, error="erased")], now=now
            )
            continue
        found.append(Recipient(delivery_id, telegram_id, language))
    return found


@dataclass(frozen=True)
class Outcome:
    """What became of one send: `sent`, `uncertain`, `failed` or `blocked`; `pending` when it
    must be tried again (refused with 429, or uncertain under `resend`)."""

    delivery_id: int
    status: DeliveryStatus
    message_id: int | None = None
    error: str | None = None
    uncertain: bool = False


async def record(session: AsyncSession, outcomes: Sequence[Outcome], *, now: datetime) -> None:
    """Record outcomes (one statement for the lot); a blocked recipient is marked unreachable,
    so no later call counts or tries them."""
    if not outcomes:
        return
    rows = Delivery.__table__.c  # a Core executemany: one statement, many rows
    new_status = bindparam("new_status", type_=rows.status.type)
    await session.execute(
        update(cast(Table, Delivery.__table__))
        .where(rows.id == bindparam("delivery"))
        .values(
            status=new_status,
            message_id=bindparam("message"),
            error=bindparam("reason"),
            uncertain=rows.uncertain | bindparam("was_uncertain"),
            sent_at=case((new_status == DeliveryStatus.SENT, now), else_=rows.sent_at),
            lease_until=None,
        ),
        [
            {
                "delivery": o.delivery_id,
                "new_status": o.status,
                "message": o.message_id,
                "reason": o.error,
                "was_uncertain": o.uncertain,
            }
            for o in outcomes
        ],
    )
    blocked = [o.delivery_id for o in outcomes if o.status == DeliveryStatus.BLOCKED]
    if blocked:
        await session.execute(
            update(Volunteer)
            .where(Volunteer.id.in_(select(Delivery.volunteer_id).where(Delivery.id.in_(blocked))))
            .values(reachable=False)
            .execution_options(synchronize_session=False)
        )


@dataclass(frozen=True)
class Figures:
    """A call's figures for its progress message and report."""

    total: int
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    left: int = 0
    # Sends that may or may not have arrived; `uncertain_skipped` of them were not sent again.
    uncertain: int = 0
    uncertain_skipped: int = 0
    by_status: dict[DeliveryStatus, int] = field(default_factory=dict)


async def figures(session: AsyncSession, broadcast_id: int) -> Figures:
    rows = await session.execute(
        select(Delivery.status, func.count(), func.sum(case((Delivery.uncertain, 1), else_=0)))
        .where(Delivery.broadcast_id == broadcast_id)
        .group_by(Delivery.status)
    )
    by_status: dict[DeliveryStatus, int] = {}
    uncertain = 0
    for status, number, doubtful in rows:
        by_status[status] = number
        uncertain += int(doubtful or 0)
    return Figures(
        total=sum(by_status.values()),
        sent=by_status.get(DeliveryStatus.SENT, 0),
        failed=by_status.get(DeliveryStatus.FAILED, 0),
        blocked=by_status.get(DeliveryStatus.BLOCKED, 0),
        left=sum(by_status.get(s, 0) for s in UNSENT),
        uncertain=uncertain,
        uncertain_skipped=by_status.get(DeliveryStatus.UNCERTAIN, 0),
        by_status=by_status,
    )


async def backlog(session: AsyncSession) -> int:
    """Recipients of running calls not yet sent to (for the metrics)."""
    waiting = await session.scalar(
        select(func.count())
        .select_from(Delivery)
        .join(Broadcast, Broadcast.id == Delivery.broadcast_id)
        .where(Broadcast.status == BroadcastStatus.RUNNING, Delivery.status.in_(UNSENT))
    )
    return waiting or 0


async def finish_done(session: AsyncSession, *, now: datetime) -> list[Broadcast]:
    """Mark running calls with nobody left to send to as done."""
    unsent = exists().where(Delivery.broadcast_id == Broadcast.id, Delivery.status.in_(UNSENT))
    done = list(
        await session.scalars(
            select(Broadcast)
            .where(Broadcast.status == BroadcastStatus.RUNNING, ~unsent)
            .with_for_update(skip_locked=True)
        )
    )
    for broadcast in done:
        broadcast.status = BroadcastStatus.DONE
        broadcast.finished_at = now
    return done


async def get(session: AsyncSession, broadcast_id: int) -> Broadcast:
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None:
        raise Conflict("broadcast_not_found")
    return broadcast
