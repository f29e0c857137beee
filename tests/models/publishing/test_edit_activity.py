"""Changing a published activity: checks, audit rows, whom to tell, and offers of added places."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities import signup
from models.activities.signup import SignupPolicy
from models.activities.tables import Activity, Shift, Signup
from models.audit import AuditEntry
from models.clock import ManualClock
from models.errors import Conflict, InvalidInput
from models.publishing import edit_activity, publication
from models.publishing.publication import ActivityPlan, ShiftPlan
from models.registration import volunteers
from models.registration.tables import Volunteer
from models.registration.volunteers import Draft
from models.teams import roles

COORDINATOR = 9001
DAY = timedelta(days=1)
HOURS_3 = timedelta(hours=3)


async def published(session: AsyncSession, clock: ManualClock, *, capacity: int = 2) -> Activity:
    """An activity with two shifts, in two and three days."""
    now = clock.now()
    team = await roles.create_team(session, "Haicang Team", now=now)
    theme = (await volunteers.themes(session))[0]
    return await publication.publish(
        session,
        ActivityPlan(
            title="Beach clean-up",
            theme_id=theme.id,
            team_id=team.id,
            address="Baicheng Beach",
            shifts=[
                ShiftPlan(now + 2 * DAY, now + 2 * DAY + HOURS_3, capacity),
                ShiftPlan(now + 3 * DAY, now + 3 * DAY + HOURS_3, capacity),
            ],
        ),
        created_by=COORDINATOR,
        now=now,
    )


async def volunteer(session: AsyncSession, clock: ManualClock, telegram_id: int) -> Volunteer:
    return await volunteers.register(
        session,
        telegram_id=telegram_id,
        language="zh-CN" if telegram_id % 2 else "en",
        draft=Draft(name="Wang Xiaoming", phone=f"+86138{telegram_id:08d}"),
        now=clock.now(),
    )


async def sign_up(
    session: AsyncSession, clock: ManualClock, telegram_id: int, shift_id: int
) -> Signup:
    person = await volunteer(session, clock, telegram_id)
    placed = await signup.sign_up(session, person, shift_id, now=clock.now(), policy=SignupPolicy())
    return placed.signup


async def first_shift(session: AsyncSession, activity: Activity) -> Shift:
    return (await publication.shifts_of(session, activity.id))[0]


async def audit_actions(session: AsyncSession) -> list[tuple[str, dict[str, object] | None]]:
    rows = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
    return [
        (row.action, row.after) for row in rows if row.action.startswith(("activity.", "shift."))
    ]


async def test_title_and_description_changes_are_trimmed_and_audited(
    session: AsyncSession, clock: ManualClock
) -> None:
    activity = await published(session, clock)
    await edit_activity.change_title(
        session, activity, "  Beach clean-up II ", actor=COORDINATOR, now=clock.now()
    )
    await edit_activity.change_description(
        session, activity, " Bring gloves. ", actor=COORDINATOR, now=clock.now()
    )
    assert (activity.title, activity.description) == ("Beach clean-up II", "Bring gloves.")
    actions = await audit_actions(session)
    assert actions[-2:] == [
        ("activity.title", {"title": "Beach clean-up II"}),
        ("activity.description", {"description": "Bring gloves."}),
    ]


async def test_bad_titles_and_descriptions_are_refused(
    session: AsyncSession, clock: ManualClock
) -> None:
    activity = await published(session, clock)
    with pytest.raises(InvalidInput) as empty:
        await edit_activity.change_title(
            session, activity, "   ", actor=COORDINATOR, now=clock.now()
        )
    with pytest.raises(InvalidInput) as long:
        await edit_activity.change_description(
            session, activity, "x" * 2001, actor=COORDINATOR, now=clock.now()
        )
    assert (empty.value.code, long.value.code) == ("title_empty", "description_too_long")
    assert activity.title == "Beach clean-up"


async def test_an_address_change_returns_everyone_on_upcoming_shifts(
    session: AsyncSession, clock: ManualClock
) -> None:
    activity = await published(session, clock, capacity=1)
    first, second = await publication.shifts_of(session, activity.id)
    await sign_up(session, clock, 1001, first.id)
    await sign_up(session, clock, 1002, first.id)  # waiting
    await sign_up(session, clock, 1003, second.id)
    told = await edit_activity.change_address(
        session, activity, "Huli Park", actor=COORDINATOR, now=clock.now()
    )
    assert activity.address == "Huli Park"
    assert [(p.telegram_id, p.language, p.shift_id, p.status) for p in told] == [
        (1001, "zh-CN", first.id, "confirmed"),
        (1002, "en", first.id, "waiting"),
        (1003, "zh-CN", second.id, "confirmed"),
    ]


async def test_moving_a_shift_returns_its_people_and_audits_before_and_after(
    session: AsyncSession, clock: ManualClock
) -> None:
    activity = await published(session, clock)
    shift = await first_shift(session, activity)
    await sign_up(session, clock, 1001, shift.id)
    old_start = shift.starts_at
    new_start = old_start + timedelta(hours=2)
    told = await edit_activity.change_shift_times(
        session,
        activity,
        shift.id,
        new_start,
        new_start + HOURS_3,
        actor=COORDINATOR,
        now=clock.now(),
    )
    assert [p.telegram_id for p in told] == [1001]
    assert (shift.starts_at, shift.ends_at) == (new_start, new_start + HOURS_3)
    entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "shift.reschedule"))
    assert entry is not None and entry.before == {
        "starts_at": old_start.isoformat(),
        "ends_at": (old_start + HOURS_3).isoformat(),
    }


async def test_a_shift_cannot_move_into_the_past_or_after_its_deadline(
    session: AsyncSession, clock: ManualClock
) -> None:
    activity = await published(session, clock)
    shift = await first_shift(session, activity)
    past = clock.now() - timedelta(hours=1)
    with pytest.raises(InvalidInput) as in_past:
        await edit_activity.change_shift_times(
            session, activity, shift.id, past, past + HOURS_3, actor=COORDINATOR, now=clock.now()
        )
    first_start = shift.starts_at
    second = (await publication.shifts_of(session, activity.id))[1]
    activity.signup_deadline = first_start + timedelta(hours=1)
    early = clock.now() + DAY
    with pytest.raises(InvalidInput) as after_deadline:
        # Every shift would start before sign-up closes.
        await edit_activity.change_shift_times(
            session, activity, second.id, early, early + HOURS_3, actor=COORDINATOR, now=clock.now()
        )
    await edit_activity.change_shift_times(
        session, activity, shift.id, early, early + HOURS_3, actor=COORDINATOR, now=clock.now()
    )  # the second shift still starts after the deadline
    assert in_past.value.code == "shift_in_past"
    assert after_deadline.value.code == "deadline_after_shifts"
    assert (shift.starts_at, second.starts_at) == (early, first_start + DAY)


async def test_started_cancelled_and_foreign_shifts_cannot_change(
    session: AsyncSession, clock: ManualClock
) -> None:
    activity = await published(session, clock)
    first, second = await publication.shifts_of(session, activity.id)
    await publication.cancel_shifts(
        session, activity, [second.id], actor=COORDINATOR, reason="Storm", now=clock.now()
    )
    with pytest.raises(Conflict) as cancelled:
        await edit_activity.change_capacity(
            session,
            activity,
            second.id,
            5,
            actor=COORDINATOR,
            now=clock.now(),
            policy=SignupPolicy(),
        )
    other = await publication.publish(
        session,
        ActivityPlan(
            title="Park walk",
            theme_id=activity.theme_id,
            team_id=activity.team_id,
            address="Huli Park",
            shifts=[ShiftPlan(first.starts_at, first.ends_at, 3)],
        ),
        created_by=COORDINATOR,
        now=clock.now(),
    )
    foreign = await first_shift(session, other)
    with pytest.raises(Conflict) as not_its_own:
        await edit_activity.change_capacity(
            session,
            activity,
            foreign.id,
            5,
            actor=COORDINATOR,
            now=clock.now(),
            policy=SignupPolicy(),
        )
    clock.advance(2 * DAY + timedelta(minutes=1))
    with pytest.raises(Conflict) as started:
        await edit_activity.change_capacity(
            session,
            activity,
            first.id,
            5,
            actor=COORDINATOR,
            now=clock.now(),
            policy=SignupPolicy(),
        )
    assert (cancelled.value.code, not_its_own.value.code, started.value.code) == (
        "shift_cancelled",
        "shift_gone",
        "shift_already_started",
    )


async def test_capacity_cannot_drop_below_the_places_held(
    session: AsyncSession, clock: ManualClock
) -> None:
    activity = await published(session, clock, capacity=3)
    shift = await first_shift(session, activity)
    await sign_up(session, clock, 1001, shift.id)
    await sign_up(session, clock, 1002, shift.id)
    with pytest.raises(InvalidInput) as refused:
        await edit_activity.change_capacity(
            session,
            activity,
            shift.id,
            1,
            actor=COORDINATOR,
            now=clock.now(),
            policy=SignupPolicy(),
        )
    assert (refused.value.code, refused.value.params) == ("capacity_below_held", {"held": 2})
    vacancy = await edit_activity.change_capacity(
        session, activity, shift.id, 2, actor=COORDINATOR, now=clock.now(), policy=SignupPolicy()
    )
    assert (shift.capacity, vacancy.offers, vacancy.unfilled) == (2, [], 0)
    assert ("shift.capacity", {"capacity": 2}) in await audit_actions(session)


async def test_added_places_are_offered_to_the_people_waiting_in_order(
    session: AsyncSession, clock: ManualClock
) -> None:
    activity = await published(session, clock, capacity=1)
    shift = await first_shift(session, activity)
    await sign_up(session, clock, 1001, shift.id)
    clock.advance(timedelta(minutes=1))
    first_waiting = await sign_up(session, clock, 1002, shift.id)
    clock.advance(timedelta(minutes=1))
    second_waiting = await sign_up(session, clock, 1003, shift.id)
    vacancy = await edit_activity.change_capacity(
        session, activity, shift.id, 4, actor=COORDINATOR, now=clock.now(), policy=SignupPolicy()
    )
    assert [offer.id for offer in vacancy.offers] == [first_waiting.id, second_waiting.id]
    assert vacancy.unfilled == 1
    assert {offer.status for offer in vacancy.offers} == {"offered"}
    assert all(offer.offer_expires_at is not None for offer in vacancy.offers)


async def test_a_cancelled_activity_cannot_change(
    session: AsyncSession, clock: ManualClock
) -> None:
    activity = await published(session, clock)
    shift_ids = [shift.id for shift in await publication.shifts_of(session, activity.id)]
    await publication.cancel_shifts(
        session, activity, shift_ids, actor=COORDINATOR, reason="Storm", now=clock.now()
    )
    assert activity.status == "cancelled"
    with pytest.raises(Conflict) as refused:
        await edit_activity.change_address(
            session, activity, "Huli Park", actor=COORDINATOR, now=clock.now()
        )
    assert refused.value.code == "activity_cancelled"
    assert await edit_activity.upcoming_shifts(session, activity, clock.now()) == []
