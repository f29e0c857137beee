"""Statistics without Telegram: a small world of two teams, two themes and a year of service in
Asia/Shanghai, with known figures — month boundaries in the local zone (not UTC), unconfirmed
records left out, erased volunteers' service kept, scopes of one team, two teams or all — on
SQLite and PostgreSQL; and the chart as a PNG whose Chinese words have glyphs."""

from __future__ import annotations

import io
import warnings
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession

from models.attendance import certificate
from models.db import create_engine, session_factory
from models.registration.tables import Volunteer
from models.reports import charts, stats
from models.reports.charts import ChartWording
from models.reports.stats import (
    EVERYTHING,
    MonthLine,
    Period,
    Scope,
    Service,
    Volunteers,
)
from models.teams.tables import Team, TeamMember
from tests.models.attendance.test_hours import served
from tests.models.world import make_activity, make_team, make_volunteer, theme

ZONE = ZoneInfo("Asia/Shanghai")
JANUARY = date(2026, 1, 1)  # NOW's month in Shanghai
DECEMBER = date(2025, 12, 1)


@pytest.fixture
async def session(database_url: str) -> AsyncIterator[AsyncSession]:
    """A fresh database, once SQLite and once PostgreSQL: the month buckets are SQL that both
    must run alike."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            yield session
    finally:
        await engine.dispose()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@dataclass
class World:
    a: Team
    b: Team


async def member(
    session: AsyncSession, team_id: int, volunteer_id: int, joined: datetime, status: str = "active"
) -> None:
    session.add(
        TeamMember(team_id=team_id, volunteer_id=volunteer_id, status=status, joined_at=joined)
    )
    await session.flush()


async def world(session: AsyncSession) -> World:
    """Team A (two activities: environment and elderly) and team B (environment).

    | who | team, theme | shift starts (UTC) | in Shanghai | minutes | counts in |
    | v1 | A env | 2025-12-31 15:30 | Dec 31 23:30 | 180 | December |
    | v2 | A env | 2025-12-31 16:30 | Jan 1 00:30 | 120 + 30 honour | January |
    | v1 | A elderly | 2025-03-10 02:00 | Mar 10 | 60 | March |
    | v3 | A elderly | 2025-01-31 15:30 | Jan 31 23:30 | 600 | before the window |
    | v3 | A elderly | 2025-01-31 16:30 | Feb 1 00:30 | 45 | February |
    | v1 | A env | 2026-01-02 02:00 | Jan 2 | 240, unconfirmed | nowhere |
    | v3 | B env | 2025-12-10 02:00 | Dec 10 | 300 | December |
    | erased | B env | 2025-11-05 02:00 | Nov 5 | 90 | November |
    """
    a, b = await make_team(session, "Team A"), await make_team(session, "Team B")
    environment, elderly = await theme(session, "environment"), await theme(session, "elderly")
    a_env, _ = await make_activity(session, team_id=a.id, theme_id=environment.id)
    a_eld, _ = await make_activity(session, team_id=a.id, theme_id=elderly.id)
    b_env, _ = await make_activity(session, team_id=b.id, theme_id=environment.id)
    v1, v2, v3, v4 = [await make_volunteer(session) for _ in range(4)]  # registered in 2025
    newcomer = await make_volunteer(session)
    newcomer.registered_at = utc(2026, 1, 2, 20)  # Jan 3 in Shanghai
    erased = Volunteer(
        status="erased",
        language="en",
        registered_at=utc(2025, 6, 1),
        erased_at=utc(2025, 12, 15),
    )
    session.add(erased)
    await session.flush()

    await member(session, a.id, v1.id, utc(2025, 10, 1))
    await member(
        session, a.id, v2.id, utc(2025, 12, 31, 17)
    )  # Jan 1 in Shanghai: joined A this month
    await member(session, a.id, v4.id, utc(2026, 1, 3), status="pending")  # not a member yet
    await member(session, b.id, v2.id, utc(2025, 11, 1))
    await member(session, b.id, v3.id, utc(2025, 12, 1))

    await served(session, v1, utc(2025, 12, 31, 15, 30), 180, activity_id=a_env.id)
    await served(session, v2, utc(2025, 12, 31, 16, 30), 120, 30, activity_id=a_env.id)
    await served(session, v1, utc(2025, 3, 10, 2), 60, activity_id=a_eld.id)
    await served(session, v3, utc(2025, 1, 31, 15, 30), 600, activity_id=a_eld.id)
    await served(session, v3, utc(2025, 1, 31, 16, 30), 45, activity_id=a_eld.id)
    await served(session, v1, utc(2026, 1, 2, 2), 240, confirmed=False, activity_id=a_env.id)
    await served(session, v3, utc(2025, 12, 10, 2), 300, activity_id=b_env.id)
    await served(session, erased, utc(2025, 11, 5, 2), 90, activity_id=b_env.id)
    return World(a, b)


def year() -> Period:
    return Period.months(JANUARY, 12, ZONE)


def test_months_are_local_calendar_months() -> None:
    assert stats.add_months(JANUARY, -1) == DECEMBER
    assert stats.add_months(date(2025, 11, 1), 14) == date(2027, 1, 1)
    assert stats.month_of(utc(2025, 12, 31, 15, 59), ZONE) == DECEMBER
    assert stats.month_of(utc(2025, 12, 31, 16, 0), ZONE) == JANUARY
    window = year()
    assert (window.first, window.end, window.last) == (date(2025, 2, 1), date(2026, 2, 1), JANUARY)
    assert window.starts_at == utc(2025, 1, 31, 16)  # local midnight
    assert len(window.month_starts()) == 12
    # Across daylight saving time the boundary moves with the zone.
    berlin = Period.months(date(2026, 4, 1), 1, ZoneInfo("Europe/Berlin"))
    assert (berlin.starts_at, berlin.ends_at) == (utc(2026, 3, 31, 22), utc(2026, 4, 30, 22))


async def test_everything_in_the_last_twelve_months(session: AsyncSession) -> None:
    await world(session)
    window = year()
    # v1, v2, v3 and the erased volunteer served; the unconfirmed record and the one before the
    # window (600 minutes) count nowhere.
    assert await stats.service(session, EVERYTHING, window) == Service(
        participations=6, volunteers=4, activities=3, credited=795, honour=30
    )
    # Registered now: v1–v4 and the newcomer; the erased one no longer.
    assert await stats.volunteers(session, EVERYTHING, Period.months(JANUARY, 1, ZONE)) == (
        Volunteers(registered=5, new=1)
    )
    months = await stats.per_month(session, EVERYTHING, window)
    assert [m.month for m in months] == window.month_starts()
    assert {
        m.month: (m.participations, m.credited, m.honour) for m in months if m.participations
    } == {
        date(2025, 2, 1): (1, 45, 0),
        date(2025, 3, 1): (1, 60, 0),
        date(2025, 11, 1): (1, 90, 0),
        date(2025, 12, 1): (2, 480, 0),  # 23:30 on Dec 31 in Shanghai is still December
        date(2026, 1, 1): (1, 120, 30),  # 00:30 on Jan 1 in Shanghai is January (UTC: Dec 31)
    }


async def test_by_team_and_by_theme(session: AsyncSession) -> None:
    w = await world(session)
    teams = await stats.by_team(session, EVERYTHING, year())
    assert [(t.team_id, t.members, t.service) for t in teams] == [
        (w.a.id, 2, Service(4, 3, 2, 405, 30)),  # most hours first: 7.25 h
        (w.b.id, 2, Service(2, 2, 1, 390, 0)),
    ]
    themes = await stats.by_theme(session, EVERYTHING, year())
    assert [(t.name("en"), t.name("zh-CN"), t.service) for t in themes] == [
        ("Environmental protection", "生态环保", Service(4, 4, 2, 690, 30)),
        ("Caring for the elderly", "关爱老人", Service(2, 2, 1, 105, 0)),
    ]


async def test_a_team_scope_sees_its_own_figures_only(session: AsyncSession) -> None:
    w = await world(session)
    a, b, both = (
        Scope.of_teams([w.a.id]),
        Scope.of_teams([w.b.id]),
        Scope.of_teams([w.a.id, w.b.id]),
    )
    this_month = Period.months(JANUARY, 1, ZONE)
    assert await stats.service(session, a, year()) == Service(4, 3, 2, 405, 30)
    assert await stats.service(session, b, year()) == Service(2, 2, 1, 390, 0)
    assert await stats.volunteers(session, a, this_month) == Volunteers(registered=2, new=1)
    assert await stats.volunteers(session, b, this_month) == Volunteers(registered=2, new=0)
    # v2 is in both teams: counted once, and not new (they joined B in November).
    assert await stats.volunteers(session, both, this_month) == Volunteers(registered=3, new=0)
    assert [t.team_id for t in await stats.by_team(session, a, year())] == [w.a.id]
    assert [t.name("en") for t in await stats.by_theme(session, b, year())] == [
        "Environmental protection"
    ]
    assert [m.participations for m in await stats.per_month(session, b, year())] == [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0
    ]  # fmt: skip
    nobody = Scope.of_teams([])
    assert await stats.service(session, nobody, year()) == stats.NO_SERVICE


async def test_a_monthly_overview_counts_that_month_only(session: AsyncSession) -> None:
    w = await world(session)
    december = await stats.overview(session, EVERYTHING, last=DECEMBER, months=1, zone=ZONE)
    assert december.period == Period(DECEMBER, JANUARY, ZONE)
    # v1 at 23:30 on the 31st and v3 on team B; the erased volunteer left on Dec 15 and the
    # newcomer came in January.
    assert december.service == Service(2, 2, 2, 480, 0)
    assert december.volunteers == Volunteers(registered=4, new=0)
    assert [(t.team_id, t.service.participations) for t in december.teams] == [
        (w.b.id, 1),  # 5 h before team A's 3 h
        (w.a.id, 1),
    ]
    assert [m.month for m in december.months][-1] == DECEMBER and len(december.months) == 12
    november = await stats.overview(
        session, EVERYTHING, last=date(2025, 11, 1), months=1, zone=ZONE
    )
    assert november.volunteers == Volunteers(registered=5, new=0)  # the erased one still was
    assert november.service == Service(1, 1, 1, 90, 0)  # and their service stays in the figures


async def test_the_chart_is_a_png_whose_chinese_words_have_glyphs() -> None:
    months = [MonthLine(stats.add_months(JANUARY, -n), n, 60 * n, 0) for n in range(11, -1, -1)]
    wording = ChartWording(title="每月确认时长与参与人次", hours="小时", participations="人次")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns of each glyph a font lacks
        png = charts.render_chart(months, wording, certificate.find_font())
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert Image.open(io.BytesIO(png)).size == (1080, 540)
    with pytest.warns(UserWarning, match="missing from font"):  # the check above can fail
        charts.render_chart(months, wording, None)
