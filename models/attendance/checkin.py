"""Presence at the venue: a volunteer checks in to a shift they hold a place on, and checks out
when they leave; the times become their service record.

Two ways in and out are the volunteer's own: the shift's check-in code (a link and QR code the
coordinator shows at the venue) and their location (within the activity's radius). Both work
only in the shift's check-in window. A location proves little unless it is live (the phone's
own position): a forwarded one is refused by the conversation, and a static pin, which can be
dropped anywhere on the map, is recorded as such and its hours flagged (`UNVERIFIED`). The
code is a random token on the shift; replacing it ("rotating") makes every copy of the old one
useless.

A check-in plans a reminder to check out shortly after the shift ends (someone who walks off
without checking out would otherwise lose the hours); checking out cancels it and works out the
credited minutes (see `credit`). Nobody confirms hours here: a coordinator does, later.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.activities.tables import (
    Activity,
    CheckinMethod,
    ServiceRecord,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
)
from models.errors import Conflict, NotAllowed
from models.registration.tables import Volunteer
from models.reminders import before_shift
from models.stations.distance import distance_m as distance_m  # the dashboard reads it here

# The volunteer's own ways in, which only work in the check-in window (a coordinator marking
# the roster may record presence afterwards).
SELF_SERVICE = (CheckinMethod.CODE, CheckinMethod.LIVE_LOCATION, CheckinMethod.PIN)
# Ways in that do not show the volunteer was there: their hours are flagged for a coordinator.
UNVERIFIED = (CheckinMethod.PIN,)
MINUTE = timedelta(minutes=1)
CODE_TOKEN_BYTES = 16  # 22 URL-safe characters: unguessable, and within Shift.checkin_token


@dataclass(frozen=True)
class AttendancePolicy:
    """The deployment's presence and hours rules (see the settings)."""

    checkout_reminder: timedelta = timedelta(minutes=30)  # after the shift's end
    opens_before: timedelta = timedelta(minutes=30)  # the check-in window, from the start…
    closes_after: timedelta = timedelta(minutes=30)  # …to this long after the end
    radius_m: float = 300.0  # check-in by location within this distance of the venue
    grace: timedelta = timedelta(minutes=15)  # time counted before the start and after the end
    rounding: timedelta = timedelta(minutes=15)  # credited time is a whole number of these…
    rounding_rule: Literal["down", "nearest"] = "down"  # …rounded down, or to the nearest
    min_share: float = 0.6  # present for less of the shift than this: the record is flagged


DEFAULTS = AttendancePolicy()


@dataclass(frozen=True)
class Credit:
    minutes: int
    flagged: bool


@dataclass(frozen=True)
class Place:
    """A volunteer's confirmed place on a shift, with its service record if there is one."""

    signup: Signup
    shift: Shift
    activity: Activity
    record: ServiceRecord | None

    @property
    def checked_in(self) -> bool:
        """Checked in and not yet out."""
        return (
            self.record is not None
            and self.record.checked_in_at is not None
            and self.record.checked_out_at is None
        )


# ---- the check-in window ------------------------------------------------------------------


def window(shift: Shift, policy: AttendancePolicy) -> tuple[datetime, datetime]:
    """When the shift's code and location check-in work: [opens, closes)."""
    return shift.starts_at - policy.opens_before, shift.ends_at + policy.closes_after


def check_window(shift: Shift, *, now: datetime, policy: AttendancePolicy) -> None:
    opens, closes = window(shift, policy)
    if now < opens:
        raise NotAllowed("checkin_not_open", opens=opens)
    if now >= closes:
        raise NotAllowed("checkin_closed", closed=closes)


# ---- the check-in code --------------------------------------------------------------------


async def open_code(
    session: AsyncSession, shift: Shift, *, actor: int, now: datetime, rotate: bool = False
) -> str:
    """The shift's check-in token: made on first use, replaced with `rotate` (the old one
    stops working at once). The caller has checked that `actor` manages the shift."""
    if shift.checkin_token is not None and not rotate:
        return shift.checkin_token
    action = "checkin_code.rotate" if shift.checkin_token is not None else "checkin_code.open"
    shift.checkin_token = secrets.token_urlsafe(CODE_TOKEN_BYTES)
    audit.record(session, actor, action, shift, now)
    await session.flush()
    return shift.checkin_token


async def shift_for_code(session: AsyncSession, token: str) -> Shift:
    """The shift whose current code this is; a replaced or made-up one is refused alike."""
    shift = await session.scalar(select(Shift).where(Shift.checkin_token == token))
    if shift is None:
        raise NotAllowed("checkin_code_invalid")
    return shift


async def place_on(session: AsyncSession, volunteer: Volunteer, shift: Shift) -> Place:
    """The volunteer's confirmed place on the shift; waiting for one is not holding one."""
    signup = await session.scalar(
        select(Signup).where(
            Signup.shift_id == shift.id,
            Signup.volunteer_id == volunteer.id,
            Signup.status == SignupStatus.CONFIRMED,
        )
    )
    if signup is None:
        raise NotAllowed("checkin_no_place")
    activity = await session.get(Activity, shift.activity_id)
    assert activity is not None
    return Place(signup, shift, activity, await record_of(session, signup.id))


# ---- by location --------------------------------------------------------------------------


def shown_distance(metres: float) -> int:
    """A distance as a refusal states it: to 10 m within a kilometre, to 100 m beyond."""
    step = 10 if metres < 1000 else 100
    return math.floor(metres / step + 0.5) * step  # halves up, as people round


def check_near(
    activity: Activity, latitude: float, longitude: float, policy: AttendancePolicy
) -> None:
    """Refuse a location check-in away from the venue, or at an activity with no pin."""
    if activity.latitude is None or activity.longitude is None:
        raise NotAllowed("checkin_no_venue_location", title=activity.title)
    metres = distance_m(latitude, longitude, activity.latitude, activity.longitude)
    if metres > policy.radius_m:
        raise NotAllowed(
            "checkin_too_far",
            title=activity.title,
            distance=shown_distance(metres),
            limit=round(policy.radius_m),
        )


async def place_now(
    session: AsyncSession, volunteer: Volunteer, *, now: datetime, policy: AttendancePolicy
) -> Place:
    """The place a location speaks of: among the volunteer's confirmed shifts whose check-in
    window is open, one they are checked in to (so the location checks them out), else one
    not yet checked in, else any; the nearest in time first. Without one, refused saying when
    the next window opens."""
    rows = await session.execute(
        _places(volunteer).where(
            Signup.status == SignupStatus.CONFIRMED,
            Shift.status != ShiftStatus.CANCELLED,
            Shift.starts_at <= now + policy.opens_before,
            Shift.ends_at > now - policy.closes_after,
        )
    )
    places = [Place(signup, shift, activity, record) for signup, shift, activity, record in rows]
    if places:
        return min(places, key=lambda place: (_progress(place), _apart(place.shift, now)))
    next_start = await session.scalar(
        select(Shift.starts_at)
        .join(Signup, Signup.shift_id == Shift.id)
        .where(
            Signup.volunteer_id == volunteer.id,
            Signup.status == SignupStatus.CONFIRMED,
            Shift.status != ShiftStatus.CANCELLED,
            Shift.starts_at > now,
        )
        .order_by(Shift.starts_at)
        .limit(1)
    )
    if next_start is None:
        raise NotAllowed("checkin_no_shift_now")
    raise NotAllowed("checkin_not_open", opens=next_start - policy.opens_before)


def _progress(place: Place) -> int:
    if place.checked_in:
        return 0
    if place.record is None or place.record.checked_in_at is None:
        return 1
    return 2


def _apart(shift: Shift, now: datetime) -> timedelta:
    """How far `now` is from the shift's time (zero during it)."""
    return max(shift.starts_at - now, now - shift.ends_at, timedelta(0))


async def checked_in_place(session: AsyncSession, volunteer: Volunteer) -> Place | None:
    """The shift the volunteer is checked in to and not out of (the latest, should there be
    more), whatever the time: someone who forgot may still check out."""
    row = (
        await session.execute(
            _places(volunteer)
            .where(ServiceRecord.checked_in_at.is_not(None), ServiceRecord.checked_out_at.is_(None))
            .order_by(ServiceRecord.checked_in_at.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    signup, shift, activity, record = row
    return Place(signup, shift, activity, record)


def _places(volunteer: Volunteer) -> Select[Signup, Shift, Activity, ServiceRecord | None]:
    """The volunteer's sign-ups with their shifts, activities and service records."""
    return (
        select(Signup, Shift, Activity, ServiceRecord)
        .join(Shift, Shift.id == Signup.shift_id)
        .join(Activity, Activity.id == Shift.activity_id)
        .outerjoin(ServiceRecord, ServiceRecord.signup_id == Signup.id)
        .where(Signup.volunteer_id == volunteer.id)
    )


# ---- in and out ---------------------------------------------------------------------------


async def _own(session: AsyncSession, volunteer: Volunteer, signup_id: int) -> Signup:
    signup = await session.get(Signup, signup_id)
    if signup is None or signup.volunteer_id != volunteer.id:
        raise NotAllowed("not_your_signup")
    return signup


async def record_of(session: AsyncSession, signup_id: int) -> ServiceRecord | None:
    return await session.scalar(select(ServiceRecord).where(ServiceRecord.signup_id == signup_id))


async def check_in(
    session: AsyncSession,
    volunteer: Volunteer,
    signup_id: int,
    *,
    now: datetime,
    method: CheckinMethod,
    policy: AttendancePolicy,
) -> ServiceRecord:
    """Record that the volunteer arrived; refused without a place on the shift, twice, or (by
    code or location) outside the check-in window."""
    signup = await _own(session, volunteer, signup_id)
    if signup.status != SignupStatus.CONFIRMED:
        raise NotAllowed("not_signed_up")
    record = await record_of(session, signup.id)
    if record is not None and record.checked_in_at is not None:
        raise Conflict("already_checked_in", at=record.checked_in_at)
    shift = await session.get(Shift, signup.shift_id)
    assert shift is not None
    if method in SELF_SERVICE:
        check_window(shift, now=now, policy=policy)
    if record is None:
        record = ServiceRecord(signup_id=signup.id)
        session.add(record)
    record.checked_in_at = now
    record.checkin_method = method
    await session.flush()
    _audit(session, volunteer, record, "attendance.check_in", now)
    await before_shift.plan_checkout(session, signup.id, shift, after=policy.checkout_reminder)
    return record


async def check_out(
    session: AsyncSession,
    volunteer: Volunteer,
    signup_id: int,
    *,
    now: datetime,
    policy: AttendancePolicy = DEFAULTS,
) -> ServiceRecord:
    """Record that the volunteer left and credit the time (unconfirmed; flagged when short or
    checked in by a way that does not show presence); refused before a check-in, or twice.
    Pass the deployment's policy: the default is only the defaults."""
    place = await leaving(session, volunteer, signup_id)
    record, shift = place.record, place.shift
    assert record is not None and record.checked_in_at is not None
    record.checked_out_at = max(now, record.checked_in_at)
    credited = credit(record.checked_in_at, record.checked_out_at, shift, policy)
    record.credited_minutes = credited.minutes
    record.flagged = credited.flagged or record.checkin_method in UNVERIFIED
    _audit(session, volunteer, record, "attendance.check_out", now)
    await before_shift.drop_checkout(session, place.signup.id)
    return record


async def leaving(session: AsyncSession, volunteer: Volunteer, signup_id: int) -> Place:
    """The place the volunteer is checked in to, to check out of; refused before a check-in,
    or after the check-out."""
    signup = await _own(session, volunteer, signup_id)
    record = await record_of(session, signup.id)
    if record is None or record.checked_in_at is None:
        raise NotAllowed("not_checked_in")
    if record.checked_out_at is not None:
        raise Conflict("already_checked_out", at=record.checked_out_at)
    shift = await session.get(Shift, signup.shift_id)
    assert shift is not None
    activity = await session.get(Activity, shift.activity_id)
    assert activity is not None
    return Place(signup, shift, activity, record)


# ---- hours --------------------------------------------------------------------------------


def credit(
    checked_in_at: datetime, checked_out_at: datetime, shift: Shift, policy: AttendancePolicy
) -> Credit:
    """The minutes a check-in and check-out earn: the time between them that falls within the
    shift widened by the grace on each side, in whole minutes, rounded to the rounding unit
    (down by default: a quarter hour is credited once served). Flagged when that time (before
    rounding) is under the minimum share of the shift's length."""
    start = max(checked_in_at, shift.starts_at - policy.grace)
    end = min(checked_out_at, shift.ends_at + policy.grace)
    present = max(end - start, timedelta(0))
    share = present / (shift.ends_at - shift.starts_at)
    return Credit(rounded(present // MINUTE, policy), flagged=share < policy.min_share)


def rounded(minutes: int, policy: AttendancePolicy) -> int:
    unit = max(1, policy.rounding // MINUTE)
    below = minutes - minutes % unit
    if policy.rounding_rule == "nearest" and 2 * (minutes % unit) >= unit:
        return below + unit  # halves round up
    return below


def _audit(
    session: AsyncSession, volunteer: Volunteer, record: ServiceRecord, action: str, now: datetime
) -> None:
    audit.record(
        session,
        volunteer.telegram_id,
        action,
        record,
        now,
        after={
            "signup_id": record.signup_id,
            "method": record.checkin_method,
            "credited_minutes": record.credited_minutes,
            "flagged": record.flagged,
        },
    )
