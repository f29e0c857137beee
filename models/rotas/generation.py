"""Making a rota's shifts: the scheduler (and saving a rule) turns each rule's dates within the
next weeks into ordinary shifts, so reminders, check-in, hours, no-shows, cards and the
coordinators' alerts for short shifts work on them as on any other; and signs the holders of
standing slots up on each new one (a place while there is one, else the waiting list, by the
sign-up rules of `models.activities.signup`).

Idempotent across runs and processes: a date's `RotaOccurrence` row is written before its
shift, and its unique constraints (activity and start; rule and date) let one writer only make
it; the others insert nothing and move on.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities import groups, signup
from models.activities.signup import SignupPolicy
from models.activities.tables import Activity, ActivityStatus, Shift, ShiftStatus
from models.db import upsert
from models.errors import Conflict, NotAllowed
from models.registration.tables import Volunteer
from models.rotas import rules
from models.rotas.tables import RotaOccurrence, RotaRule, SlotSkip, StandingSlot


async def generate(
    session: AsyncSession,
    *,
    now: datetime,
    zone: ZoneInfo,
    weeks_ahead: int,
    policy: SignupPolicy,
    activity_id: int | None = None,
) -> list[Shift]:
    """Make the shifts of every rule (or of one activity's) starting within `weeks_ahead`
    weeks that are not made yet; the shifts made."""
    query = (
        select(RotaRule, Activity)
        .join(Activity, Activity.id == RotaRule.activity_id)
        .where(Activity.status == ActivityStatus.PUBLISHED)
        .order_by(RotaRule.id)
    )
    if activity_id is not None:
        query = query.where(RotaRule.activity_id == activity_id)
    horizon = now + timedelta(weeks=weeks_ahead)
    made: list[Shift] = []
    for rule, activity in (await session.execute(query)).all():
        await rules.lock_rule(session, rule.id)
        dates = rules.expand(
            rules.plan_of(rule),
            await rules.exceptions_of(session, rule.id),
            zone,
            after=now,
            before=horizon,
        )
        done = set(
            await session.scalars(
                select(RotaOccurrence.day).where(
                    RotaOccurrence.rule_id == rule.id,
                    RotaOccurrence.day.in_([d.day for d in dates]),
                )
            )
        )
        for occurrence in dates:
            if occurrence.day not in done:
                shift = await _make(session, rule, activity, occurrence)
                if shift is not None:
                    await _place_holders(session, rule, shift, occurrence, now, policy)
                    made.append(shift)
    return made


async def _make(
    session: AsyncSession, rule: RotaRule, activity: Activity, occurrence: rules.Occurrence
) -> Shift | None:
    """Claim the date and make its shift (or adopt the activity's shift already at that
    time, the one the rule was made from); None when another run claimed it first."""
    claimed = await session.scalar(
        upsert(session, RotaOccurrence)
        .values(
            rule_id=rule.id,
            activity_id=activity.id,
            day=occurrence.day,
            starts_at=occurrence.starts_at,
        )
        .on_conflict_do_nothing()
        .returning(RotaOccurrence.id)
    )
    if claimed is None:
        return None
    shift = await session.scalar(
        select(Shift).where(
            Shift.activity_id == activity.id,
            Shift.starts_at == occurrence.starts_at,
            Shift.status != ShiftStatus.CANCELLED,
        )
    )
    if shift is None:
        shift = Shift(
            activity_id=activity.id,
            starts_at=occurrence.starts_at,
            ends_at=occurrence.ends_at,
            capacity=rule.capacity,
            status=ShiftStatus.OPEN,
        )
        session.add(shift)
        await session.flush()
    occurrence_row = await session.get(RotaOccurrence, claimed)
    assert occurrence_row is not None
    occurrence_row.shift_id = shift.id
    await groups.mark_stale(session, shift.id)
    return shift


async def _place_holders(
    session: AsyncSession,
    rule: RotaRule,
    shift: Shift,
    occurrence: rules.Occurrence,
    now: datetime,
    policy: SignupPolicy,
) -> None:
    """Sign the holders of the rule's standing slots up on a new shift, first come first,
    except those who skip its date; one the sign-up rules refuse (another shift at that time,
    a no-show block) is left off this date only."""
    holders = await session.execute(
        select(Volunteer)
        .join(StandingSlot, StandingSlot.volunteer_id == Volunteer.id)
        .where(
            StandingSlot.rule_id == rule.id,
            Volunteer.telegram_id.is_not(None),
            ~select(SlotSkip.id)
            .where(SlotSkip.slot_id == StandingSlot.id, SlotSkip.day == occurrence.day)
            .exists(),
        )
        .order_by(StandingSlot.created_at, StandingSlot.id)
    )
    for volunteer in holders.scalars():
        try:
            await signup.sign_up(session, volunteer, shift.id, now=now, policy=policy)
        except (NotAllowed, Conflict):
            continue  # this date only; the slot stands
