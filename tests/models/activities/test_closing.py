"""Sign-up closes by itself at the deadline (or the start) and the waiting list is turned away,
once."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities import closing, offers, signup
from models.activities.tables import Shift
from models.audit import AuditEntry
from models.errors import NotAllowed
from tests.models.world import (
    NOW,
    POLICY,
    at,
    make_activity,
    make_volunteers,
    shift_plan,
    statuses,
)


async def test_at_the_deadline_every_open_shift_closes_and_the_waiting_are_turned_away(
    session: AsyncSession,
) -> None:
    activity, (first, second) = await make_activity(
        session,
        shift_plan(at(days=2), capacity=1),
        shift_plan(at(days=3), capacity=1),
        signup_deadline=at(days=1),
    )
    a, b, c, d = await make_volunteers(session, 4)
    for volunteer in (a, b, c):
        await signup.sign_up(session, volunteer, first.id, now=NOW, policy=POLICY)
    await signup.sign_up(session, d, second.id, now=NOW, policy=POLICY)

    assert await closing.close_due(session, now=at(days=1, hours=-0.01)) == []
    closed = await closing.close_due(session, now=at(days=1))

    assert [(item.shift.id, item.activity.id) for item in closed] == [
        (first.id, activity.id),
        (second.id, activity.id),
    ]
    assert [s.volunteer_id for s in closed[0].turned_away] == [b.id, c.id]  # in queue order
    assert closed[1].turned_away == []
    assert await statuses(session, first.id) == {
        a.id: "confirmed",
        b.id: "cancelled",
        c.id: "cancelled",
    }
    assert {first.status, second.status} == {"closed"}
    assert await closing.close_due(session, now=at(days=1, hours=1)) == []  # once only
    audit = await session.scalars(select(AuditEntry).where(AuditEntry.action == "shift.close"))
    assert [(e.target_id, e.after) for e in audit] == [
        (first.id, {"status": "closed", "turned_away": 2}),
        (second.id, {"status": "closed", "turned_away": 0}),
    ]


async def test_without_a_deadline_sign_up_closes_at_the_start(session: AsyncSession) -> None:
    _, (early, late) = await make_activity(session, shift_plan(at(days=1)), shift_plan(at(days=2)))
    assert await closing.close_due(session, now=at(days=1, hours=-1)) == []
    closed = await closing.close_due(session, now=at(days=1))
    assert [item.shift.id for item in closed] == [early.id]
    assert (early.status, late.status) == ("closed", "open")


async def test_a_cancelled_shift_stays_cancelled(session: AsyncSession) -> None:
    _, (shift,) = await make_activity(session, shift_plan(at(days=1)))
    shift.status = "cancelled"
    await session.flush()
    assert await closing.close_due(session, now=at(days=2)) == []
    assert (await session.get(Shift, shift.id)).status == "cancelled"  # type: ignore[union-attr]


async def test_an_offer_made_before_closing_may_still_be_accepted(session: AsyncSession) -> None:
    _, (shift,) = await make_activity(
        session, shift_plan(at(days=2), capacity=1), signup_deadline=at(days=1)
    )
    holder, first, second = await make_volunteers(session, 3)
    placed = await signup.sign_up(session, holder, shift.id, now=NOW, policy=POLICY)
    await signup.sign_up(session, first, shift.id, now=NOW, policy=POLICY)
    await signup.sign_up(session, second, shift.id, now=NOW, policy=POLICY)
    before = at(days=1, hours=-1)
    vacancy = await signup.cancel(session, holder, placed.signup.id, now=before, policy=POLICY)
    (offer,) = vacancy.offers

    (closed,) = await closing.close_due(session, now=at(days=1))
    assert [s.volunteer_id for s in closed.turned_away] == [second.id]
    accepted = await offers.accept_offer(
        session, first, offer.id, now=at(days=1, hours=0.5), policy=POLICY
    )
    assert accepted.status == "confirmed"


async def test_a_closed_shift_takes_no_sign_ups(session: AsyncSession) -> None:
    _, (shift,) = await make_activity(session, shift_plan(at(days=2)), signup_deadline=at(days=1))
    (volunteer,) = await make_volunteers(session, 1)
    await closing.close_due(session, now=at(days=1))
    with pytest.raises(NotAllowed) as refused:
        await signup.sign_up(session, volunteer, shift.id, now=at(days=1), policy=POLICY)
    assert refused.value.code == "shift_closed"
