"""Signing up for shifts: who may, the waiting list, cancelling, and offering freed places to the
people waiting. What becomes of an offer (accepted, declined, lapsed) is `models.activities.offers`;
a shift's lock and its counts of places are `models.activities.places`.

The rules, in one place and without Telegram:
- a shift holds `capacity` places; a place is held by a *confirmed* sign-up or by an *offer*
  (a freed place reserved for the first person waiting, until they accept, decline or the offer
  expires);
- when every place is held, a sign-up joins the waiting list, ordered by arrival;
- a freed place is never given silently: it is offered, and passes along the list on decline or
  silence; when nobody is left waiting, the coordinators are told.

Every operation that changes who holds a place locks the shift row first (`places.lock_shift`), so
on PostgreSQL concurrent sign-ups take turns per shift and SQLite serialises writers anyway; the
unique (shift, volunteer) constraint keeps one sign-up per person per shift whatever happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.activities import groups
from models.activities.places import (
    ACTIVE,
    HOLDS_PLACE,
    held_places,
    loads,
    lock_shift,
    waiting_position,
)
from models.activities.tables import (
    Activity,
    ActivityStatus,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
)
from models.errors import Conflict, NotAllowed
from models.reference import Theme
from models.registration.tables import Volunteer
from models.reminders import before_shift
from models.training import qualifications

DAY = timedelta(hours=24)


@dataclass(frozen=True)
class SignupPolicy:
    """The fairness and safety limits a deployment chooses (see the settings)."""

    cancel_cutoff: timedelta = timedelta(hours=3)
    offer_window: timedelta = timedelta(hours=2)
    opens_before: timedelta | None = None  # staged opening; None: as soon as published
    max_hours_per_day: float | None = 12.0  # of shifts in any 24 hours; None: no limit
    no_show_limit: int = 3  # no-shows within `no_show_block` that block sign-up; 0: never
    no_show_block: timedelta = timedelta(days=30)
    reminder_offsets: tuple[timedelta, ...] = (timedelta(hours=24), timedelta(hours=2))
    zone: tzinfo = UTC  # the deployment's; an age limit counts the shift's local day


@dataclass(frozen=True)
class Placed:
    """The result of a sign-up: a place, or a position in the waiting list."""

    signup: Signup
    shift: Shift
    activity: Activity
    position: int | None  # None when confirmed


@dataclass(frozen=True)
class Vacancy:
    """What freeing places led to: offers to send, and places nobody is waiting for."""

    shift: Shift
    offers: list[Signup]
    unfilled: int


# ---- who may sign up -------------------------------------------------------------------------


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


async def check_may_sign_up(
    session: AsyncSession,
    volunteer: Volunteer,
    shift: Shift,
    activity: Activity,
    *,
    now: datetime,
    policy: SignupPolicy,
) -> None:
    """Raise, with the reason and how to fix it where that is possible, if the volunteer may not
    take (or queue for) this shift."""
    if activity.status != ActivityStatus.PUBLISHED or shift.status != ShiftStatus.OPEN:
        raise NotAllowed("shift_closed")
    if shift.starts_at <= now:
        raise NotAllowed("shift_started")
    if activity.signup_deadline is not None and now >= activity.signup_deadline:
        raise NotAllowed("deadline_passed")
    if policy.opens_before is not None and now < shift.starts_at - policy.opens_before:
        raise NotAllowed("signup_not_open", opens=shift.starts_at - policy.opens_before)
    await _check_requirements(session, volunteer, shift, activity, policy=policy)
    await qualifications.require_qualified(session, volunteer, shift, now=now)
    await _check_no_shows(session, volunteer, now=now, policy=policy)
    await _check_overlap_and_hours(session, volunteer, shift, policy=policy)


async def _check_requirements(
    session: AsyncSession,
    volunteer: Volunteer,
    shift: Shift,
    activity: Activity,
    *,
    policy: SignupPolicy,
) -> None:
    # The deployment insures real-name volunteers, so an activity that needs insurance needs that.
    if (activity.require_real_name or activity.require_insurance) and not volunteer.is_real_name:
        raise NotAllowed("needs_real_name")
    if activity.min_age is not None:
        if volunteer.birth_date is None:
            raise NotAllowed("needs_birth_date", age=activity.min_age)
        day = shift.starts_at.astimezone(policy.zone).date()
        if age_on(volunteer.birth_date, day) < activity.min_age:
            raise NotAllowed("too_young", age=activity.min_age)
    if activity.required_theme_id is not None and activity.required_theme_id not in {
        theme.id for theme in volunteer.themes
    }:
        theme = await session.get(Theme, activity.required_theme_id)
        assert theme is not None
        raise NotAllowed("needs_theme", theme=theme.name(volunteer.language))


async def _check_no_shows(
    session: AsyncSession, volunteer: Volunteer, *, now: datetime, policy: SignupPolicy
) -> None:
    if policy.no_show_limit <= 0:
        return
    starts = list(
        await session.scalars(
            select(Shift.starts_at)
            .join(Signup, Signup.shift_id == Shift.id)
            .where(
                Signup.volunteer_id == volunteer.id,
                Signup.status == SignupStatus.NO_SHOW,
                Shift.starts_at > now - policy.no_show_block,
            )
            .order_by(Shift.starts_at.desc())
            .limit(policy.no_show_limit)
        )
    )
    if len(starts) >= policy.no_show_limit:
        # Blocked until the oldest of the counted no-shows leaves the window.
        raise NotAllowed("no_show_blocked", until=starts[-1] + policy.no_show_block)


async def _active_shifts(
    session: AsyncSession, volunteer: Volunteer, low: datetime, high: datetime
) -> list[tuple[Shift, str]]:
    """The volunteer's held or queued shifts that intersect [low, high)."""
    rows = await session.execute(
        select(Shift, Activity.title)
        .join(Signup, Signup.shift_id == Shift.id)
        .join(Activity, Activity.id == Shift.activity_id)
        .where(
            Signup.volunteer_id == volunteer.id,
            Signup.status.in_(ACTIVE),
            Shift.status != ShiftStatus.CANCELLED,
            Shift.starts_at < high,
            Shift.ends_at > low,
        )
        .order_by(Shift.starts_at)
    )
    return [(shift, title) for shift, title in rows]


async def _check_overlap_and_hours(
    session: AsyncSession, volunteer: Volunteer, shift: Shift, *, policy: SignupPolicy
) -> None:
    """No shift of the volunteer's overlaps this one, nor takes them over the most hours a
    day: both from one read of their shifts within a day of it."""
    nearby = [
        (other, title)
        for other, title in await _active_shifts(
            session, volunteer, shift.starts_at - DAY, shift.ends_at + DAY
        )
        if other.id != shift.id
    ]
    for other, title in nearby:
        if other.starts_at < shift.ends_at and other.ends_at > shift.starts_at:
            raise NotAllowed("overlap", title=title, starts=other.starts_at, ends=other.ends_at)
    if policy.max_hours_per_day is None:
        return
    if busiest_day(shift, [other for other, _ in nearby]) > timedelta(
        hours=policy.max_hours_per_day
    ):
        raise NotAllowed("too_many_hours", hours=policy.max_hours_per_day)


def busiest_day(shift: Shift, others: list[Shift]) -> timedelta:
    """The most shift time in any 24-hour window that touches `shift`. The busiest window
    starts at some shift's start or ends at some shift's end, so only those are tried."""
    everything = [shift, *others]
    windows = [s.starts_at for s in everything] + [s.ends_at - DAY for s in everything]
    best = timedelta(0)
    for low in windows:
        high = low + DAY
        if low >= shift.ends_at or high <= shift.starts_at:
            continue
        busy = sum(
            (max(timedelta(0), min(s.ends_at, high) - max(s.starts_at, low)) for s in everything),
            timedelta(0),
        )
        best = max(best, busy)
    return best


# ---- signing up and leaving ---------------------------------------------------------------


async def sign_up(
    session: AsyncSession,
    volunteer: Volunteer,
    shift_id: int,
    *,
    now: datetime,
    policy: SignupPolicy,
) -> Placed:
    """Take a place on the shift, or the next place in its waiting list."""
    shift = await lock_shift(session, shift_id)
    activity = await session.get(Activity, shift.activity_id)
    assert activity is not None
    existing = await session.scalar(
        select(Signup).where(Signup.shift_id == shift.id, Signup.volunteer_id == volunteer.id)
    )
    if existing is not None and existing.status != SignupStatus.CANCELLED:
        raise Conflict("already_signed_up")
    await check_may_sign_up(session, volunteer, shift, activity, now=now, policy=policy)
    load = (await loads(session, [shift.id]))[shift.id]
    # Nobody jumps the queue: with people waiting, a free place is theirs (it is on offer).
    full = bool(load.waiting) or load.held >= shift.capacity
    status = SignupStatus.WAITING if full else SignupStatus.CONFIRMED
    signup = existing or Signup(shift_id=shift.id, volunteer_id=volunteer.id)
    signup.status = status
    signup.queued_at = now
    signup.offer_expires_at = None
    signup.updated_at = now
    session.add(signup)
    await session.flush()
    _audit(session, volunteer, signup, "signup.join", now)
    await groups.mark_stale(session, shift.id)
    await before_shift.follow(session, signup, now=now, default=policy.reminder_offsets)
    position = await waiting_position(session, signup) if full else None
    return Placed(signup, shift, activity, position)


def cancel_deadline(shift: Shift, activity: Activity, policy: SignupPolicy) -> datetime:
    """Until when a place may be given back: the sign-up deadline, else the cut-off. A deadline
    at or after this shift's start (an activity's later shifts may still take sign-ups) is not
    this shift's: the cut-off is."""
    deadline = activity.signup_deadline
    if deadline is not None and deadline < shift.starts_at:
        return deadline
    return shift.starts_at - policy.cancel_cutoff


async def cancel(
    session: AsyncSession,
    volunteer: Volunteer,
    signup_id: int,
    *,
    now: datetime,
    policy: SignupPolicy,
    after_cutoff: bool = False,
) -> Vacancy:
    """Give back a place (until the cancel deadline) or leave the waiting list (until the start);
    a freed place is offered to whoever waits first. `after_cutoff` (answering a reminder with
    "I can't come") allows it until the start: better told late than a no-show."""
    signup = await _own_signup(session, volunteer, signup_id)
    shift = await lock_shift(session, signup.shift_id)
    await session.refresh(signup)
    if signup.status not in ACTIVE:
        raise Conflict("not_signed_up")
    activity = await session.get(Activity, shift.activity_id)
    assert activity is not None
    if signup.status == SignupStatus.WAITING:
        if now >= shift.starts_at:
            raise NotAllowed("cancel_too_late", until=shift.starts_at)
    else:
        until = shift.starts_at if after_cutoff else cancel_deadline(shift, activity, policy)
        if now >= until:
            raise NotAllowed("cancel_too_late", until=until)
    vacancy = await give_back(
        session,
        signup,
        shift,
        actor=volunteer.telegram_id,
        action="signup.cancel",
        now=now,
        policy=policy,
    )
    await groups.mark_stale(session, shift.id)
    return vacancy


async def give_back(
    session: AsyncSession,
    signup: Signup,
    shift: Shift,
    *,
    actor: int | None,
    action: str,
    now: datetime,
    policy: SignupPolicy,
) -> Vacancy:
    """Cancel an active sign-up on its locked shift, with its reminders; a place it held is
    offered to whoever waits first. The caller marks the shift's cards stale."""
    held = signup.status in HOLDS_PLACE
    settle(signup, SignupStatus.CANCELLED, now)
    audit.record(
        session, actor, action, signup, now, after={"shift_id": shift.id, "status": signup.status}
    )
    await before_shift.follow(session, signup, now=now, default=())
    await session.flush()
    if not held:
        return Vacancy(shift, [], 0)
    return await fill_places(session, shift, now=now, policy=policy)


async def _own_signup(session: AsyncSession, volunteer: Volunteer, signup_id: int) -> Signup:
    signup = await session.get(Signup, signup_id)
    if signup is None or signup.volunteer_id != volunteer.id:
        raise NotAllowed("not_your_signup")
    return signup


# ---- offers ---------------------------------------------------------------------------------


def offer_expiry(shift: Shift, *, now: datetime, policy: SignupPolicy) -> datetime:
    """An offer lasts the offer window, cut short so it ends by the shift's start."""
    return min(now + policy.offer_window, shift.starts_at)


async def fill_places(
    session: AsyncSession, shift: Shift, *, now: datetime, policy: SignupPolicy
) -> Vacancy:
    """Offer every free place of a locked shift to the people waiting, first come first."""
    if shift.status != ShiftStatus.OPEN or shift.starts_at <= now:
        return Vacancy(shift, [], 0)
    free = shift.capacity - await held_places(session, shift.id)
    if free <= 0:
        return Vacancy(shift, [], 0)
    first_waiting = list(
        await session.scalars(
            select(Signup)
            .where(Signup.shift_id == shift.id, Signup.status == SignupStatus.WAITING)
            .order_by(Signup.queued_at, Signup.id)
            .limit(free)
        )
    )
    for signup in first_waiting:
        signup.status = SignupStatus.OFFERED
        signup.offer_expires_at = offer_expiry(shift, now=now, policy=policy)
        signup.updated_at = now
    await session.flush()
    return Vacancy(shift, first_waiting, free - len(first_waiting))


def settle(signup: Signup, status: SignupStatus, now: datetime) -> None:
    """Move a sign-up to a status that holds no offer."""
    signup.status = status
    signup.offer_expires_at = None
    signup.updated_at = now


def _audit(
    session: AsyncSession, volunteer: Volunteer, signup: Signup, action: str, now: datetime
) -> None:
    audit.record(
        session,
        volunteer.telegram_id,
        action,
        signup,
        now,
        after={"shift_id": signup.shift_id, "status": signup.status},
    )
