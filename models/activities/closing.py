"""Sign-up closes by itself: at the activity's sign-up deadline, or when the shift starts if it
has none. Whoever is still waiting then will not get a place, and is told so rather than left
hoping; those holding an offer keep it until it runs out.

Closing is a change of the shift's status made under the shift's lock, so however many processes
run the job, each shift is closed, and its waiting list told, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.activities import groups
from models.activities.places import lock_shift
from models.activities.signup import settle
from models.activities.tables import Activity, Shift, ShiftStatus, Signup, SignupStatus


@dataclass(frozen=True)
class Closed:
    """A shift that closed, and the sign-ups that were waiting for it (now cancelled)."""

    shift: Shift
    activity: Activity
    turned_away: list[Signup]


def _over(now: datetime) -> ColumnElement[bool]:
    return or_(
        Shift.starts_at <= now,
        and_(Activity.signup_deadline.is_not(None), Activity.signup_deadline <= now),
    )


def sign_up_over(shift: Shift, activity: Activity, now: datetime) -> bool:
    deadline = activity.signup_deadline
    return shift.starts_at <= now or (deadline is not None and deadline <= now)


async def close_due(session: AsyncSession, *, now: datetime, limit: int = 100) -> list[Closed]:
    """Close the open shifts whose sign-up time is over and turn their waiting lists away."""
    due = await session.scalars(
        select(Shift.id)
        .join(Activity, Activity.id == Shift.activity_id)
        .where(Shift.status == ShiftStatus.OPEN, _over(now))
        .order_by(Shift.id)  # one lock order for every process
        .limit(limit)
    )
    closed = []
    for shift_id in list(due):
        shift = await lock_shift(session, shift_id)
        activity = await session.get(Activity, shift.activity_id)
        assert activity is not None
        if shift.status != ShiftStatus.OPEN or not sign_up_over(shift, activity, now):
            continue  # closed by another process, cancelled or moved meanwhile
        closed.append(await _close(session, shift, activity, now=now))
    # The cards last, after every shift lock (the order `offers.expire_offers` explains).
    for item in closed:
        await groups.mark_stale(session, item.shift.id)
    return closed


async def _close(
    session: AsyncSession, shift: Shift, activity: Activity, *, now: datetime
) -> Closed:
    shift.status = ShiftStatus.CLOSED
    waiting = list(
        await session.scalars(
            select(Signup)
            .where(Signup.shift_id == shift.id, Signup.status == SignupStatus.WAITING)
            .order_by(Signup.queued_at, Signup.id)
        )
    )
    for signup in waiting:
        settle(signup, SignupStatus.CANCELLED, now)
    audit.record(
        session,
        None,
        "shift.close",
        shift,
        now,
        before={"status": "open"},
        after={"status": "closed", "turned_away": len(waiting)},
    )
    await session.flush()
    return Closed(shift, activity, waiting)
