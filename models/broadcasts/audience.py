"""Whom a recruitment call reaches: the audience a coordinator chooses (everyone, or the
volunteers of chosen teams, districts or themes, or those who served in or wait for chosen
activities), what the caller may reach (`Scope`), the checks that keep a call within it, and the
queries that count and pick its recipients — one SELECT, never a list in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities.tables import (
    Activity,
    ActivityStatus,
    ServiceRecord,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
)
from models.errors import InvalidInput, NotAllowed
from models.organisations import organisations
from models.registration.tables import (
    Volunteer,
    VolunteerStatus,
    volunteer_muted_themes,
    volunteer_themes,
)
from models.teams import roles
from models.teams.tables import MemberStatus, TeamMember

# Whom a call goes to (kept in `Broadcast.audience`, with the ids chosen).
AudienceKind = StrEnum("AudienceKind", "EVERYONE TEAMS DISTRICTS THEMES SERVED WAITING")


AUDIENCE_KINDS: tuple[AudienceKind, ...] = tuple(AudienceKind)
# The audiences chosen by activity: who served in it, who waits for one of its shifts.
BY_ACTIVITY: tuple[AudienceKind, ...] = (AudienceKind.SERVED, AudienceKind.WAITING)
# The audiences chosen by a trait: where volunteers live, what they like.
BY_TRAIT: tuple[AudienceKind, ...] = (AudienceKind.DISTRICTS, AudienceKind.THEMES)


@dataclass(frozen=True)
class Audience:
    """Whom a call goes to: everyone, or the volunteers of the chosen teams, districts or
    themes, or those who served in (or wait for) the chosen activities."""

    kind: AudienceKind
    ids: tuple[int, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "ids": list(self.ids)}

    @classmethod
    def from_json(cls, value: dict[str, object]) -> Audience:
        kind = str(value.get("kind", ""))
        if kind not in AUDIENCE_KINDS:
            raise InvalidInput("broadcast_audience")
        ids = value.get("ids", [])
        assert isinstance(ids, list)
        return cls(AudienceKind(kind), tuple(int(i) for i in ids))


@dataclass(frozen=True)
class Scope:
    """What the person calling may reach: everything for an admin, else their teams (those
    they coordinate and those their organisations group)."""

    admin: bool
    team_ids: tuple[int, ...]

    def to_json(self) -> dict[str, object]:
        return {"admin": self.admin, "teams": list(self.team_ids)}

    @classmethod
    def from_json(cls, value: dict[str, object]) -> Scope:
        teams = value.get("teams", [])
        assert isinstance(teams, list)
        return cls(admin=bool(value.get("admin")), team_ids=tuple(int(t) for t in teams))


async def scope_of(session: AsyncSession, telegram_id: int, admin_ids: Sequence[int]) -> Scope:
    teams = await organisations.overseen_teams(session, telegram_id, admin_ids)
    admin = await roles.is_admin(session, telegram_id, admin_ids)
    return Scope(admin=admin, team_ids=tuple(team.id for team in teams))


async def check_audience(session: AsyncSession, audience: Audience, scope: Scope) -> None:
    """Refuse an audience outside the caller's teams (admins may reach anyone)."""
    if audience.kind != AudienceKind.EVERYONE and not audience.ids:
        raise InvalidInput("broadcast_nobody_chosen")
    if scope.admin:
        return
    if audience.kind == AudienceKind.EVERYONE:
        raise NotAllowed("broadcast_everyone")
    if audience.kind == AudienceKind.TEAMS and not set(audience.ids) <= set(scope.team_ids):
        raise NotAllowed("broadcast_other_team")
    if audience.kind in BY_ACTIVITY:
        teams = set(
            await session.scalars(select(Activity.team_id).where(Activity.id.in_(audience.ids)))
        )
        if not teams <= set(scope.team_ids):
            raise NotAllowed("broadcast_other_team")


def members_only(kind: AudienceKind, scope: Scope) -> bool:
    """Whether an audience of this kind reaches only the members of the caller's teams: a
    coordinator's does, unless chosen by activity (the activities are their teams' already).
    The composer names the teams when it says whom a call by a trait reaches."""
    return not scope.admin and kind not in BY_ACTIVITY


def _chosen(audience: Audience, scope: Scope) -> list[ColumnElement[bool]]:
    """The conditions that pick the audience itself, within the caller's teams."""
    ids = audience.ids
    member_of = (
        select(TeamMember.volunteer_id)
        .where(TeamMember.status == MemberStatus.ACTIVE)
        .where(
            TeamMember.team_id.in_(ids if audience.kind == AudienceKind.TEAMS else scope.team_ids)
        )
    )
    if audience.kind in BY_ACTIVITY:
        took_part = (
            select(Signup.volunteer_id)
            .join(Shift, Shift.id == Signup.shift_id)
            .where(Shift.activity_id.in_(ids))
        )
        if audience.kind == AudienceKind.SERVED:
            # Served: checked in at the venue, or hours confirmed by a coordinator (the chat
            # records service on the sign-up's service record, not in its status).
            took_part = took_part.join(ServiceRecord, ServiceRecord.signup_id == Signup.id).where(
                Signup.status != SignupStatus.NO_SHOW,
                or_(
                    ServiceRecord.checked_in_at.is_not(None),
                    ServiceRecord.confirmed_at.is_not(None),
                ),
            )
        else:
            took_part = took_part.where(
                Signup.status.in_((SignupStatus.WAITING, SignupStatus.OFFERED))
            )
        return [Volunteer.id.in_(took_part)]
    conditions: list[ColumnElement[bool]] = []
    if audience.kind == AudienceKind.TEAMS or members_only(audience.kind, scope):
        conditions.append(Volunteer.id.in_(member_of))
    if audience.kind == AudienceKind.DISTRICTS:
        conditions.append(Volunteer.district_id.in_(ids))
    if audience.kind == AudienceKind.THEMES:
        # Likes one of the chosen themes, and has not muted calls about that one.
        muted = select(volunteer_muted_themes.c.volunteer_id).where(
            volunteer_muted_themes.c.volunteer_id == volunteer_themes.c.volunteer_id,
            volunteer_muted_themes.c.theme_id == volunteer_themes.c.theme_id,
        )
        likes = select(volunteer_themes.c.volunteer_id).where(
            volunteer_themes.c.theme_id.in_(ids), ~muted.exists()
        )
        conditions.append(Volunteer.id.in_(likes))
    return conditions


def recipients(
    audience: Audience,
    scope: Scope,
    theme_id: int | None,
    narrowed: Sequence[ColumnElement[bool]] = (),
) -> Select[int]:
    """The ids of the volunteers a call reaches: the chosen ones who are active, reachable,
    and have muted neither calls nor the call's theme (`narrowed` further by the caller's own
    conditions). The one rule both for the count a coordinator is shown and for the outbox."""
    conditions = [
        *narrowed,
        Volunteer.status == VolunteerStatus.ACTIVE,
        Volunteer.reachable.is_(True),
        Volunteer.telegram_id.is_not(None),
        Volunteer.mute_recruitment.is_(False),
        *_chosen(audience, scope),
    ]
    if theme_id is not None:
        muted = select(volunteer_muted_themes.c.volunteer_id).where(
            volunteer_muted_themes.c.theme_id == theme_id
        )
        conditions.append(Volunteer.id.not_in(muted))
    return select(Volunteer.id).where(*conditions)


async def count(
    session: AsyncSession,
    audience: Audience,
    scope: Scope,
    theme_id: int | None,
    narrowed: Sequence[ColumnElement[bool]] = (),
) -> int:
    """How many volunteers a call reaches: exactly the rows `outbox.enqueue` makes."""
    query = recipients(audience, scope, theme_id, narrowed).subquery()
    return await session.scalar(select(func.count()).select_from(query)) or 0


async def activities_in(
    session: AsyncSession, scope: Scope, *, now: datetime, past: bool, limit: int
) -> list[Activity]:
    """The scope's published activities, newest first: those with a shift over (`past`: whom a
    call may reach as having served), or those with a shift still to come."""
    shifts = select(Shift.activity_id).where(
        Shift.status != ShiftStatus.CANCELLED,
        Shift.ends_at <= now if past else Shift.starts_at > now,
    )
    query = (
        select(Activity)
        .where(Activity.status == ActivityStatus.PUBLISHED, Activity.id.in_(shifts))
        .order_by(Activity.created_at.desc(), Activity.id.desc())
        .limit(limit)
    )
    if not scope.admin:
        query = query.where(Activity.team_id.in_(scope.team_ids))
    return list(await session.scalars(query))
