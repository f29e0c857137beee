"""What the reminder sender asks of the table, on both databases: when the next reminder falls
due (it sleeps until then), and recording how a batch of claimed reminders ended in one
statement."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities import signup
from models.reminders import before_shift
from models.reminders.before_shift import Outcome
from models.reminders.tables import Reminder, ReminderStatus
from tests.models.world import NOW, POLICY, at, make_shift, make_volunteers


async def signed_up(db: AsyncSession, people: int) -> None:
    """`people` confirmed on a shift two days after NOW: each has reminders a day (due at
    `at(days=1)`) and two hours before."""
    shift = await make_shift(db, at(days=2), capacity=people)
    for volunteer in await make_volunteers(db, people):
        await signup.sign_up(db, volunteer, shift.id, now=NOW, policy=POLICY)


async def statuses(db: AsyncSession) -> dict[int, tuple[ReminderStatus, object]]:
    rows = await db.execute(select(Reminder.id, Reminder.status, Reminder.sent_at))
    return {reminder_id: (status, sent_at) for reminder_id, status, sent_at in rows}


async def test_the_next_due_is_the_earliest_pending_reminder(db: AsyncSession) -> None:
    assert await before_shift.next_due(db) is None
    await signed_up(db, 2)
    assert await before_shift.next_due(db) == at(days=1)
    claimed = await before_shift.claim_due(db, now=at(days=1), limit=10)
    assert len(claimed) == 2  # the day-before ones are sending, no longer pending
    assert await before_shift.next_due(db) == at(days=2, hours=-2)


async def test_a_batch_of_outcomes_is_recorded_for_claimed_reminders_only(
    db: AsyncSession,
) -> None:
    await signed_up(db, 3)
    sent, missed, late = await before_shift.claim_due(db, now=at(days=1), limit=3)
    later = at(days=1, hours=0.01)
    pending = [rid for rid, (status, _) in (await statuses(db)).items() if status == "pending"]
    await before_shift.settle(
        db,
        [
            Outcome(sent, ReminderStatus.SENT, later),
            Outcome(missed, ReminderStatus.MISSED, later),
            Outcome(pending[0], ReminderStatus.SENT, later),  # never claimed: left alone
        ],
    )
    db.expire_all()
    now = await statuses(db)
    assert now[sent] == (ReminderStatus.SENT, later)
    assert now[missed] == (ReminderStatus.MISSED, None)
    assert now[late] == (ReminderStatus.SENDING, None)
    assert now[pending[0]] == (ReminderStatus.PENDING, None)
