"""Offers of freed places: the first person waiting accepts the place offered to them, or
declines it, or lets the offer lapse; a declined or lapsed place passes to the next person
(`signup.fill_places`). Mirrors `handlers.activities.offers`, which sends the offers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.activities import groups
from models.activities.places import lock_shift
from models.activities.signup import (
    SignupPolicy,
    Vacancy,
    _audit,
    _own_signup,
    fill_places,
    settle,
)
from models.activities.tables import Signup, SignupStatus
from models.errors import Conflict
from models.registration.tables import Volunteer
from models.reminders import before_shift
from models.training import qualifications


async def accept_offer(
    session: AsyncSession,
    volunteer: Volunteer,
    signup_id: int,
    *,
    now: datetime,
    policy: SignupPolicy,
) -> Signup:
    signup = await _own_signup(session, volunteer, signup_id)
    shift = await lock_shift(session, signup.shift_id)
    await session.refresh(signup)
    if signup.status == SignupStatus.CONFIRMED:
        raise Conflict("offer_already_accepted")
    if signup.status != SignupStatus.OFFERED or signup.offer_expires_at is None:
        raise Conflict("offer_gone")
    if now >= signup.offer_expires_at:
        raise Conflict("offer_expired")
    # A qualification may have lapsed or been withdrawn while they waited.
    await qualifications.require_qualified(session, volunteer, shift, now=now)
    settle(signup, SignupStatus.CONFIRMED, now)
    _audit(session, volunteer, signup, "offer.accept", now)
    await groups.mark_stale(session, signup.shift_id)
    await before_shift.follow(session, signup, now=now, default=policy.reminder_offsets)
    return signup


async def decline_offer(
    session: AsyncSession,
    volunteer: Volunteer,
    signup_id: int,
    *,
    now: datetime,
    policy: SignupPolicy,
) -> Vacancy:
    """Decline: the volunteer leaves the list and the place passes to the next person."""
    signup = await _own_signup(session, volunteer, signup_id)
    shift = await lock_shift(session, signup.shift_id)
    await session.refresh(signup)
    if signup.status != SignupStatus.OFFERED:
        raise Conflict("offer_gone")
    settle(signup, SignupStatus.CANCELLED, now)
    _audit(session, volunteer, signup, "offer.decline", now)
    await groups.mark_stale(session, shift.id)
    await session.flush()
    return await fill_places(session, shift, now=now, policy=policy)


@dataclass(frozen=True)
class Expired:
    signup: Signup
    vacancy: Vacancy


async def expire_offers(
    session: AsyncSession, *, now: datetime, policy: SignupPolicy, limit: int = 500
) -> list[Expired]:
    """Offers nobody answered in time lapse (the volunteer leaves the list) and pass on."""
    due = list(
        await session.scalars(
            select(Signup.id)
            .where(Signup.status == SignupStatus.OFFERED, Signup.offer_expires_at <= now)
            .order_by(Signup.offer_expires_at, Signup.id)
            .limit(limit)
        )
    )
    expired: list[Expired] = []
    for signup_id in due:
        signup = await session.get(Signup, signup_id)
        assert signup is not None
        shift = await lock_shift(session, signup.shift_id)
        await session.refresh(signup)
        if signup.status != SignupStatus.OFFERED or signup.offer_expires_at is None:
            continue  # answered meanwhile
        if signup.offer_expires_at > now:
            continue
        settle(signup, SignupStatus.CANCELLED, now)
        audit.record(session, None, "offer.expire", signup, now)
        await session.flush()
        expired.append(Expired(signup, await fill_places(session, shift, now=now, policy=policy)))
    # The cards last: holding a card's row while waiting for the next shift's lock would
    # deadlock with a sign-up on that shift (which locks the shift, then the card).
    for shift_id in sorted({lapse.vacancy.shift.id for lapse in expired}):
        await groups.mark_stale(session, shift_id)
    return expired
