"""Publishing activities and their shifts, changing them, and cancelling them.

An activity is planned as an `ActivityPlan` (kept as JSON in the conversation state while a
coordinator builds it, or read from an import file) and published in one transaction, so the
volunteers never see half an activity.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.activities import groups
from models.activities.places import ACTIVE
from models.activities.tables import (
    Activity,
    ActivityStatus,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
)
from models.errors import Conflict, InvalidInput
from models.publishing import activity_input
from models.registration.tables import Volunteer
from models.reminders import before_shift
from models.stations.tables import Station
from models.teams import roles
from models.visible_text import visible

LINK_TOKEN_BYTES = 9  # 12 URL-safe characters, well inside a deep link's 64


@dataclass
class ShiftPlan:
    starts_at: datetime
    ends_at: datetime
    capacity: int

    def to_json(self) -> dict[str, Any]:
        return {
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "capacity": self.capacity,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ShiftPlan:
        return cls(
            starts_at=datetime.fromisoformat(data["starts_at"]),
            ends_at=datetime.fromisoformat(data["ends_at"]),
            capacity=int(data["capacity"]),
        )


@dataclass
class ActivityPlan:
    """Everything needed to publish an activity; JSON-friendly for the conversation state."""

    title: str = ""
    description: str = ""
    theme_id: int | None = None
    team_id: int | None = None
    district_id: int | None = None
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    shifts: list[ShiftPlan] = field(default_factory=list)
    signup_deadline: datetime | None = None
    min_age: int | None = None
    require_real_name: bool = False
    require_insurance: bool = False
    required_theme_id: int | None = None
    # At a volunteer station: its address, pin and district unless the plan gives its own.
    station_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["shifts"] = [shift.to_json() for shift in self.shifts]
        data["signup_deadline"] = self.signup_deadline.isoformat() if self.signup_deadline else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ActivityPlan:
        values = dict(data)
        values["shifts"] = [ShiftPlan.from_json(shift) for shift in data.get("shifts", [])]
        deadline = data.get("signup_deadline")
        values["signup_deadline"] = datetime.fromisoformat(deadline) if deadline else None
        return cls(**values)


async def at_station(session: AsyncSession, plan: ActivityPlan) -> ActivityPlan:
    """The plan with its station's address, pin and district where it leaves them out."""
    if plan.station_id is None:
        return plan
    station = await session.get(Station, plan.station_id)
    if station is None:
        raise Conflict("station_gone")
    return placed_at(plan, station)


def placed_at(plan: ActivityPlan, station: Station) -> ActivityPlan:
    """The plan at `station`, with its address, pin and district where the plan leaves them
    out."""
    pinned = plan.latitude is not None
    return replace(
        plan,
        station_id=station.id,
        address=plan.address or station.address,
        latitude=plan.latitude if pinned else station.latitude,
        longitude=plan.longitude if pinned else station.longitude,
        district_id=plan.district_id or station.district_id,
    )


def check_plan(plan: ActivityPlan, *, now: datetime) -> None:
    """Everything a published activity must satisfy; raises InvalidInput naming the first
    problem. The importer calls it per row, the conversation before Publish."""
    activity_input.text(plan.title, max_chars=activity_input.TITLE_MAX_CHARS, code="title")
    activity_input.text(plan.address, max_chars=activity_input.ADDRESS_MAX_CHARS, code="address")
    if len(plan.description) > activity_input.DESCRIPTION_MAX_CHARS:
        raise InvalidInput("description_too_long", max=activity_input.DESCRIPTION_MAX_CHARS)
    if plan.theme_id is None:
        raise InvalidInput("theme_missing")
    if plan.team_id is None:
        raise InvalidInput("team_missing")
    if plan.min_age is not None and not 1 <= plan.min_age <= activity_input.MIN_AGE_MAX:
        raise InvalidInput("min_age_invalid", low=1, high=activity_input.MIN_AGE_MAX)
    if (plan.latitude is None) != (plan.longitude is None):
        raise InvalidInput("location_incomplete")
    if not plan.shifts:
        raise InvalidInput("shifts_missing")
    if len(plan.shifts) > activity_input.SHIFTS_MAX:
        raise InvalidInput("shifts_too_many", max=activity_input.SHIFTS_MAX)
    for shift in plan.shifts:
        check_shift(shift, now=now)
    if plan.signup_deadline is not None:
        if plan.signup_deadline <= now:
            raise InvalidInput("deadline_past")
        if plan.signup_deadline > max(shift.starts_at for shift in plan.shifts):
            raise InvalidInput("deadline_after_shifts")


def check_shift(shift: ShiftPlan, *, now: datetime) -> None:
    if shift.starts_at <= now:
        raise InvalidInput("shift_in_past")
    if shift.ends_at <= shift.starts_at:
        raise InvalidInput("time_range_order")
    if not 1 <= shift.capacity <= activity_input.CAPACITY_MAX:
        raise InvalidInput("capacity_invalid", low=1, high=activity_input.CAPACITY_MAX)


async def publish(
    session: AsyncSession, plan: ActivityPlan, *, created_by: int, now: datetime
) -> Activity:
    plan = await at_station(session, plan)
    check_plan(plan, now=now)
    assert plan.theme_id is not None and plan.team_id is not None  # checked above
    activity = Activity(
        team_id=plan.team_id,
        theme_id=plan.theme_id,
        district_id=plan.district_id,
        title=visible(plan.title).strip(),
        description=visible(plan.description).strip(),
        address=visible(plan.address).strip(),
        latitude=plan.latitude,
        longitude=plan.longitude,
        signup_deadline=plan.signup_deadline,
        min_age=plan.min_age,
        require_real_name=plan.require_real_name,
        require_insurance=plan.require_insurance,
        required_theme_id=plan.required_theme_id,
        station_id=plan.station_id,
        status=ActivityStatus.PUBLISHED,
        link_token=secrets.token_urlsafe(LINK_TOKEN_BYTES),
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    session.add(activity)
    await session.flush()
    for shift in sorted(plan.shifts, key=lambda s: s.starts_at):
        session.add(
            Shift(
                activity_id=activity.id,
                starts_at=shift.starts_at,
                ends_at=shift.ends_at,
                capacity=shift.capacity,
                status=ShiftStatus.OPEN,
            )
        )
    await session.flush()
    audit.record(
        session,
        created_by,
        "activity.publish",
        activity,
        now,
        after={"title": activity.title, "shifts": len(plan.shifts)},
    )
    return activity


async def find_by_token(session: AsyncSession, token: str) -> Activity | None:
    return await session.scalar(select(Activity).where(Activity.link_token == token))


async def get_activity(session: AsyncSession, activity_id: int) -> Activity:
    activity = await session.get(Activity, activity_id)
    if activity is None:
        raise Conflict("activity_gone")
    return activity


async def managed_activity(
    session: AsyncSession, telegram_id: int, activity_id: int, admin_ids: Collection[int]
) -> Activity:
    """The activity, once this person is shown to manage its team (NotAllowed otherwise):
    every coordinator's button and the dashboard ask here, whatever the button claims."""
    found = await get_activity(session, activity_id)
    await roles.require_manager(session, telegram_id, found.team_id, admin_ids)
    return found


async def managed_activities(
    session: AsyncSession,
    telegram_id: int,
    admin_ids: Collection[int],
    *,
    limit: int | None = None,
) -> list[Activity]:
    """The published activities of the teams this person manages, newest first (/manage, and
    the activities a course's screen offers)."""
    teams = await roles.managed_teams(session, telegram_id, admin_ids)
    found = await session.scalars(
        select(Activity)
        .where(
            Activity.team_id.in_([team.id for team in teams]),
            Activity.status == ActivityStatus.PUBLISHED,
        )
        .order_by(Activity.created_at.desc(), Activity.id.desc())
        .limit(limit)
    )
    return list(found)


async def managed_shift(
    session: AsyncSession, telegram_id: int, shift_id: int, admin_ids: Collection[int]
) -> tuple[Shift, Activity]:
    """The shift and its activity, once this person is shown to manage its team."""
    found = await session.get(Shift, shift_id)
    if found is None:
        raise Conflict("shift_gone")
    return found, await managed_activity(session, telegram_id, found.activity_id, admin_ids)


async def shifts_of(session: AsyncSession, activity_id: int) -> list[Shift]:
    return list(
        await session.scalars(
            select(Shift).where(Shift.activity_id == activity_id).order_by(Shift.starts_at)
        )
    )


# ---- changes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Affected:
    """Someone a change concerns, and what they held."""

    telegram_id: int
    language: str
    shift_id: int
    status: SignupStatus


async def affected_by(
    session: AsyncSession, shift_ids: list[int], statuses: tuple[SignupStatus, ...]
) -> list[Affected]:
    rows = await session.execute(
        select(Volunteer.telegram_id, Volunteer.language, Signup.shift_id, Signup.status)
        .join(Volunteer, Volunteer.id == Signup.volunteer_id)
        .where(
            Signup.shift_id.in_(shift_ids),
            Signup.status.in_(statuses),
            Volunteer.telegram_id.is_not(None),
        )
        .order_by(Signup.shift_id, Signup.queued_at, Signup.id)
    )
    return [
        Affected(telegram_id, language, shift_id, status)
        for telegram_id, language, shift_id, status in rows
        if telegram_id is not None
    ]


async def cancel_shifts(
    session: AsyncSession,
    activity: Activity,
    shift_ids: list[int],
    *,
    actor: int,
    reason: str,
    now: datetime,
) -> list[Affected]:
    """Cancel shifts of `activity` (all of them cancels the activity) and every sign-up on them;
    returns whom to tell. The shifts are locked first, so a sign-up in flight either lands
    before (and is cancelled here) or sees the shift cancelled."""
    reason = activity_input.text(
        reason, max_chars=activity_input.DESCRIPTION_MAX_CHARS, code="reason"
    )
    if activity.status == ActivityStatus.CANCELLED:
        raise Conflict("activity_cancelled")
    result = await session.execute(
        update(Shift)
        .where(
            Shift.activity_id == activity.id,
            Shift.id.in_(shift_ids),
            Shift.status != ShiftStatus.CANCELLED,
        )
        .values(status=ShiftStatus.CANCELLED)
        .returning(Shift.id)
    )
    cancelled = [row[0] for row in result]
    if not cancelled:
        raise Conflict("shift_cancelled")
    affected = await affected_by(session, cancelled, ACTIVE)
    await session.execute(
        update(Signup)
        .where(Signup.shift_id.in_(cancelled), Signup.status.in_(ACTIVE))
        .values(status=SignupStatus.CANCELLED, offer_expires_at=None, updated_at=now)
    )
    await before_shift.drop_for_shifts(session, cancelled)
    remaining = await session.scalar(
        select(Shift.id).where(
            Shift.activity_id == activity.id, Shift.status != ShiftStatus.CANCELLED
        )
    )
    if remaining is None:
        activity.status = ActivityStatus.CANCELLED
    for shift_id in cancelled:
        await groups.mark_stale(session, shift_id)
    activity.updated_at = now
    audit.record(
        session,
        actor,
        "activity.cancel" if remaining is None else "shift.cancel",
        activity,
        now,
        after={"shift_ids": cancelled, "reason": reason, "told": len(affected)},
    )
    return affected
