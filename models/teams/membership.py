"""Team membership: a volunteer joins a team by its link or QR code at once, or asks to join and
a coordinator approves (long-term recruitment); a volunteer may be in several teams and leave
any. Coordinators see their members. Every change is in the audit log."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.errors import Conflict, NotAllowed
from models.registration.tables import Volunteer
from models.teams.tables import MemberStatus, Team, TeamMember


async def team_by_token(session: AsyncSession, token: str) -> Team:
    team = await session.scalar(select(Team).where(Team.join_token == token))
    if team is None:
        raise NotAllowed("team_link_invalid")
    return team


def new_join_token() -> str:
    """A team's join link token: unguessable, short enough for a QR code."""
    return secrets.token_urlsafe(12)


async def replace_join_token(
    session: AsyncSession, team: Team, *, actor: int, now: datetime
) -> Team:
    """Give the team a new join link (the caller has checked the actor manages it): the old link
    and QR code stop working at once; members stay."""
    team.join_token = new_join_token()
    await session.flush()
    audit.record(session, actor, "team.link_replace", team, now)
    return team


async def _membership(session: AsyncSession, team_id: int, volunteer_id: int) -> TeamMember | None:
    return await session.get(TeamMember, (team_id, volunteer_id))


def _audit(
    session: AsyncSession,
    actor: int | None,
    action: str,
    team_id: int,
    volunteer_id: int,
    now: datetime,
    status: str | None,
) -> None:
    audit.record(
        session,
        actor,
        action,
        ("team", team_id),
        now,
        after={"volunteer_id": volunteer_id, "status": status},
    )


async def join(
    session: AsyncSession, volunteer: Volunteer, team: Team, *, now: datetime
) -> TeamMember:
    """Join by the team's link: a member at once (a pending request becomes membership)."""
    member = await _membership(session, team.id, volunteer.id)
    if member is not None and member.status == MemberStatus.ACTIVE:
        raise Conflict("already_member", team=team.name)
    if member is None:
        member = TeamMember(team_id=team.id, volunteer_id=volunteer.id)
        session.add(member)
    member.status, member.joined_at = MemberStatus.ACTIVE, now
    await session.flush()
    _audit(session, volunteer.telegram_id, "team.join", team.id, volunteer.id, now, "active")
    return member


async def ask_to_join(
    session: AsyncSession, volunteer: Volunteer, team: Team, *, now: datetime
) -> TeamMember:
    """Ask to join; the team's coordinators decide."""
    member = await _membership(session, team.id, volunteer.id)
    if member is not None:
        code = "already_member" if member.status == MemberStatus.ACTIVE else "already_asked"
        raise Conflict(code, team=team.name)
    member = TeamMember(
        team_id=team.id, volunteer_id=volunteer.id, status=MemberStatus.PENDING, joined_at=now
    )
    session.add(member)
    await session.flush()
    _audit(session, volunteer.telegram_id, "team.ask", team.id, volunteer.id, now, "pending")
    return member


async def decide(
    session: AsyncSession,
    *,
    actor: int,
    team_id: int,
    volunteer_id: int,
    approve: bool,
    now: datetime,
) -> None:
    """A coordinator approves or declines a request to join (checked by the caller)."""
    member = await _membership(session, team_id, volunteer_id)
    if member is None or member.status != MemberStatus.PENDING:
        raise Conflict("request_gone")
    if approve:
        member.status, member.joined_at = MemberStatus.ACTIVE, now
    else:
        await session.delete(member)
    action = "team.approve" if approve else "team.decline"
    _audit(session, actor, action, team_id, volunteer_id, now, "active" if approve else None)


async def leave(
    session: AsyncSession, volunteer: Volunteer, team_id: int, *, now: datetime
) -> None:
    result = await session.execute(
        delete(TeamMember).where(
            TeamMember.team_id == team_id, TeamMember.volunteer_id == volunteer.id
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise Conflict("not_member")
    _audit(session, volunteer.telegram_id, "team.leave", team_id, volunteer.id, now, None)


@dataclass(frozen=True)
class Membership:
    team: Team
    status: MemberStatus


async def teams_of(session: AsyncSession, volunteer: Volunteer) -> list[Membership]:
    rows = await session.execute(
        select(Team, TeamMember.status)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(TeamMember.volunteer_id == volunteer.id)
        .order_by(Team.name)
    )
    return [Membership(team, status) for team, status in rows]


async def members(
    session: AsyncSession, team_id: int, *, status: MemberStatus, limit: int | None = None
) -> list[tuple[Volunteer, datetime]]:
    """The team's members (or pending requests), most recent first; all, or the `limit` latest."""
    rows = await session.execute(
        select(Volunteer, TeamMember.joined_at)
        .join(TeamMember, TeamMember.volunteer_id == Volunteer.id)
        .where(TeamMember.team_id == team_id, TeamMember.status == status)
        .order_by(TeamMember.joined_at.desc(), Volunteer.id)
        .limit(limit)
    )
    return [(volunteer, joined) for volunteer, joined in rows]


async def count(session: AsyncSession, team_id: int, *, status: MemberStatus) -> int:
    """How many members (or pending requests) the team has."""
    found = await session.scalar(
        select(func.count())
        .select_from(TeamMember)
        .where(TeamMember.team_id == team_id, TeamMember.status == status)
    )
    return found or 0
