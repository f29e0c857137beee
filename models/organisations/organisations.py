"""Organisations and their teams: deployment admins create them, add and remove teams and invite
their admins (the invite is the coordinators' one, `roles.invite`); organisation admins reach
their organisations' teams (`team_ids_of`), which is what statistics, exports and calls ask.

One level above teams is enough: a federation or alliance groups teams directly, and a team
may be in several (see docs/architecture.md)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.errors import Conflict, InvalidInput
from models.organisations.tables import Organisation, OrganisationTeam
from models.teams import roles
from models.teams.tables import Role, RoleGrant, Team
from models.visible_text import visible

NAME_CHARS = (2, 128)  # the column holds 128


async def create(session: AsyncSession, name: str, *, actor: int, now: datetime) -> Organisation:
    """A new organisation (the caller has checked the actor is an admin)."""
    name = visible(name).strip()
    if not NAME_CHARS[0] <= len(name) <= NAME_CHARS[1]:
        raise InvalidInput("organisation_name_invalid")
    if await session.scalar(select(Organisation.id).where(Organisation.name == name)):
        raise Conflict("organisation_exists", name=name)
    organisation = Organisation(name=name, created_at=now)
    session.add(organisation)
    await session.flush()
    audit.record(session, actor, "organisation.create", organisation, now, after={"name": name})
    return organisation


async def all_organisations(session: AsyncSession) -> list[Organisation]:
    return list(await session.scalars(select(Organisation).order_by(Organisation.name)))


async def get(session: AsyncSession, organisation_id: int) -> Organisation:
    """The organisation a button names; Conflict when it is gone."""
    organisation = await session.get(Organisation, organisation_id)
    if organisation is None:
        raise Conflict("organisation_gone")
    return organisation


async def teams(session: AsyncSession, organisation_id: int) -> list[Team]:
    """The organisation's teams, by name."""
    return list(
        await session.scalars(
            select(Team)
            .join(OrganisationTeam, OrganisationTeam.team_id == Team.id)
            .where(OrganisationTeam.organisation_id == organisation_id)
            .order_by(Team.name)
        )
    )


async def teams_outside(session: AsyncSession, organisation_id: int) -> list[Team]:
    """The teams the organisation could add, by name."""
    inside = select(OrganisationTeam.team_id).where(
        OrganisationTeam.organisation_id == organisation_id
    )
    return list(
        await session.scalars(select(Team).where(Team.id.not_in(inside)).order_by(Team.name))
    )


async def add_team(
    session: AsyncSession, organisation: Organisation, team_id: int, *, actor: int, now: datetime
) -> Team:
    """Put a team in the organisation (the caller has checked the actor is an admin)."""
    team = await session.get(Team, team_id)
    if team is None:
        raise Conflict("organisation_team_gone")
    if await session.get(OrganisationTeam, (organisation.id, team.id)) is not None:
        raise Conflict("organisation_team_in", team=team.name)
    session.add(OrganisationTeam(organisation_id=organisation.id, team_id=team.id, added_at=now))
    audit.record(
        session, actor, "organisation.add_team", organisation, now, after={"team_id": team.id}
    )
    return team


async def remove_team(
    session: AsyncSession, organisation: Organisation, team_id: int, *, actor: int, now: datetime
) -> Team:
    """Take a team out of the organisation: its admins no longer see the team's figures."""
    team = await session.get(Team, team_id)
    removed = await session.execute(
        delete(OrganisationTeam).where(
            OrganisationTeam.organisation_id == organisation.id, OrganisationTeam.team_id == team_id
        )
    )
    if team is None or not getattr(removed, "rowcount", 0):
        raise Conflict("organisation_team_out")
    audit.record(
        session, actor, "organisation.remove_team", organisation, now, before={"team_id": team.id}
    )
    return team


async def admins(session: AsyncSession, organisation_id: int) -> list[RoleGrant]:
    return list(
        await session.scalars(
            select(RoleGrant)
            .where(RoleGrant.role == Role.ORGANISER, RoleGrant.organisation_id == organisation_id)
            .order_by(RoleGrant.id)
        )
    )


async def administered(session: AsyncSession, telegram_id: int) -> list[Organisation]:
    """The organisations this person is an admin of, by name."""
    return list(
        await session.scalars(
            select(Organisation)
            .join(RoleGrant, RoleGrant.organisation_id == Organisation.id)
            .where(RoleGrant.telegram_id == telegram_id, RoleGrant.role == Role.ORGANISER)
            .order_by(Organisation.name)
        )
    )


async def team_ids_of(session: AsyncSession, telegram_id: int) -> set[int]:
    """The teams of the organisations this person is an admin of: whose figures and exports
    they see and whose members they may call."""
    rows = await session.scalars(
        select(OrganisationTeam.team_id)
        .join(RoleGrant, RoleGrant.organisation_id == OrganisationTeam.organisation_id)
        .where(RoleGrant.telegram_id == telegram_id, RoleGrant.role == Role.ORGANISER)
    )
    return set(rows)


async def overseen_teams(
    session: AsyncSession, telegram_id: int, admin_ids: Collection[int]
) -> list[Team]:
    """The teams whose figures and exports someone sees and whose members they may call, by
    name: every team for an admin; a coordinator's own teams and the teams their organisations
    group (nothing else). Publishing and running teams stay `roles.managed_teams`'."""
    teams = await roles.managed_teams(session, telegram_id, admin_ids)
    grouped = await team_ids_of(session, telegram_id) - {team.id for team in teams}
    if grouped:
        teams += await session.scalars(select(Team).where(Team.id.in_(grouped)))
    return sorted(teams, key=lambda team: (team.name, team.id))
