"""What a volunteer chooses to be sent unasked, without Telegram: their reminder choice re-plans
the pending reminders of their upcoming shifts, and every change is audited."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities import signup
from models.activities.tables import Activity, Shift
from models.audit import AuditEntry
from models.errors import NotAllowed
from models.registration.tables import Volunteer
from models.reminders import notifications
from models.reminders.tables import Reminder
from tests.models.world import NOW, POLICY, at, make_shift, make_volunteer

USUAL = POLICY.reminder_offsets  # 24 h and 2 h before


async def confirmed(session: AsyncSession, volunteer: Volunteer, shift: Shift) -> int:
    """Sign the volunteer up for the shift (a place is free); the sign-up's id."""
    placed = await signup.sign_up(session, volunteer, shift.id, now=NOW, policy=POLICY)
    assert placed.position is None
    return placed.signup.id


async def signed_up_in_two_days(session: AsyncSession) -> tuple[Volunteer, Shift, int]:
    """A volunteer with a place on a shift two days away: the volunteer, shift and sign-up id."""
    volunteer = await make_volunteer(session)
    shift = await make_shift(session, at(days=2))
    return volunteer, shift, await confirmed(session, volunteer, shift)


async def reminders_of(session: AsyncSession, signup_id: int) -> dict[str, tuple[str, datetime]]:
    """kind → (status, due time) of the sign-up's reminders, as stored."""
    rows = await session.scalars(
        select(Reminder)
        .where(Reminder.signup_id == signup_id)
        .execution_options(populate_existing=True)
    )
    return {r.kind: (r.status, r.due_at) for r in rows}


async def pending(session: AsyncSession, signup_id: int) -> dict[str, datetime]:
    return {
        kind: due
        for kind, (status, due) in (await reminders_of(session, signup_id)).items()
        if status == "pending"
    }


async def choose(
    session: AsyncSession,
    volunteer: Volunteer,
    *,
    enabled: bool = True,
    minutes: list[int] | None = None,
    now: datetime = NOW,
) -> int:
    return await notifications.set_reminders(
        session, volunteer, enabled=enabled, minutes=minutes, now=now, default=USUAL
    )


async def audit_entries(session: AsyncSession, action: str) -> list[AuditEntry]:
    return list(
        await session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


async def test_turning_reminders_off_cancels_the_pending_reminders_of_upcoming_shifts(
    session: AsyncSession,
) -> None:
    volunteer = await make_volunteer(session)
    first = await make_shift(session, at(days=2))
    second = await make_shift(session, at(days=5))
    first_id, second_id = (
        await confirmed(session, volunteer, first),
        await confirmed(session, volunteer, second),
    )
    assert set(await pending(session, first_id)) == {"1440m", "120m"}

    replanned = await choose(session, volunteer, enabled=False)

    assert replanned == 2
    assert volunteer.reminders_enabled is False
    assert await pending(session, first_id) == {}
    assert await pending(session, second_id) == {}
    statuses = {status for status, _ in (await reminders_of(session, first_id)).values()}
    assert statuses == {"cancelled"}


async def test_only_upcoming_confirmed_signups_are_replanned(session: AsyncSession) -> None:
    volunteer, other = await make_volunteer(session), await make_volunteer(session)
    upcoming = await make_shift(session, at(days=2))
    full = await make_shift(session, at(days=3), capacity=1)
    await confirmed(session, other, full)
    placed = await signup.sign_up(session, volunteer, full.id, now=NOW, policy=POLICY)
    assert placed.position == 1  # waiting: not reminded, so nothing to re-plan
    await confirmed(session, volunteer, upcoming)

    later = at(days=2, hours=1)  # the first shift has started by then
    assert await choose(session, volunteer, minutes=[60], now=later) == 0
    assert await choose(session, volunteer, enabled=False, now=later) == 0
    assert await choose(session, volunteer, enabled=True, minutes=[30]) == 1  # at NOW


async def test_choosing_times_replans_with_the_new_kinds_and_due_times(
    session: AsyncSession,
) -> None:
    volunteer, shift, signup_id = await signed_up_in_two_days(session)

    replanned = await choose(session, volunteer, minutes=[60, 720, 60])

    assert replanned == 1
    assert volunteer.reminder_minutes == [720, 60]  # without repeats, longest first
    assert await reminders_of(session, signup_id) == {
        "1440m": ("cancelled", shift.starts_at - timedelta(hours=24)),
        "120m": ("cancelled", shift.starts_at - timedelta(hours=2)),
        "720m": ("pending", shift.starts_at - timedelta(hours=12)),
        "60m": ("pending", shift.starts_at - timedelta(hours=1)),
    }


async def test_times_already_past_are_not_planned(session: AsyncSession) -> None:
    volunteer, shift, signup_id = await signed_up_in_two_days(session)

    # A week and 3 days before a shift two days away have passed; 24 h and 1 h have not.
    await choose(session, volunteer, minutes=[7 * 24 * 60, 3 * 24 * 60, 24 * 60, 60])

    assert await pending(session, signup_id) == {
        "1440m": shift.starts_at - timedelta(hours=24),
        "60m": shift.starts_at - timedelta(hours=1),
    }
    assert set(await reminders_of(session, signup_id)) == {"1440m", "120m", "60m"}
    assert volunteer.reminder_minutes == [10080, 4320, 1440, 60]  # kept for later shifts


async def test_turning_back_on_restores_the_chosen_times_or_the_usual_ones(
    session: AsyncSession,
) -> None:
    volunteer, shift, signup_id = await signed_up_in_two_days(session)
    await choose(session, volunteer, minutes=[60])

    await choose(session, volunteer, enabled=False, minutes=[60])
    assert await pending(session, signup_id) == {}
    assert volunteer.reminder_minutes == [60]  # the choice is kept while reminders are off

    assert await choose(session, volunteer, enabled=True, minutes=[60]) == 1
    assert await pending(session, signup_id) == {"60m": shift.starts_at - timedelta(hours=1)}

    await choose(session, volunteer, minutes=None)  # the usual times again
    assert await pending(session, signup_id) == {
        "1440m": shift.starts_at - timedelta(hours=24),
        "120m": shift.starts_at - timedelta(hours=2),
    }


async def test_the_usual_times_are_the_activitys_when_it_chose_some(
    session: AsyncSession,
) -> None:
    volunteer = await make_volunteer(session)
    shift = await make_shift(session, at(days=2))
    activity = await session.get(Activity, shift.activity_id)
    assert activity is not None
    activity.reminder_minutes = [180]
    signup_id = await confirmed(session, volunteer, shift)
    assert set(await pending(session, signup_id)) == {"180m"}

    await choose(session, volunteer, minutes=[30])
    assert set(await pending(session, signup_id)) == {"30m"}  # the volunteer's own choice wins
    await choose(session, volunteer, minutes=None)
    assert set(await pending(session, signup_id)) == {"180m"}


async def test_a_reminder_choice_is_audited_once_per_change(session: AsyncSession) -> None:
    volunteer = await make_volunteer(session)

    await choose(session, volunteer, minutes=[120, 60])
    assert await choose(session, volunteer, minutes=[60, 120]) == 0  # the same choice
    await choose(session, volunteer, enabled=False, minutes=[120, 60])

    entries = await audit_entries(session, "volunteer.reminders_set")
    assert [(e.actor_telegram_id, e.target_id, e.before, e.after) for e in entries] == [
        (
            volunteer.telegram_id,
            volunteer.id,
            {"reminders_enabled": True, "reminder_minutes": None},
            {"reminders_enabled": True, "reminder_minutes": [120, 60]},
        ),
        (
            volunteer.telegram_id,
            volunteer.id,
            {"reminders_enabled": True, "reminder_minutes": [120, 60]},
            {"reminders_enabled": False, "reminder_minutes": [120, 60]},
        ),
    ]


@pytest.mark.parametrize("minutes", [[0], [-30], [notifications.MAX_MINUTES + 1], [60, 0]])
async def test_times_out_of_range_are_refused_and_change_nothing(
    session: AsyncSession, minutes: list[int]
) -> None:
    volunteer, _, signup_id = await signed_up_in_two_days(session)
    before = await reminders_of(session, signup_id)

    with pytest.raises(ValueError, match="out of range"):
        await choose(session, volunteer, minutes=minutes)

    assert (volunteer.reminders_enabled, volunteer.reminder_minutes) == (True, None)
    assert await reminders_of(session, signup_id) == before
    assert await audit_entries(session, "volunteer.reminders_set") == []


async def test_choosing_no_time_at_all_is_refused(session: AsyncSession) -> None:
    volunteer = await make_volunteer(session)
    await choose(session, volunteer, minutes=[60])

    with pytest.raises(NotAllowed) as refused:
        await choose(session, volunteer, minutes=[])

    assert refused.value.code == "reminder_times_empty"
    assert volunteer.reminder_minutes == [60]


async def test_muting_calls_for_volunteers_is_stored_and_audited(session: AsyncSession) -> None:
    volunteer = await make_volunteer(session)

    await notifications.set_recruitment(session, volunteer, muted=True, now=NOW)
    await notifications.set_recruitment(session, volunteer, muted=True, now=at(hours=1))  # again
    await session.flush()
    stored = await session.scalar(
        select(Volunteer.mute_recruitment).where(Volunteer.id == volunteer.id)
    )
    assert stored is True
    await notifications.set_recruitment(session, volunteer, muted=False, now=at(hours=2))

    entries = await audit_entries(session, "volunteer.recruitment_set")
    assert [(e.actor_telegram_id, e.target_id, e.before, e.after, e.at) for e in entries] == [
        (
            volunteer.telegram_id,
            volunteer.id,
            {"mute_recruitment": False},
            {"mute_recruitment": True},
            NOW,
        ),
        (
            volunteer.telegram_id,
            volunteer.id,
            {"mute_recruitment": True},
            {"mute_recruitment": False},
            at(hours=2),
        ),
    ]
    assert volunteer.mute_recruitment is False
