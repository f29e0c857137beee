"""Checking in and out without Telegram: who may, refusals, and the reminder to check out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import attendance, editing, publishing, reminders, signup
from models.activity import Shift
from models.attendance import AttendancePolicy
from models.errors import Conflict, NotAllowed
from models.outreach import Reminder
from models.volunteer import Volunteer
from tests.models.world import COORDINATOR, NOW, POLICY, at, make_shift, make_volunteers

RULES = AttendancePolicy()


async def placed(session: AsyncSession, shift: Shift, volunteer: Volunteer) -> int:
    return (await signup.sign_up(session, volunteer, shift.id, now=NOW, policy=POLICY)).signup.id


async def check_in(session: AsyncSession, volunteer: Volunteer, signup_id: int) -> None:
    await attendance.check_in(
        session, volunteer, signup_id, now=at(days=1), method="code", policy=RULES
    )


async def checkout_reminders(session: AsyncSession) -> list[tuple[str, object, str]]:
    rows = await session.execute(
        select(Reminder.kind, Reminder.due_at, Reminder.status)
        .where(Reminder.kind.startswith(reminders.CHECKOUT))
        .execution_options(populate_existing=True)
    )
    return [tuple(row) for row in rows]


async def test_checking_in_plans_a_reminder_that_checking_out_cancels(
    session: AsyncSession,
) -> None:
    shift = await make_shift(session, at(days=1), hours=3)
    (volunteer,) = await make_volunteers(session, 1)
    signup_id = await placed(session, shift, volunteer)

    await check_in(session, volunteer, signup_id)
    assert await checkout_reminders(session) == [("out30", at(days=1, hours=3.5), "pending")]
    record = await attendance.check_out(session, volunteer, signup_id, now=at(days=1, hours=3))
    assert (record.checked_in_at, record.checked_out_at) == (at(days=1), at(days=1, hours=3))
    assert await checkout_reminders(session) == [("out30", at(days=1, hours=3.5), "cancelled")]


async def test_the_check_out_reminder_moves_with_the_shift(session: AsyncSession) -> None:
    shift = await make_shift(session, at(days=1), hours=3)
    (volunteer,) = await make_volunteers(session, 1)
    await check_in(session, volunteer, await placed(session, shift, volunteer))
    activity = await publishing.get_activity(session, shift.activity_id)
    await editing.change_shift_times(
        session,
        activity,
        shift.id,
        shift.starts_at,
        shift.ends_at + timedelta(hours=1),
        actor=COORDINATOR,
        now=NOW,
    )
    assert await checkout_reminders(session) == [("out30", at(days=1, hours=4.5), "pending")]


async def test_refusals(session: AsyncSession) -> None:
    shift = await make_shift(session, at(days=1), capacity=1)
    holder, waiting, stranger = await make_volunteers(session, 3)
    held = await placed(session, shift, holder)
    queued = await placed(session, shift, waiting)

    with pytest.raises(NotAllowed) as refused:
        await check_in(session, waiting, queued)
    assert refused.value.code == "not_signed_up"
    with pytest.raises(NotAllowed) as refused:
        await check_in(session, stranger, held)
    assert refused.value.code == "not_your_signup"
    with pytest.raises(NotAllowed) as refused:
        await attendance.check_out(session, holder, held, now=at(days=1))
    assert refused.value.code == "not_checked_in"

    await check_in(session, holder, held)
    with pytest.raises(Conflict) as conflict:
        await check_in(session, holder, held)
    assert (conflict.value.code, conflict.value.params) == (
        "already_checked_in",
        {"at": at(days=1)},
    )
    await attendance.check_out(session, holder, held, now=at(days=1, hours=2))
    with pytest.raises(Conflict) as conflict:
        await attendance.check_out(session, holder, held, now=at(days=1, hours=3))
    assert conflict.value.code == "already_checked_out"
