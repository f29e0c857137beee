"""Statistics for coordinators and admins: volunteers, service and hours, by team, theme and
month — the figures `/stats` shows and the monthly report states (their chart is `charts`).

What the figures mean (the footnote under `/stats` and in the report says the same):
- **Participation** (person-time, 人次): one *confirmed* service record, that is one person on one
  shift whose attendance a coordinator confirmed. Records waiting for confirmation count nowhere.
- **Confirmed hours**: the credited plus honour minutes of those records (kept apart too).
- **Active volunteer**: someone with at least one participation in the period; `/stats` takes
  the last 12 months (this month and the eleven before it).
- **Activities**: activities with at least one participation in the period.
- **Volunteers**: for the whole deployment, those registered (and not erased) at the end of the
  period and those who registered in its last month; for a scope of teams, their active members
  then and those who joined in its last month (someone in two of the teams counts once).
Service belongs to the month its shift started in, in the deployment's zone (as `/hours` counts
"this year"), and to its activity's team and theme; an erased volunteer's service still counts.

Everything is counted in SQL with GROUP BY: no query loads a row per volunteer or per record.
Months are bucketed by boundaries computed in Python (zoneinfo: right across daylight saving
time) and passed as UTC instants; the series is one query whose CASE gives each shift's start
its month's index, and which scans the window once through the index on `shifts.starts_at`.
Not the databases' date functions: SQLite keeps naive UTC text and knows no zones, and
PostgreSQL's `date_trunc(… AT TIME ZONE …)` would be a second dialect that uses the server's zone
data rather than Python's. Not a query per month: that would be twelve round trips and scans.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, case, distinct, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities.tables import Activity, ServiceRecord, Shift, Signup
from models.errors import Conflict, NotAllowed
from models.organisations import organisations
from models.organisations.tables import Organisation
from models.reference import Theme
from models.registration.tables import Volunteer
from models.teams import roles
from models.teams.tables import MemberStatus, Team, TeamMember

MONTHS_SHOWN = 12  # the chart's months, and the window of `/stats`'s figures


@dataclass(frozen=True)
class Scope:
    """Whose figures: every team and every registered volunteer (`team_ids` None), or these
    teams' activities and members only."""

    team_ids: frozenset[int] | None = None

    @classmethod
    def of_teams(cls, team_ids: Iterable[int]) -> Scope:
        return cls(frozenset(team_ids))

    @property
    def everything(self) -> bool:
        return self.team_ids is None


EVERYTHING = Scope()


@dataclass(frozen=True)
class Allowed:
    """The figures someone may see: everything for an admin, else their teams' (those they
    coordinate and those their organisations group)."""

    scope: Scope
    admin: bool
    teams: tuple[Team, ...]  # a coordinator's or organisation admin's (an admin's: not listed)
    team: Team | None = None  # the one team asked for
    # The organisation whose teams all of theirs are: an organisation admin of one organisation
    # who coordinates no team (its figures are that organisation's, and named so).
    organisation: Organisation | None = None


async def allowed(
    session: AsyncSession, telegram_id: int, admin_ids: Collection[int], team_id: int | None
) -> Allowed:
    """Whose figures this admin, coordinator or organisation admin may see (`/stats` and the
    dashboard): all of theirs (`team_id` None), or one team's — refused (NotAllowed) for a
    team not theirs."""
    admin = await roles.is_admin(session, telegram_id, admin_ids)
    teams: tuple[Team, ...] = ()  # an admin sees every team: no need to load them all
    if not admin:
        teams = tuple(await organisations.overseen_teams(session, telegram_id, admin_ids))
    if team_id is None:
        if admin:
            return Allowed(EVERYTHING, admin, teams)
        scope = Scope.of_teams(team.id for team in teams)
        return Allowed(scope, admin, teams, organisation=await _organisation(session, telegram_id))
    team = await session.get(Team, team_id)
    if team is None:
        raise Conflict("stats_team_gone")
    if not admin and team.id not in {t.id for t in teams}:
        raise NotAllowed("stats_not_your_team")
    return Allowed(Scope.of_teams([team.id]), admin, teams, team)


async def _organisation(session: AsyncSession, telegram_id: int) -> Organisation | None:
    """The one organisation whose admin they are, when they coordinate no team."""
    if await roles.is_coordinator(session, telegram_id):
        return None
    administered = await organisations.administered(session, telegram_id)
    return administered[0] if len(administered) == 1 else None


def add_months(month: date, count: int) -> date:
    """The first day of the month `count` months after (or before) `month`'s."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def month_of(moment: datetime, zone: ZoneInfo) -> date:
    """The first day of the local month containing `moment`."""
    local = moment.astimezone(zone)
    return date(local.year, local.month, 1)


def _instant(day: date, zone: ZoneInfo) -> datetime:
    """Local midnight starting `day`, in UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class Period:
    """Whole local months, from the one starting `first` to the one before `end`."""

    first: date
    end: date
    zone: ZoneInfo

    @classmethod
    def months(cls, last: date, count: int, zone: ZoneInfo) -> Period:
        """The `count` months ending with (and including) the month of `last`."""
        last = last.replace(day=1)
        return cls(add_months(last, 1 - count), add_months(last, 1), zone)

    @property
    def starts_at(self) -> datetime:
        return _instant(self.first, self.zone)

    @property
    def ends_at(self) -> datetime:
        return _instant(self.end, self.zone)

    @property
    def last(self) -> date:
        """The first day of its last month."""
        return add_months(self.end, -1)

    def month_starts(self) -> list[date]:
        count = (self.end.year - self.first.year) * 12 + self.end.month - self.first.month
        return [add_months(self.first, i) for i in range(count)]


# ---- the figures ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Volunteers:
    registered: int  # at the end of the period (a team scope: members)
    new: int  # registered (joined) in the period


@dataclass(frozen=True)
class Service:
    participations: int  # confirmed service records
    volunteers: int  # active: distinct people with a participation
    activities: int  # with a participation
    credited: int  # minutes
    honour: int

    @property
    def minutes(self) -> int:
        return self.credited + self.honour


NO_SERVICE = Service(0, 0, 0, 0, 0)


@dataclass(frozen=True)
class TeamLine:
    team_id: int
    name: str
    members: int
    service: Service


@dataclass(frozen=True)
class ThemeLine:
    theme_id: int
    name_zh: str
    name_en: str
    service: Service

    def name(self, language: str) -> str:
        return self.name_zh if language.startswith("zh") else self.name_en


@dataclass(frozen=True)
class MonthLine:
    month: date  # its first day
    participations: int
    credited: int  # minutes
    honour: int

    @property
    def minutes(self) -> int:
        return self.credited + self.honour


@dataclass(frozen=True)
class Overview:
    """Everything `/stats` or a monthly report shows for one scope."""

    period: Period  # the months whose service is counted
    volunteers: Volunteers  # at the end of the period; new in its last month
    service: Service
    teams: tuple[TeamLine, ...]  # most hours first
    themes: tuple[ThemeLine, ...]
    months: tuple[MonthLine, ...]  # the MONTHS_SHOWN months ending with the period, oldest first


def _service_columns() -> tuple[ColumnElement[Any], ...]:
    return (
        func.count(ServiceRecord.id).label("participations"),
        func.count(distinct(Signup.volunteer_id)).label("volunteers"),
        func.count(distinct(Activity.id)).label("activities"),
        func.coalesce(func.sum(ServiceRecord.credited_minutes), 0).label("credited"),
        func.coalesce(func.sum(ServiceRecord.honour_minutes), 0).label("honour"),
    )


def _confirmed(scope: Scope, period: Period, *columns: Any) -> Select[Any]:
    """The scope's confirmed records on shifts starting in the period (columns chosen by
    callers)."""
    query = (
        select(*columns)
        .select_from(ServiceRecord)
        .join(Signup, Signup.id == ServiceRecord.signup_id)
        .join(Shift, Shift.id == Signup.shift_id)
        .join(Activity, Activity.id == Shift.activity_id)
        .where(
            ServiceRecord.confirmed_at.is_not(None),
            Shift.starts_at >= period.starts_at,
            Shift.starts_at < period.ends_at,
        )
    )
    if scope.team_ids is not None:
        query = query.where(Activity.team_id.in_(scope.team_ids))
    return query


def _service(row: Any) -> Service:
    if row.participations is None:  # a team without service, outer-joined
        return NO_SERVICE
    return Service(
        participations=int(row.participations),
        volunteers=int(row.volunteers),
        activities=int(row.activities),
        credited=int(row.credited),
        honour=int(row.honour),
    )


async def service(session: AsyncSession, scope: Scope, period: Period) -> Service:
    row = (await session.execute(_confirmed(scope, period, *_service_columns()))).one()
    return _service(row)


def _still_registered(at: datetime) -> ColumnElement[bool]:
    return or_(Volunteer.erased_at.is_(None), Volunteer.erased_at >= at)


def people(scope: Scope, end: datetime) -> Select[int, datetime]:
    """The scope's volunteers at `end` (`person`), with when they registered or joined
    (`since`): the people `volunteers` counts, and `splits` splits by gender and age."""
    joined: SQLColumnExpression[datetime]
    if scope.team_ids is None:
        joined = Volunteer.registered_at
        query = select(Volunteer.id.label("person"), joined.label("since")).where(
            Volunteer.registered_at < end, _still_registered(end)
        )
    else:
        # Someone in two of the teams counts once, from the first team they joined.
        joined = func.min(TeamMember.joined_at)
        query = (
            select(TeamMember.volunteer_id.label("person"), joined.label("since"))
            .join(Volunteer, Volunteer.id == TeamMember.volunteer_id)
            .where(
                TeamMember.team_id.in_(scope.team_ids),
                TeamMember.status == MemberStatus.ACTIVE,
                TeamMember.joined_at < end,
                _still_registered(end),
            )
            .group_by(TeamMember.volunteer_id)
        )
    return query


async def volunteers(session: AsyncSession, scope: Scope, period: Period) -> Volunteers:
    """Registered at the end of the period, and new in it (see the module's docstring)."""
    counted = people(scope, period.ends_at).subquery()
    new = func.coalesce(func.sum(case((counted.c.since >= period.starts_at, 1), else_=0)), 0)
    row = (await session.execute(select(func.count(), new).select_from(counted))).one()
    return Volunteers(registered=int(row[0]), new=int(row[1]))


async def by_team(session: AsyncSession, scope: Scope, period: Period) -> list[TeamLine]:
    """Each team's members at the end of the period and service in it, most hours first: every
    team of a team scope; for everything, the teams with members or service."""
    end = period.ends_at
    served = (
        _confirmed(scope, period, Activity.team_id.label("team_id"), *_service_columns())
        .group_by(Activity.team_id)
        .subquery()
    )
    members = (
        select(TeamMember.team_id, func.count().label("members"))
        .join(Volunteer, Volunteer.id == TeamMember.volunteer_id)
        .where(
            TeamMember.status == MemberStatus.ACTIVE,
            TeamMember.joined_at < end,
            _still_registered(end),
        )
        .group_by(TeamMember.team_id)
        .subquery()
    )
    query = (
        select(Team.id, Team.name, members.c.members, *served.c)
        .outerjoin(members, members.c.team_id == Team.id)
        .outerjoin(served, served.c.team_id == Team.id)
        .order_by(
            func.coalesce(served.c.credited + served.c.honour, 0).desc(),
            func.coalesce(served.c.participations, 0).desc(),
            Team.name,
        )
    )
    if scope.team_ids is None:
        query = query.where(
            or_(members.c.members.is_not(None), served.c.participations.is_not(None))
        )
    else:
        query = query.where(Team.id.in_(scope.team_ids))
    return [
        TeamLine(
            team_id=row.id, name=row.name, members=int(row.members or 0), service=_service(row)
        )
        for row in await session.execute(query)
    ]


async def by_theme(session: AsyncSession, scope: Scope, period: Period) -> list[ThemeLine]:
    """Service in the period by its activities' theme, most hours first (themes with some)."""
    served = (
        _confirmed(scope, period, Activity.theme_id.label("theme_id"), *_service_columns())
        .group_by(Activity.theme_id)
        .subquery()
    )
    query = (
        select(Theme.id, Theme.name_zh, Theme.name_en, *served.c)
        .join(served, served.c.theme_id == Theme.id)
        .order_by((served.c.credited + served.c.honour).desc(), Theme.sort_order, Theme.id)
    )
    return [
        ThemeLine(theme_id=row.id, name_zh=row.name_zh, name_en=row.name_en, service=_service(row))
        for row in await session.execute(query)
    ]


async def per_month(session: AsyncSession, scope: Scope, period: Period) -> list[MonthLine]:
    """Participations and confirmed minutes in each month of the period, oldest first (months
    without service too)."""
    months = period.month_starts()
    # Later boundaries only: a start before the second month's is in the first month, and so on.
    boundaries = [_instant(month, period.zone) for month in months[1:]]
    bucket = case(
        *((Shift.starts_at < boundary, index) for index, boundary in enumerate(boundaries)),
        else_=len(boundaries),
    )
    # Grouped outside a subquery: PostgreSQL would not see the SELECT's CASE and a GROUP BY's
    # copy as one expression (each has its own bound parameters).
    records = _confirmed(
        scope,
        period,
        bucket.label("bucket"),
        ServiceRecord.credited_minutes.label("credited"),
        ServiceRecord.honour_minutes.label("honour"),
    ).subquery()
    rows = await session.execute(
        select(
            records.c.bucket,
            func.count(),
            func.coalesce(func.sum(records.c.credited), 0),
            func.coalesce(func.sum(records.c.honour), 0),
        ).group_by(records.c.bucket)
    )
    found = {
        int(index): (int(count), int(credited), int(honour))
        for index, count, credited, honour in rows
    }
    return [MonthLine(month, *found.get(index, (0, 0, 0))) for index, month in enumerate(months)]


async def overview(
    session: AsyncSession, scope: Scope, *, last: date, months: int, zone: ZoneInfo
) -> Overview:
    """The scope's figures for the `months` months ending with `last`'s (volunteers at its end,
    new in it), and the MONTHS_SHOWN-month series ending there."""
    period = Period.months(last, months, zone)
    return Overview(
        period=period,
        volunteers=await volunteers(session, scope, Period.months(last, 1, zone)),
        service=await service(session, scope, period),
        teams=tuple(await by_team(session, scope, period)),
        themes=tuple(await by_theme(session, scope, period)),
        months=tuple(await per_month(session, scope, Period.months(last, MONTHS_SHOWN, zone))),
    )
