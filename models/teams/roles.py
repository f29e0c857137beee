"""Who may coordinate what. Admins (named in the settings or granted in the database) manage
every team; a coordinator manages the teams they hold the role for; an organisation admin
(`Role.ORGANISER`) sees the figures of an organisation's teams and calls their members
(`models.organisations.reach`), and manages nothing. Every coordinator command and button asks
here, on the server, whatever the button it came from claims."""

from __future__ import annotations

import secrets
from collections.abc import Collection
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.conversation import ConversationState
from models.driver import OnDriver
from models.errors import Conflict, InvalidInput, NotAllowed
from models.organisations.tables import Organisation
from models.registration.tables import Volunteer
from models.teams import membership
from models.teams.tables import Invite, Role, RoleGrant, Team
from models.visible_text import visible


async def staff_name(session: AsyncSession, telegram_id: int) -> str | None:
    """How a coordinator or admin is named to others: their volunteer name, else their Telegram
    first name as last seen by the bot; None when it knows neither (never their Telegram id)."""
    registered = await session.scalar(
        select(Volunteer.full_name).where(Volunteer.telegram_id == telegram_id)
    )
    if registered:
        return registered
    return await session.scalar(
        select(ConversationState.first_name).where(ConversationState.telegram_id == telegram_id)
    )


async def is_admin(session: AsyncSession, telegram_id: int, admin_ids: Collection[int]) -> bool:
    if telegram_id in admin_ids:
        return True
    grant = await session.scalar(
        select(RoleGrant.id).where(
            RoleGrant.telegram_id == telegram_id, RoleGrant.role == Role.ADMIN
        )
    )
    return grant is not None


async def admin_ids(session: AsyncSession, configured: Collection[int]) -> list[int]:
    """The admins: named in the settings or granted the role."""
    granted = await session.scalars(
        select(RoleGrant.telegram_id).where(RoleGrant.role == Role.ADMIN)
    )
    return sorted({*configured, *granted})


async def holders(session: AsyncSession, configured: Collection[int]) -> list[int]:
    """Everyone who holds a role: the admins (named in the settings or granted) and the
    coordinators."""
    granted = await session.scalars(select(RoleGrant.telegram_id).distinct())
    return sorted({*configured, *granted})


async def managed_teams(
    session: AsyncSession, telegram_id: int, admin_ids: Collection[int]
) -> list[Team]:
    """The teams this person may publish for: every team for an admin, else their own."""
    query = select(Team).order_by(Team.name)
    if not await is_admin(session, telegram_id, admin_ids):
        query = query.join(RoleGrant, RoleGrant.team_id == Team.id).where(
            RoleGrant.telegram_id == telegram_id, RoleGrant.role == Role.COORDINATOR
        )
    return list(await session.scalars(query))


async def may_manage(
    session: AsyncSession, telegram_id: int, team_id: int, admin_ids: Collection[int]
) -> bool:
    """An admin, or a coordinator of the team: one query (every activity card asks)."""
    if telegram_id in admin_ids:
        return True
    grant = await session.scalar(
        select(RoleGrant.id)
        .where(
            RoleGrant.telegram_id == telegram_id,
            (RoleGrant.role == Role.ADMIN)
            | ((RoleGrant.role == Role.COORDINATOR) & (RoleGrant.team_id == team_id)),
        )
        .limit(1)
    )
    return grant is not None


async def require(
    session: AsyncSession,
    telegram_id: int,
    role: Role | tuple[Role, ...],
    admin_ids: Collection[int],
    refusal: str | None = None,
) -> None:
    """Refuse (NotAllowed, with `refusal` or the first role's own message) anyone who holds
    neither `role` (or none of several): an admin holds every role; a coordinator is one of
    any team, an organisation admin of any organisation."""
    wanted = role if isinstance(role, tuple) else (role,)
    if await is_admin(session, telegram_id, admin_ids):
        return
    if {Role.COORDINATOR, Role.ORGANISER} & set(wanted) and await holds(
        session, telegram_id, *(r for r in wanted if r is not Role.ADMIN)
    ):
        return
    raise NotAllowed(refusal or f"not_{wanted[0]}")


# Built once: the menus ask for every update that shows one.
@cache
def _one_of() -> Select[int]:
    return (
        select(RoleGrant.id)
        .where(
            RoleGrant.telegram_id == bindparam("telegram_id"),
            RoleGrant.role.in_(bindparam("roles", expanding=True)),
        )
        .limit(1)
    )


# /help and the menus ask it on many updates: on the driver (`models.driver`).
_ROLES_OF = OnDriver(
    lambda _database: (
        select(RoleGrant.role).where(RoleGrant.telegram_id == bindparam("telegram_id")).distinct()
    )
)


async def holds(session: AsyncSession, telegram_id: int, *held: Role) -> bool:
    """Whether they hold one of these roles, for at least one team or organisation."""
    grant = await session.scalar(_one_of(), {"telegram_id": telegram_id, "roles": held})
    return grant is not None


async def held(session: AsyncSession, telegram_id: int) -> set[Role]:
    """Every role they were granted (for any team or organisation), in one query."""
    return {role for (role,) in await _ROLES_OF.rows(session, telegram_id=telegram_id)}


async def is_coordinator(session: AsyncSession, telegram_id: int) -> bool:
    """Whether they coordinate at least one team (admins aside)."""
    return await holds(session, telegram_id, Role.COORDINATOR)


async def require_manager(
    session: AsyncSession, telegram_id: int, team_id: int, admin_ids: Collection[int]
) -> None:
    """Refuse (NotAllowed) anyone who is neither an admin nor a coordinator of the team."""
    if not await may_manage(session, telegram_id, team_id, admin_ids):
        raise NotAllowed("not_coordinator")


async def coordinator_ids(session: AsyncSession, team_id: int) -> list[int]:
    """Telegram ids of the team's coordinators (whom the bot tells about the team's shifts)."""
    rows = await session.scalars(
        select(RoleGrant.telegram_id)
        .where(RoleGrant.role == Role.COORDINATOR, RoleGrant.team_id == team_id)
        .order_by(RoleGrant.id)
    )
    return list(rows)


TEAM_NAME_CHARS = (2, 128)  # the column holds 128


async def create_team(
    session: AsyncSession, name: str, *, now: datetime, actor: int | None = None
) -> Team:
    name = visible(name).strip()
    if not TEAM_NAME_CHARS[0] <= len(name) <= TEAM_NAME_CHARS[1]:
        raise InvalidInput("team_name_invalid")
    if await session.scalar(select(Team.id).where(Team.name == name)) is not None:
        raise Conflict("team_exists", name=name)
    team = Team(name=name, join_token=membership.new_join_token(), created_at=now)
    session.add(team)
    await session.flush()
    audit.record(session, actor, "team.create", team, now, after={"name": name})
    return team


async def grant(
    session: AsyncSession,
    telegram_id: int,
    role: Role,
    *,
    team: Team | None,
    now: datetime,
    granted_by: int | None = None,
    organisation: Organisation | None = None,
) -> RoleGrant:
    """Give `role`: a coordinator's for `team`, an organisation admin's for `organisation`."""
    role_grant = RoleGrant(
        telegram_id=telegram_id,
        role=role,
        team_id=team.id if team else None,
        organisation_id=organisation.id if organisation else None,
        granted_by=granted_by,
        granted_at=now,
    )
    session.add(role_grant)
    await session.flush()
    place = _place(role_grant)
    audit.record(
        session,
        granted_by,
        "role.grant",
        role_grant,
        now,
        after={"telegram_id": telegram_id, "role": role, **place},
    )
    return role_grant


def _place(role_grant: RoleGrant) -> dict[str, int | None]:
    """What the audit log says a role was held for: the team (None for an admin), or the
    organisation."""
    if role_grant.organisation_id is not None:
        return {"organisation_id": role_grant.organisation_id}
    return {"team_id": role_grant.team_id}


async def revoke(session: AsyncSession, grant_id: int, *, actor: int, now: datetime) -> RoleGrant:
    """Take a role away (the caller has checked the actor is an admin)."""
    role_grant = await session.get(RoleGrant, grant_id)
    if role_grant is None:
        raise Conflict("role_gone")
    await session.delete(role_grant)
    audit.record(
        session,
        actor,
        "role.revoke",
        ("role_grant", grant_id),
        now,
        before={
            "telegram_id": role_grant.telegram_id,
            "role": role_grant.role,
            **_place(role_grant),
        },
    )
    return role_grant


async def coordinators_of(session: AsyncSession, team_id: int) -> list[RoleGrant]:
    return list(
        await session.scalars(
            select(RoleGrant)
            .where(RoleGrant.role == Role.COORDINATOR, RoleGrant.team_id == team_id)
            .order_by(RoleGrant.id)
        )
    )


async def invite(
    session: AsyncSession,
    place: Team | Organisation,
    *,
    actor: int,
    now: datetime,
    valid_for: timedelta,
) -> Invite:
    """A one-time link to become a coordinator of the team (or an admin of the organisation),
    valid for `valid_for`."""
    team = isinstance(place, Team)
    made = Invite(
        token=secrets.token_urlsafe(16),
        team_id=place.id if team else None,
        organisation_id=None if team else place.id,
        role=Role.COORDINATOR if team else Role.ORGANISER,
        created_by=actor,
        created_at=now,
        expires_at=now + valid_for,
    )
    session.add(made)
    await session.flush()
    audit.record(
        session,
        actor,
        "role.invite",
        place,
        now,
        after={"invite_id": made.id, "expires_at": made.expires_at.isoformat()},
    )
    return made


async def accept_invite(
    session: AsyncSession, token: str, telegram_id: int, *, now: datetime
) -> Team | Organisation:
    """Use an invite: its first opener becomes a coordinator of its team (or an admin of its
    organisation), which is returned; it works once, until it expires or an admin withdraws
    it."""
    used = (
        await session.execute(
            update(Invite)
            .where(
                Invite.token == token,
                Invite.used_by.is_(None),
                Invite.withdrawn_at.is_(None),
                Invite.expires_at > now,
            )
            .values(used_by=telegram_id, used_at=now)
            .returning(Invite.team_id, Invite.organisation_id, Invite.created_by)
        )
    ).first()
    if used is None:
        withdrawn = (
            await session.execute(
                select(Invite.team_id).where(
                    Invite.token == token, Invite.withdrawn_at.is_not(None)
                )
            )
        ).first()
        if withdrawn is None:
            raise NotAllowed("invite_invalid")
        of_team = withdrawn.team_id is not None
        raise NotAllowed("invite_withdrawn" if of_team else "organiser_invite_withdrawn")
    team_id, organisation_id, inviter = used
    place: Team | Organisation | None
    if organisation_id is None:
        place, role = await session.get(Team, team_id), Role.COORDINATOR
    else:
        place, role = await session.get(Organisation, organisation_id), Role.ORGANISER
    assert place is not None
    team = place if isinstance(place, Team) else None
    organisation = place if isinstance(place, Organisation) else None
    held = await session.scalar(
        select(RoleGrant.id).where(
            RoleGrant.telegram_id == telegram_id,
            RoleGrant.role == role,
            (RoleGrant.team_id == place.id) if team else (RoleGrant.organisation_id == place.id),
        )
    )
    if held is not None:
        # `already_coordinator` names the team, `already_organiser` the organisation.
        raise Conflict(f"already_{role}", team=place.name, organisation=place.name)
    # Granted by whoever made the invite: the audit log names them.
    await grant(
        session,
        telegram_id,
        role,
        team=team,
        organisation=organisation,
        now=now,
        granted_by=inviter,
    )
    return place


async def pending_invites(
    session: AsyncSession, team_id: int | None, *, now: datetime, organisation_id: int | None = None
) -> list[Invite]:
    """The team's (or the organisation's) invites nobody has used, withdrawn or let expire yet,
    newest first."""
    place = (
        Invite.team_id == team_id
        if organisation_id is None
        else Invite.organisation_id == organisation_id
    )
    return list(
        await session.scalars(
            select(Invite)
            .where(
                place,
                Invite.used_by.is_(None),
                Invite.withdrawn_at.is_(None),
                Invite.expires_at > now,
            )
            .order_by(Invite.id.desc())
        )
    )


async def withdraw_invite(
    session: AsyncSession, invite_id: int, *, actor: int, now: datetime
) -> None:
    """Withdraw a pending invite (the caller has checked the actor is an admin): its link no
    longer works. Refused (Conflict) once it was used, withdrawn or expired."""
    withdrawn = (
        await session.execute(
            update(Invite)
            .where(
                Invite.id == invite_id,
                Invite.used_by.is_(None),
                Invite.withdrawn_at.is_(None),
                Invite.expires_at > now,
            )
            .values(withdrawn_by=actor, withdrawn_at=now)
            .returning(Invite.team_id, Invite.organisation_id)
        )
    ).first()
    if withdrawn is None:
        raise Conflict("invite_gone")
    place = ("team", withdrawn.team_id) if withdrawn.team_id else ("organisation", withdrawn[1])
    audit.record(
        session,
        actor,
        "role.invite_withdraw",
        place,
        now,
        after={"invite_id": invite_id},
    )
