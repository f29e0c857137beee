"""Organisations without Telegram, on SQLite and PostgreSQL: an organisation admin (invited,
accepted) sees the figures and exports of their organisations' teams and calls their members —
nothing of other teams, and manages none; statistics split by organisation, gender and age."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from models.broadcasts import audience
from models.broadcasts.audience import Audience, AudienceKind
from models.errors import Conflict, NotAllowed
from models.organisations import organisations
from models.organisations.tables import Organisation
from models.registration.tables import Volunteer
from models.registration.validation import mask_id_number
from models.reports import exports, splits, stats
from models.reports.export_files import Table
from models.reports.splits import Gender
from models.teams import roles
from models.teams.tables import OVERSEERS, MemberStatus, Role, Team, TeamMember
from tests.ids import make_id
from tests.models.attendance.test_hours import record
from tests.models.world import NOW, make_activity, make_team, make_volunteer

ADMIN = 700_001
ORGANISER = 700_002
ZONE = ZoneInfo("Asia/Shanghai")


async def _join(session: AsyncSession, team: Team, volunteer: Volunteer) -> None:
    session.add(
        TeamMember(
            team_id=team.id, volunteer_id=volunteer.id, status=MemberStatus.ACTIVE, joined_at=NOW
        )
    )
    await session.flush()


async def _served(
    session: AsyncSession, team: Team, volunteer: Volunteer, starts_at: datetime, minutes: int
) -> None:
    """A confirmed record of `minutes` on a shift of a new activity of `team`."""
    _, (shift,) = await make_activity(session, team_id=team.id)
    await record(session, shift, volunteer.id, starts_at, minutes, 0, starts_at + timedelta(days=1))


async def _organisation(
    session: AsyncSession, name: str, *teams: Team, admin: int | None = None
) -> Organisation:
    made = await organisations.create(session, name, actor=ADMIN, now=NOW)
    for team in teams:
        await organisations.add_team(session, made, team.id, actor=ADMIN, now=NOW)
    if admin is not None:
        invite = await roles.invite(
            session, made, actor=ADMIN, now=NOW, valid_for=timedelta(days=7)
        )
        assert await roles.accept_invite(session, invite.token, admin, now=NOW) == made
    return made


async def test_an_organisation_admin_sees_and_calls_their_organisations_teams_only(
    db: AsyncSession,
) -> None:
    a, b, c = [await make_team(db, f"Team {name}") for name in "ABC"]
    federation = await _organisation(db, "Women's Federation", a, b, admin=ORGANISER)
    alliance = await _organisation(db, "Alliance", b, c)  # B is in both: a link table
    both, only_c = await make_volunteer(db), await make_volunteer(db)
    await _join(db, a, both)
    await _join(db, b, both)
    await _join(db, c, only_c)
    for team, who in ((a, both), (b, both), (c, only_c)):
        await _served(db, team, who, NOW - timedelta(days=3), 60)

    # Statistics: all of theirs, one of theirs, never a third team's.
    shown = await stats.allowed(db, ORGANISER, (), None)
    assert not shown.admin and shown.scope.team_ids == {a.id, b.id}
    assert shown.organisation == federation  # their figures are named after it
    assert (await stats.allowed(db, ORGANISER, (), a.id)).team == a
    with pytest.raises(NotAllowed):
        await stats.allowed(db, ORGANISER, (), c.id)
    # Exports: one of their teams, or their organisation's together; not the other's.
    assert await exports.exportable_team(db, ORGANISER, b.id, ()) == b
    with pytest.raises(NotAllowed):
        await exports.exportable_team(db, ORGANISER, c.id, ())
    with pytest.raises(NotAllowed):
        await exports.exportable_team(db, ORGANISER, None, ())
    with pytest.raises(NotAllowed):
        await exports.exportable_organisation(db, ORGANISER, alliance.id, ())
    assert await exports.exportable_organisation(db, ORGANISER, federation.id, ()) == federation
    whole = exports.Scope(Table.VOLUNTEERS, organisation_id=federation.id)
    assert await exports.count(db, whole, ZONE) == 1  # in both teams: one row
    records = exports.Scope(Table.RECORDS, organisation_id=federation.id)
    assert await exports.count(db, records, ZONE) == 2
    # Calls: their teams' members.
    scope = await audience.scope_of(db, ORGANISER, ())
    assert not scope.admin and set(scope.team_ids) == {a.id, b.id}
    with pytest.raises(NotAllowed):
        await audience.check_audience(db, Audience(AudienceKind.TEAMS, (c.id,)), scope)
    everyone_of_theirs = Audience(AudienceKind.TEAMS, (a.id, b.id))
    assert await audience.count(db, everyone_of_theirs, scope, None) == 1
    # And nothing else: they manage no team, hold the overseers' role, not a coordinator's.
    assert await roles.managed_teams(db, ORGANISER, ()) == []
    assert not await roles.may_manage(db, ORGANISER, a.id, ())
    await roles.require(db, ORGANISER, OVERSEERS, ())
    with pytest.raises(NotAllowed):
        await roles.require(db, ORGANISER, Role.COORDINATOR, ())
    # A second invite to the same person is refused; a removed team is out of sight.
    again = await roles.invite(db, federation, actor=ADMIN, now=NOW, valid_for=timedelta(days=7))
    with pytest.raises(Conflict):
        await roles.accept_invite(db, again.token, ORGANISER, now=NOW)
    await organisations.remove_team(db, federation, b.id, actor=ADMIN, now=NOW)
    assert (await stats.allowed(db, ORGANISER, (), None)).scope.team_ids == {a.id}
    with pytest.raises(Conflict):
        await organisations.remove_team(db, federation, b.id, actor=ADMIN, now=NOW)


async def _person(
    session: AsyncSession, team: Team, born: date | None, serial: str | None
) -> Volunteer:
    """A member of `team`; with `serial`, a real-name one (its last digit gives the gender)."""
    volunteer = await make_volunteer(session, real_name=serial is not None, birth_date=born)
    if serial is not None and born is not None:
        volunteer.id_number_masked = mask_id_number(make_id(born, serial=serial))
    await _join(session, team, volunteer)
    return volunteer


async def test_statistics_split_by_organisation_gender_and_age(db: AsyncSession) -> None:
    a, b, c = [await make_team(db, f"Team {name}") for name in "ABC"]
    await _organisation(db, "Federation", a, b)
    await _organisation(db, "Alliance", b)
    woman_young = await _person(db, a, date(2010, 3, 1), "124")  # 15 on 31 January 2026
    await _person(db, a, date(1990, 1, 1), "133")  # a man of 36
    await _person(db, b, date(1960, 12, 31), "102")  # a woman of 65
    await _person(db, b, None, None)  # no real name: not stated
    await _person(db, c, date(1990, 1, 1), "111")  # team C: outside the scope
    when = datetime(2025, 12, 10, 2, 0, tzinfo=ZONE)
    await _served(db, a, woman_young, when, 90)

    scope = stats.Scope.of_teams([a.id, b.id])
    # Members joined on NOW (5 January 2026): January's figures, December's service too.
    split = await splits.split(db, scope, last=date(2026, 1, 1), months=2, zone=ZONE)
    people = split.people
    assert people.genders == {Gender.FEMALE: 2, Gender.MALE: 1, Gender.UNSTATED: 1}
    assert people.ages == {0: 1, 18: 0, 35: 1, 60: 1, splits.UNSTATED_AGE: 1}
    lines = {line.name: (line.teams, line.service.minutes) for line in split.organisations}
    assert lines == {"Federation": (2, 90), "Alliance": (1, 0)}
    everything = await splits.split(
        db, stats.EVERYTHING, last=date(2026, 1, 1), months=1, zone=ZONE
    )
    assert everything.people.genders[Gender.MALE] == 2
