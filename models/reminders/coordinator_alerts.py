"""What coordinators are told unasked: a shift still short of people shortly before it starts
(48 hours by default), and each evening a digest of tomorrow's shifts and how full they are.

Each alert goes out once, whichever process runs the job and however often: it is claimed by
writing its `Alert` row (unique kind and key) in the transaction that builds the message, and a
process that finds the row already there sends nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from sqlalchemy import ScalarSelect, String, cast, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities import places
from models.activities.tables import Activity, ActivityStatus, Shift, ShiftStatus, Signup
from models.db import upsert
from models.reminders.tables import Alert, AlertKind
from models.teams.tables import Role, RoleGrant


@dataclass(frozen=True)
class AlertPolicy:
    """When coordinators are alerted (see the settings); None turns an alert off."""

    short_before: timedelta | None = timedelta(hours=48)
    digest_at: time | None = time(18, 0)  # the deployment's local time


async def claim(session: AsyncSession, kind: AlertKind, key: str, *, now: datetime) -> bool:
    """Write the alert's row; False when it was written before (by this or another process)."""
    written = await session.scalar(
        upsert(session, Alert)
        .values(kind=kind, key=key, created_at=now)
        .on_conflict_do_nothing(index_elements=["kind", "key"])
        .returning(Alert.id)
    )
    return written is not None


# ---- shifts short of people --------------------------------------------------------------


@dataclass(frozen=True)
class Short:
    shift: Shift
    activity: Activity
    held: int


def _held() -> ScalarSelect[int]:
    return (
        select(func.count())
        .where(Signup.shift_id == Shift.id, Signup.status.in_(places.HOLDS_PLACE))
        .scalar_subquery()
    )


async def short_shifts(
    session: AsyncSession, *, now: datetime, policy: AlertPolicy, limit: int = 100
) -> list[Short]:
    """Open shifts starting within `short_before` with places nobody holds, not alerted about
    before; each returned one is claimed (its coordinators are to be told now)."""
    if policy.short_before is None:
        return []
    held = _held()
    alerted = exists().where(
        Alert.kind == AlertKind.SHORT_SHIFT, Alert.key == cast(Shift.id, String)
    )
    rows = await session.execute(
        select(Shift, Activity, held)
        .join(Activity, Activity.id == Shift.activity_id)
        .where(
            Activity.status == ActivityStatus.PUBLISHED,
            Shift.status == ShiftStatus.OPEN,
            Shift.starts_at > now,
            Shift.starts_at <= now + policy.short_before,
            held < Shift.capacity,
            ~alerted,
        )
        .order_by(Shift.starts_at, Shift.id)
        .limit(limit)
    )
    found = []
    for shift, activity, count in rows.all():
        if await claim(session, AlertKind.SHORT_SHIFT, str(shift.id), now=now):
            found.append(Short(shift, activity, count))
    return found


# ---- the daily digest --------------------------------------------------------------------


@dataclass(frozen=True)
class DigestLine:
    shift: Shift
    activity: Activity
    load: places.ShiftLoad


@dataclass(frozen=True)
class Digest:
    """Tomorrow's shifts of the teams one coordinator runs."""

    telegram_id: int
    lines: list[DigestLine]


def _tomorrow(now: datetime, zone: tzinfo) -> tuple[datetime, datetime, str]:
    """Tomorrow in the deployment's zone: when it starts and ends, and its date."""
    today = now.astimezone(zone).date()
    start = datetime.combine(today + timedelta(days=1), time(0), zone)
    end = datetime.combine(today + timedelta(days=2), time(0), zone)
    return start, end, start.date().isoformat()


async def digests_due(
    session: AsyncSession, *, now: datetime, policy: AlertPolicy, zone: tzinfo
) -> list[Digest]:
    """From the digest time on, once a day: for each coordinator whose teams have shifts
    tomorrow, those shifts and how full they are. The day is claimed as a whole, so later runs
    that day (in any process) cost one insert that does nothing."""
    if policy.digest_at is None or now.astimezone(zone).time() < policy.digest_at:
        return []
    start, end, day = _tomorrow(now, zone)
    if not await claim(session, AlertKind.DIGEST, day, now=now):
        return []
    rows = await session.execute(
        select(Shift, Activity)
        .join(Activity, Activity.id == Shift.activity_id)
        .where(
            Activity.status == ActivityStatus.PUBLISHED,
            Shift.status != ShiftStatus.CANCELLED,
            Shift.starts_at >= start,
            Shift.starts_at < end,
        )
        .order_by(Shift.starts_at, Activity.title, Shift.id)
    )
    shifts = rows.all()
    loads = await places.loads(session, [shift.id for shift, _ in shifts])
    by_team: dict[int, list[DigestLine]] = defaultdict(list)
    for shift, activity in shifts:
        by_team[activity.team_id].append(DigestLine(shift, activity, loads[shift.id]))
    grants = await session.execute(
        select(RoleGrant.telegram_id, RoleGrant.team_id)
        .where(RoleGrant.role == Role.COORDINATOR, RoleGrant.team_id.in_(by_team))
        .order_by(RoleGrant.telegram_id, RoleGrant.team_id)
    )
    per_coordinator: dict[int, list[DigestLine]] = defaultdict(list)
    for telegram_id, team_id in grants:
        assert team_id is not None  # a coordinator's grant names their team
        per_coordinator[telegram_id] += by_team[team_id]
    return [
        Digest(telegram_id, sorted(lines, key=lambda line: (line.shift.starts_at, line.shift.id)))
        for telegram_id, lines in per_coordinator.items()
    ]
