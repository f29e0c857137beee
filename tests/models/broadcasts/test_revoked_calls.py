"""A call's controls and its start ask about roles as they are now: a call whose author lost the
role (or a team it reaches) is held when it falls due, released only by someone whose role covers
it; a coordinator controls only calls within their current teams; an admin's pause is an
admin's to lift."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.audit import AuditEntry
from models.broadcasts import control as controls
from models.broadcasts import outbox
from models.broadcasts.audience import Audience, Scope
from models.broadcasts.outbox import Draft
from models.broadcasts.tables import Broadcast
from models.errors import NotAllowed
from models.teams import roles
from models.teams.tables import RoleGrant, Team
from tests.models.world import COORDINATOR, NOW, at, make_team

OTHER = 900_002
ADMIN = 900_100
ADMINS = (ADMIN,)


async def coordinate(session: AsyncSession, telegram_id: int, team: Team) -> RoleGrant:
    return await roles.grant(session, telegram_id, "coordinator", team=team, now=NOW)


async def scheduled(session: AsyncSession, audience: Audience, scope: Scope) -> Broadcast:
    draft = Draft("Help!", audience, send_at=at(hours=1))
    return await outbox.create(session, draft, actor=COORDINATOR, scope=scope, now=NOW)


async def test_a_revoked_authors_call_is_held_and_released_by_a_coordinator_of_its_team(
    session: AsyncSession,
) -> None:
    team = await make_team(session)
    grant = await coordinate(session, COORDINATOR, team)
    await coordinate(session, OTHER, team)
    call = await scheduled(session, Audience("teams", (team.id,)), Scope(False, (team.id,)))
    await roles.revoke(session, grant.id, actor=ADMIN, now=NOW)

    assert await outbox.start_due(session, now=at(hours=2), admin_ids=ADMINS) == [call]
    assert (call.status, call.total, call.started_at) == ("held", 0, None)
    assert await outbox.start_due(session, now=at(hours=3), admin_ids=ADMINS) == []
    with pytest.raises(NotAllowed) as refused:  # the author cannot release their own call
        await controls.control(
            session, call.id, "release", actor=COORDINATOR, admin_ids=ADMINS, now=at(hours=3)
        )
    assert refused.value.code == "broadcast_not_yours"

    await controls.control(
        session, call.id, "release", actor=OTHER, admin_ids=ADMINS, now=at(hours=3)
    )
    assert (call.status, call.released_by, call.send_at) == ("scheduled", OTHER, at(hours=3))
    assert await outbox.start_due(session, now=at(hours=3), admin_ids=ADMINS) == [call]
    assert call.status == "running"
    actions = list(
        await session.scalars(
            select(AuditEntry.action).where(AuditEntry.target_type == "broadcast")
        )
    )
    assert actions == ["broadcast.create", "broadcast.hold", "broadcast.release"]


async def test_losing_one_of_the_teams_a_call_reaches_holds_it(session: AsyncSession) -> None:
    first, second = await make_team(session, "First"), await make_team(session, "Second")
    await coordinate(session, COORDINATOR, first)
    lost = await coordinate(session, COORDINATOR, second)
    both = Scope(False, (first.id, second.id))
    kept = await scheduled(session, Audience("teams", (first.id,)), both)
    everywhere = await scheduled(session, Audience("districts", (1,)), both)
    assert (kept.team_id, everywhere.team_id) == (first.id, None)
    await roles.revoke(session, lost.id, actor=ADMIN, now=NOW)

    await outbox.start_due(session, now=at(hours=2), admin_ids=ADMINS)
    assert kept.status == "running"  # it reaches only the team they still coordinate
    assert everywhere.status == "held"  # it reaches both teams' volunteers
    assert not await controls.may_control(session, everywhere, COORDINATOR, ADMINS)
    assert await controls.may_control(session, kept, COORDINATOR, ADMINS)


async def test_an_admins_call_is_held_once_they_are_no_admin_even_as_a_coordinator(
    session: AsyncSession,
) -> None:
    team = await make_team(session)
    await coordinate(session, COORDINATOR, team)
    call = await scheduled(session, Audience("teams", (team.id,)), Scope(True, ()))
    assert await controls.may_control(session, call, COORDINATOR, ADMINS)  # their team's call
    assert not await controls.may_send(session, call, COORDINATOR, ADMINS)  # made as an admin
    await outbox.start_due(session, now=at(hours=2), admin_ids=ADMINS)
    assert call.status == "held"
    await controls.control(
        session, call.id, "release", actor=ADMIN, admin_ids=ADMINS, now=at(hours=2)
    )
    await outbox.start_due(session, now=at(hours=2), admin_ids=ADMINS)
    assert call.status == "running"


async def test_only_an_admin_resumes_what_an_admin_paused(session: AsyncSession) -> None:
    team = await make_team(session)
    await coordinate(session, COORDINATOR, team)
    call = await scheduled(session, Audience("teams", (team.id,)), Scope(False, (team.id,)))

    async def control(action: controls.Control, actor: int) -> str:
        done = await controls.control(
            session, call.id, action, actor=actor, admin_ids=ADMINS, now=NOW
        )
        return done.status

    assert await control("pause", ADMIN) == "paused"
    with pytest.raises(NotAllowed) as refused:
        await control("resume", COORDINATOR)
    assert refused.value.code == "broadcast_admin_paused"
    assert await control("resume", ADMIN) == "scheduled"
    assert await control("pause", COORDINATOR) == "paused"  # their own pause is theirs to lift
    assert await control("resume", COORDINATOR) == "scheduled"
