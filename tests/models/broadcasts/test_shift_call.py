"""The one-tap shift call: a recruitment call in the outbox, within the caller's reach (their
teams; everyone for an admin), to those who could fill the shift — at most one per window."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.broadcasts import shift_call
from models.broadcasts.audience import Scope
from models.broadcasts.tables import Broadcast, Delivery
from models.errors import Conflict
from models.registration.tables import Volunteer
from models.teams import membership
from models.teams.tables import Team
from tests.models.world import (
    COORDINATOR,
    NOW,
    POLICY,
    at,
    make_activity,
    make_team,
    make_volunteer,
    shift_plan,
    theme,
)


async def fan(session: AsyncSession) -> Volunteer:
    """A volunteer who likes the `events` theme (the world's activities have it)."""
    return await make_volunteer(session, themes=[await theme(session, "events")])


async def enqueued(session: AsyncSession, broadcast_id: int) -> set[int]:
    return set(
        await session.scalars(
            select(Delivery.volunteer_id).where(Delivery.broadcast_id == broadcast_id)
        )
    )


async def test_a_coordinators_shift_call_reaches_their_teams_once_a_window(
    session: AsyncSession,
) -> None:
    activity, (shift,) = await make_activity(session, shift_plan(at(days=2), capacity=5))
    other_team = await make_team(session)
    ours, theirs, nobodys = await fan(session), await fan(session), await fan(session)
    team = activity.team_id
    await membership.join(session, ours, await session.get_one(Team, team), now=NOW)
    await membership.join(session, theirs, other_team, now=NOW)
    scope = Scope(admin=False, team_ids=(team,))
    assert await shift_call.reach(session, shift, activity, scope, now=NOW, policy=POLICY) == 1

    async def call_at(hours: float) -> Broadcast:
        return await shift_call.call(
            session,
            shift,
            activity,
            "Help!",
            actor=COORDINATOR,
            scope=scope,
            now=at(hours=hours),
            policy=POLICY,
        )

    first = await call_at(0)
    assert (first.status, first.total) == ("running", 1)
    assert await enqueued(session, first.id) == {ours.id}
    with pytest.raises(Conflict) as refused:
        await call_at(5.9)
    assert refused.value.code == "shift_call_recent"
    assert refused.value.params == {"at": NOW, "next": at(hours=6)}
    assert shift.called_at == NOW
    second = await call_at(6)
    assert await enqueued(session, second.id) == {ours.id}
    rows = await session.scalar(select(func.count()).select_from(Delivery))
    assert rows == 2
    assert nobodys.id not in await enqueued(session, second.id)


async def test_a_call_that_reached_nobody_does_not_hold_the_next_back(
    session: AsyncSession,
) -> None:
    activity, (shift,) = await make_activity(session, shift_plan(at(days=2), capacity=5))
    admin = Scope(admin=True, team_ids=())
    empty = await shift_call.call(
        session, shift, activity, "Hi", actor=COORDINATOR, scope=admin, now=NOW, policy=POLICY
    )
    assert empty.total == 0
    await session.refresh(shift)
    assert shift.called_at is None
    everyone = await fan(session)  # an admin reaches volunteers in no team
    later = await shift_call.call(
        session, shift, activity, "Hi", actor=COORDINATOR, scope=admin, now=NOW, policy=POLICY
    )
    assert await enqueued(session, later.id) == {everyone.id}
