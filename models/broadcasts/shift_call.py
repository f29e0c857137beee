"""The one-tap call for a shift short of people (from a coordinator's alert, the "nobody is
waiting" notice or a help request's shift): a recruitment call like /broadcast's — the same
outbox and shared send budget, the same reach (the caller's teams; everyone for an admin) — to
those who like the activity's theme and could fill the shift (`publishing.recruiting`).

At most one call per shift goes out in `WINDOW`: a call that reached somebody blocks the next
until the window has passed (`Shift.called_at`, claimed atomically).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities.signup import SignupPolicy
from models.activities.tables import Activity, Shift
from models.broadcasts import audience, outbox
from models.broadcasts.audience import Audience, AudienceKind, Scope
from models.broadcasts.tables import Broadcast
from models.errors import Conflict
from models.publishing import recruiting

WINDOW = timedelta(hours=6)


def audience_of(activity: Activity) -> Audience:
    """Those who like the activity's theme (narrowed by `recruiting.conditions`)."""
    return Audience(AudienceKind.THEMES, (activity.theme_id,))


async def reach(
    session: AsyncSession,
    shift: Shift,
    activity: Activity,
    scope: Scope,
    *,
    now: datetime,
    policy: SignupPolicy,
) -> int:
    """How many volunteers a call for the shift by someone of this scope would reach."""
    narrowed = recruiting.conditions(shift, activity, now=now, policy=policy)
    return await audience.count(session, audience_of(activity), scope, activity.theme_id, narrowed)


def check_window(shift: Shift, *, now: datetime) -> None:
    """Refuse (Conflict `shift_call_recent`, with when the last went and when the next may) a
    call within the window of the shift's last."""
    last = shift.called_at
    if last is not None and last > now - WINDOW:
        raise Conflict("shift_call_recent", at=last, next=last + WINDOW)


async def call(
    session: AsyncSession,
    shift: Shift,
    activity: Activity,
    text: str,
    *,
    actor: int,
    scope: Scope,
    now: datetime,
    policy: SignupPolicy,
) -> Broadcast:
    """Save the call and enqueue its recipients at once (the sender sends them); refused
    within the window of the last call that reached anybody (`check_window`). The shift's time
    is claimed by one UPDATE, so two presses at once make one call."""
    before = shift.called_at
    claimed = await session.execute(
        update(Shift)
        .where(
            Shift.id == shift.id,
            or_(Shift.called_at.is_(None), Shift.called_at <= now - WINDOW),
        )
        .values(called_at=now)
        .execution_options(synchronize_session=False)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        await session.refresh(shift, ["called_at"])
        check_window(shift, now=now)
        raise Conflict("shift_gone")  # not claimed, yet no call in the window: it is gone
    draft = outbox.Draft(text=text, audience=audience_of(activity), activity_id=activity.id)
    broadcast = await outbox.create(session, draft, actor=actor, scope=scope, now=now)
    narrowed = recruiting.conditions(shift, activity, now=now, policy=policy)
    await outbox.enqueue(session, broadcast, now=now, narrowed=narrowed)
    if not broadcast.total:  # a call that reached nobody does not hold the next one back
        await session.execute(
            update(Shift)
            .where(Shift.id == shift.id)
            .values(called_at=before)
            .execution_options(synchronize_session=False)
        )
    return broadcast
