"""Team membership and roles without Telegram: joining by link, asking and being approved or
declined, leaving, revoking a coordinator; each change audited; the audit log's filters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.audit import AuditEntry
from models.conversation import lock_state
from models.errors import Conflict, NotAllowed
from models.teams import membership, roles
from models.teams.tables import RoleGrant
from tests.models.world import NOW, at, make_team, make_volunteers

ADMIN = 700_001


async def audited(session: AsyncSession) -> list[tuple[int | None, str]]:
    rows = await session.execute(
        select(AuditEntry.actor_telegram_id, AuditEntry.action)
        .where(AuditEntry.action.like("team.%") | AuditEntry.action.like("role.%"))
        .order_by(AuditEntry.id)
    )
    return [(actor, action) for actor, action in rows]


async def test_joining_by_link_asking_and_leaving(session: AsyncSession) -> None:
    team = await make_team(session, "Haicang Team")
    alice, bob = await make_volunteers(session, 2)

    assert (await membership.team_by_token(session, team.join_token)).id == team.id
    with pytest.raises(NotAllowed):
        await membership.team_by_token(session, "not-a-token")
    await membership.join(session, alice, team, now=NOW)
    with pytest.raises(Conflict) as twice:
        await membership.join(session, alice, team, now=NOW)
    assert twice.value.code == "already_member"

    await membership.ask_to_join(session, bob, team, now=NOW)
    with pytest.raises(Conflict) as again:
        await membership.ask_to_join(session, bob, team, now=NOW)
    assert again.value.code == "already_asked"
    assert [v.id for v, _ in await membership.members(session, team.id, status="pending")] == [
        bob.id
    ]
    await membership.decide(
        session, actor=ADMIN, team_id=team.id, volunteer_id=bob.id, approve=True, now=at(hours=1)
    )
    with pytest.raises(Conflict):  # answered already
        await membership.decide(
            session, actor=ADMIN, team_id=team.id, volunteer_id=bob.id, approve=False, now=NOW
        )
    active = await membership.members(session, team.id, status="active")
    assert [v.id for v, _ in active] == [bob.id, alice.id]  # newest first

    await membership.leave(session, alice, team.id, now=at(hours=2))
    with pytest.raises(Conflict):
        await membership.leave(session, alice, team.id, now=at(hours=2))
    assert [m.team.id for m in await membership.teams_of(session, bob)] == [team.id]
    assert await membership.teams_of(session, alice) == []
    assert await audited(session) == [
        (None, "team.create"),
        (alice.telegram_id, "team.join"),
        (bob.telegram_id, "team.ask"),
        (ADMIN, "team.approve"),
        (alice.telegram_id, "team.leave"),
    ]


async def test_a_declined_request_leaves_no_membership(session: AsyncSession) -> None:
    team = await make_team(session)
    (carol,) = await make_volunteers(session, 1)
    await membership.ask_to_join(session, carol, team, now=NOW)
    await membership.decide(
        session, actor=ADMIN, team_id=team.id, volunteer_id=carol.id, approve=False, now=NOW
    )
    assert await membership.teams_of(session, carol) == []
    await membership.ask_to_join(session, carol, team, now=at(days=1))  # may ask again later


async def test_revoking_a_coordinator_is_audited_with_what_was_held(
    session: AsyncSession,
) -> None:
    team = await make_team(session)
    grant = await roles.grant(session, 800_001, "coordinator", team=team, now=NOW)
    assert await roles.may_manage(session, 800_001, team.id, admin_ids=()) is True
    await roles.revoke(session, grant.id, actor=ADMIN, now=at(hours=1))
    await session.flush()
    assert await roles.may_manage(session, 800_001, team.id, admin_ids=()) is False
    assert await session.scalar(select(RoleGrant).where(RoleGrant.id == grant.id)) is None
    entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "role.revoke"))
    assert entry is not None and entry.actor_telegram_id == ADMIN
    assert entry.before == {"telegram_id": 800_001, "role": "coordinator", "team_id": team.id}
    with pytest.raises(Conflict):
        await roles.revoke(session, grant.id, actor=ADMIN, now=at(hours=1))
    # An admin manages every team: named in the settings, or granted the role.
    assert await roles.may_manage(session, 800_001, team.id, admin_ids=(800_001,)) is True
    await roles.grant(session, 800_004, "admin", team=None, now=NOW)
    assert await roles.may_manage(session, 800_004, team.id, admin_ids=()) is True


async def test_the_audit_log_filters_by_area_and_actor_a_page_at_a_time(
    session: AsyncSession,
) -> None:
    team = await make_team(session)
    volunteers = await make_volunteers(session, 3)
    for volunteer in volunteers:
        await membership.join(session, volunteer, team, now=NOW)
    await session.flush()
    roles_area = await audit.entries(session, area="roles", limit=2)
    assert [e.action for e in roles_area] == ["team.join", "team.join"]
    older = await audit.entries(session, area="roles", before_id=roles_area[-1].id, limit=10)
    assert [e.action for e in older] == ["team.join", "team.create"]
    mine = await audit.entries(session, actor=volunteers[0].telegram_id)
    assert [(e.actor_telegram_id, e.action) for e in mine] == [
        (volunteers[0].telegram_id, "team.join")
    ]
    assert await audit.entries(session, area="hours") == []


async def test_an_invite_makes_its_first_opener_a_coordinator_once(session: AsyncSession) -> None:
    team = await make_team(session)
    made = await roles.invite(session, team, actor=ADMIN, now=NOW, valid_for=timedelta(days=7))
    joined = await roles.accept_invite(session, made.token, 800_002, now=at(days=1))
    assert joined.id == team.id
    assert await roles.may_manage(session, 800_002, team.id, admin_ids=()) is True
    with pytest.raises(NotAllowed) as used:  # a second opener gets nothing
        await roles.accept_invite(session, made.token, 800_003, now=at(days=1))
    assert used.value.code == "invite_invalid"
    assert await roles.may_manage(session, 800_003, team.id, admin_ids=()) is False

    late = await roles.invite(session, team, actor=ADMIN, now=NOW, valid_for=timedelta(days=7))
    with pytest.raises(NotAllowed):
        await roles.accept_invite(session, late.token, 800_004, now=at(days=7))
    with pytest.raises(NotAllowed):
        await roles.accept_invite(session, "forged-token", 800_004, now=NOW)
    assert (await audited(session))[-3:] == [
        (ADMIN, "role.invite"),
        (ADMIN, "role.grant"),  # granted by the invite's maker, when it was used
        (ADMIN, "role.invite"),
    ]


async def test_an_invite_to_a_coordinator_already_there_is_refused(session: AsyncSession) -> None:
    team = await make_team(session)
    await roles.grant(session, 800_005, "coordinator", team=team, now=NOW)
    made = await roles.invite(session, team, actor=ADMIN, now=NOW, valid_for=timedelta(days=1))
    with pytest.raises(Conflict) as held:
        await roles.accept_invite(session, made.token, 800_005, now=NOW)
    assert held.value.code == "already_coordinator"


async def test_a_withdrawn_invite_refuses_and_only_a_pending_one_is_withdrawn(
    session: AsyncSession,
) -> None:
    team = await make_team(session)
    week = timedelta(days=7)
    withdrawn = await roles.invite(session, team, actor=ADMIN, now=NOW, valid_for=week)
    used = await roles.invite(session, team, actor=ADMIN, now=NOW, valid_for=week)
    await roles.accept_invite(session, used.token, 800_006, now=NOW)
    assert await roles.pending_invites(session, team.id, now=NOW) == [withdrawn]
    await roles.withdraw_invite(session, withdrawn.id, actor=ADMIN, now=at(days=1))
    assert await roles.pending_invites(session, team.id, now=at(days=1)) == []
    with pytest.raises(NotAllowed) as refused:
        await roles.accept_invite(session, withdrawn.token, 800_007, now=at(days=1))
    assert refused.value.code == "invite_withdrawn"
    for gone in (withdrawn, used):  # withdrawn already, or used
        with pytest.raises(Conflict) as conflict:
            await roles.withdraw_invite(session, gone.id, actor=ADMIN, now=at(days=1))
        assert conflict.value.code == "invite_gone"
    assert (await audited(session))[-1] == (ADMIN, "role.invite_withdraw")


async def test_a_replaced_join_link_no_longer_finds_the_team(session: AsyncSession) -> None:
    team = await make_team(session)
    old = team.join_token
    await membership.replace_join_token(session, team, actor=ADMIN, now=NOW)
    assert team.join_token != old
    assert await membership.team_by_token(session, team.join_token) == team
    with pytest.raises(NotAllowed) as refused:
        await membership.team_by_token(session, old)
    assert refused.value.code == "team_link_invalid"
    assert (await audited(session))[-1] == (ADMIN, "team.link_replace")


async def test_the_holders_of_roles_are_listed_once_each(db: AsyncSession) -> None:
    """Whose own command menu the bot sets at start (on both databases: DISTINCT)."""
    first, second = await make_team(db), await make_team(db, "Second Team")
    await roles.grant(db, 800_001, "coordinator", team=first, now=NOW)
    await roles.grant(db, 800_001, "coordinator", team=second, now=NOW)
    await roles.grant(db, 800_002, "admin", team=None, now=NOW)
    assert await roles.holders(db, configured=(ADMIN, 800_002)) == sorted({ADMIN, 800_001, 800_002})


async def test_staff_are_named_by_their_volunteer_name_else_their_telegram_name(
    db: AsyncSession,
) -> None:
    """Never by their Telegram id: a coordinator who never registered is named as Telegram
    named them in their latest update (cleaned, within Telegram's 64 characters)."""
    (volunteer,) = await make_volunteers(db, 1)
    assert volunteer.telegram_id is not None
    await lock_state(db, volunteer.telegram_id, NOW, first_name="Telegram name")
    assert await roles.staff_name(db, volunteer.telegram_id) == volunteer.full_name

    assert await roles.staff_name(db, 800_001) is None  # never heard from
    await lock_state(db, 800_001, NOW, first_name="Zhou\u200b\u202e")
    assert await roles.staff_name(db, 800_001) == "Zhou"
    await lock_state(db, 800_001, at(days=1), first_name="Z" * 70)
    await lock_state(db, 800_001, at(days=1))  # an update that names nobody keeps the name
    assert await roles.staff_name(db, 800_001) == "Z" * 64
