"""Standing slots: a volunteer takes a rota's every date ("every Saturday 09:00–11:00"), skips
one date (their place is given back and offered on, as any cancelled place is) or leaves the
slot. Each date is an ordinary shift, so every place here is taken and given back by the rules
of `models.activities.signup` (cut-off, waiting list, offers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.activities import signup
from models.activities.places import ACTIVE
from models.activities.signup import Placed, SignupPolicy, Vacancy
from models.activities.tables import Activity, Shift, ShiftStatus, Signup
from models.db import upsert
from models.errors import Conflict, NotAllowed, VolbotError
from models.registration.tables import Volunteer
from models.rotas import rules
from models.rotas.tables import RotaOccurrence, RotaRule, SlotSkip, StandingSlot


@dataclass(frozen=True)
class SlotDate:
    """A coming date of a standing slot, with the holder's sign-up on it (None: none, or
    skipped)."""

    shift: Shift
    mine: Signup | None
    skipped: bool


@dataclass(frozen=True)
class Left:
    vacancies: list[Vacancy]
    kept: list[Shift]  # places too close to their start to give back: still theirs


async def take_slot(
    session: AsyncSession,
    volunteer: Volunteer,
    rule: RotaRule,
    *,
    now: datetime,
    policy: SignupPolicy,
) -> StandingSlot:
    """Hold the rule's standing slot, and sign up on each of its dates already made. Refused
    as a sign-up is when every such date refuses (the first reason given)."""
    await rules.lock_rule(session, rule.id)
    written = await session.scalar(
        upsert(session, StandingSlot)
        .values(rule_id=rule.id, volunteer_id=volunteer.id, created_at=now)
        .on_conflict_do_nothing()
        .returning(StandingSlot.id)
    )
    if written is None:
        raise Conflict("slot_already_held")
    slot = await session.get(StandingSlot, written)
    assert slot is not None
    audit.record(
        session, volunteer.telegram_id, "signup.slot_take", ("activity", rule.activity_id), now
    )
    placed: list[Placed] = []
    refusals: list[VolbotError] = []
    for shift, _ in await _coming(session, rule.id, now):
        try:
            placed.append(
                await signup.sign_up(session, volunteer, shift.id, now=now, policy=policy)
            )
        except Conflict as error:
            if error.code != "already_signed_up":
                refusals.append(error)
        except NotAllowed as error:
            refusals.append(error)
    if refusals and not placed:
        raise refusals[0]
    return slot


async def _coming(session: AsyncSession, rule_id: int, now: datetime) -> list[tuple[Shift, date]]:
    """The rule's shifts made so far and still to come, each with its date."""
    rows = await session.execute(
        select(Shift, RotaOccurrence.day)
        .join(RotaOccurrence, RotaOccurrence.shift_id == Shift.id)
        .where(
            RotaOccurrence.rule_id == rule_id,
            Shift.status != ShiftStatus.CANCELLED,
            Shift.starts_at > now,
        )
        .order_by(Shift.starts_at)
    )
    return [(shift, day) for shift, day in rows]


async def own_slot(
    session: AsyncSession, volunteer: Volunteer, slot_id: int
) -> tuple[StandingSlot, RotaRule, Activity]:
    found = (
        await session.execute(
            select(StandingSlot, RotaRule, Activity)
            .join(RotaRule, RotaRule.id == StandingSlot.rule_id)
            .join(Activity, Activity.id == RotaRule.activity_id)
            .where(StandingSlot.id == slot_id)
        )
    ).first()
    if found is None or found[0].volunteer_id != volunteer.id:
        raise Conflict("slot_gone")
    return found[0], found[1], found[2]


async def slots_of(
    session: AsyncSession, volunteer_id: int
) -> list[tuple[StandingSlot, RotaRule, Activity]]:
    rows = await session.execute(
        select(StandingSlot, RotaRule, Activity)
        .join(RotaRule, RotaRule.id == StandingSlot.rule_id)
        .join(Activity, Activity.id == RotaRule.activity_id)
        .where(StandingSlot.volunteer_id == volunteer_id)
        .order_by(StandingSlot.created_at, StandingSlot.id)
    )
    return [(slot, rule, activity) for slot, rule, activity in rows]


async def coming_dates(session: AsyncSession, slot: StandingSlot, now: datetime) -> list[SlotDate]:
    """The slot's dates made so far and still to come, with the holder's place on each."""
    coming = await _coming(session, slot.rule_id, now)
    mine = {
        row.shift_id: row
        for row in await session.scalars(
            select(Signup).where(
                Signup.volunteer_id == slot.volunteer_id,
                Signup.shift_id.in_([shift.id for shift, _ in coming]),
                Signup.status.in_(ACTIVE),
            )
        )
    }
    skipped = set(await session.scalars(select(SlotSkip.day).where(SlotSkip.slot_id == slot.id)))
    return [SlotDate(shift, mine.get(shift.id), day in skipped) for shift, day in coming]


async def skip_date(
    session: AsyncSession,
    volunteer: Volunteer,
    slot_id: int,
    shift_id: int,
    *,
    now: datetime,
    policy: SignupPolicy,
) -> Vacancy | None:
    """The holder will not come on one date: no sign-up is made for it, and their place on it
    is given back (until the cancel deadline, as any place) and offered to whoever waits."""
    slot, _, _ = await own_slot(session, volunteer, slot_id)
    day = next(
        (d for shift, d in await _coming(session, slot.rule_id, now) if shift.id == shift_id), None
    )
    if day is None:
        raise Conflict("slot_date_gone")
    await session.execute(
        upsert(session, SlotSkip)
        .values(slot_id=slot.id, day=day, created_at=now)
        .on_conflict_do_nothing()
    )
    mine = await session.scalar(
        select(Signup).where(
            Signup.volunteer_id == volunteer.id,
            Signup.shift_id == shift_id,
            Signup.status.in_(ACTIVE),
        )
    )
    if mine is None:
        return None
    return await signup.cancel(session, volunteer, mine.id, now=now, policy=policy)


async def leave_slot(
    session: AsyncSession,
    volunteer: Volunteer,
    slot_id: int,
    *,
    now: datetime,
    policy: SignupPolicy,
) -> Left:
    """Give up the standing slot: places on its coming dates are given back and offered on,
    except those already past their cancel deadline (still theirs: better there than missing)."""
    slot, rule, _ = await own_slot(session, volunteer, slot_id)
    audit.record(
        session, volunteer.telegram_id, "signup.slot_leave", ("activity", rule.activity_id), now
    )
    vacancies: list[Vacancy] = []
    kept: list[Shift] = []
    for date_ in await coming_dates(session, slot, now):
        if date_.mine is None:
            continue
        try:
            vacancies.append(
                await signup.cancel(session, volunteer, date_.mine.id, now=now, policy=policy)
            )
        except NotAllowed:
            kept.append(date_.shift)
    await forget_slots(session, [slot.id])
    return Left(vacancies, kept)


async def forget_slots(session: AsyncSession, slot_ids: list[int]) -> None:
    await session.execute(delete(SlotSkip).where(SlotSkip.slot_id.in_(slot_ids)))
    await session.execute(delete(StandingSlot).where(StandingSlot.id.in_(slot_ids)))


async def forget(session: AsyncSession, volunteer_id: int) -> None:
    """Erasure: the volunteer holds no standing slot any more (their places are given back by
    erasure itself, as all their coming places)."""
    ids = list(
        await session.scalars(
            select(StandingSlot.id).where(StandingSlot.volunteer_id == volunteer_id)
        )
    )
    await forget_slots(session, ids)


async def may_take(session: AsyncSession, activity_id: int, volunteer_id: int | None) -> bool:
    """Whether the activity recurs and the volunteer (if known) does not hold its slot yet:
    its card then offers the standing slot. One query, as every card asks."""
    found = (
        await session.execute(
            select(RotaRule.id, StandingSlot.id)
            .outerjoin(
                StandingSlot,
                and_(
                    StandingSlot.rule_id == RotaRule.id,
                    StandingSlot.volunteer_id == (volunteer_id or 0),
                ),
            )
            .where(RotaRule.activity_id == activity_id)
        )
    ).first()
    return found is not None and found[1] is None
