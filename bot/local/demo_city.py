"""The part of the sandbox's demo data about the city programme above single activities:
volunteer stations (so `/nearby` finds something), a course with its training session and an
activity that requires it, a weekly duty rota with a standing slot, and an organisation over
both demo teams. Seeded by `bot.local.demo`, in its transaction, through the models' own
functions as the bot's conversations would write it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities.signup import SignupPolicy
from models.activities.tables import Activity
from models.organisations import organisations
from models.reference import District
from models.registration.tables import Volunteer
from models.rotas import generation, rules, slots
from models.stations.stations import StationPlan, save
from models.teams.tables import Team
from models.training import courses

SEEDED_BY = 0  # the audit log's actor for what the sandbox seeds


@dataclass(frozen=True)
class DemoStation:
    name: str
    address: str
    latitude: float
    longitude: float
    district: str  # a district's code
    opening_hours: str
    teams: tuple[str, ...]  # teams' names


# Near the volunteer persona's usual spot (`:location 24.4500 118.0900`, near Zhongshan Road):
# the first two within the default 5 km of `/nearby`, the third across the bay beyond it.
STATIONS = (
    DemoStation(
        "中山路志愿服务驿站",
        "思明区中山路步行街与思明南路交叉口",
        24.4560,
        118.0800,
        "siming",
        "每天 09:00–21:00",
        ("Sandbox Volunteer Team", "海沧社区服务队"),
    ),
    DemoStation(
        "白城沙滩志愿服务驿站",
        "思明区演武路白城沙滩入口",
        24.4350,
        118.1080,
        "siming",
        "周六、周日 08:00–12:00",
        ("Sandbox Volunteer Team",),
    ),
    DemoStation(
        "海沧湾公园志愿服务驿站",
        "海沧区滨湖北路海沧湾公园东门",
        24.4860,
        118.0360,
        "haicang",
        "周二至周日 09:00–17:00",
        ("海沧社区服务队",),
    ),
)

COURSE = "急救培训"
COURSE_VALID_MONTHS = 24
TRAINING_SESSION = "急救培训课"  # the course's session, an activity of the demo's
REQUIRES_COURSE = "驿站急救值守"  # the activity only the course's holders may sign up for
ROTA = "驿站周六值守"  # the weekly duty rota (its first shift is the coming Saturday)
ORGANISATION = "思明区志愿服务联合会"


async def stations(
    session: AsyncSession, teams: Mapping[str, Team], now: datetime
) -> dict[str, int]:
    """The demo stations, linked to their teams; their ids by name."""
    made = {}
    for demo in STATIONS:
        district = await session.scalar(select(District.id).where(District.code == demo.district))
        plan = StationPlan(
            name=demo.name,
            address=demo.address,
            latitude=demo.latitude,
            longitude=demo.longitude,
            district_id=district,
            opening_hours=demo.opening_hours,
            team_ids=[teams[name].id for name in demo.teams],
        )
        may_link = [team.id for team in teams.values()]
        station = await save(
            session, plan, station_id=None, actor=SEEDED_BY, may_link=may_link, now=now
        )
        made[demo.name] = station.id
    return made


async def programme(
    session: AsyncSession,
    activities: Mapping[str, Activity],
    teams: Mapping[str, Team],
    slot_holder: Volunteer,
    *,
    now: datetime,
    zone: ZoneInfo,
    weeks_ahead: int,
    policy: SignupPolicy,
) -> None:
    """The course with its session and requirement, the rota with `slot_holder` on its standing
    slot, and the organisation over every demo team."""
    course = await courses.create(
        session,
        name=COURSE,
        description="心肺复苏与常见外伤处理，结业后可参加驿站急救值守。",
        validity_months=COURSE_VALID_MONTHS,
        actor=SEEDED_BY,
        now=now,
    )
    await courses.toggle_session(
        session, course, activities[TRAINING_SESSION], actor=SEEDED_BY, now=now
    )
    await courses.toggle_requirement(
        session, course, activities[REQUIRES_COURSE], actor=SEEDED_BY, now=now
    )
    rota = activities[ROTA]
    plan = rules.RulePlan(
        weekdays=frozenset({5}),  # Saturdays
        every_weeks=1,
        starts_on=now.astimezone(zone).date(),
        ends_on=date(now.year + 1, 12, 31),
        start_time=time(9),
        end_time=time(11),
        capacity=3,
    )
    rule = await rules.save_rule(session, rota, plan, actor=SEEDED_BY, now=now)
    await generation.generate(
        session, now=now, zone=zone, weeks_ahead=weeks_ahead, policy=policy, activity_id=rota.id
    )
    await slots.take_slot(session, slot_holder, rule, now=now, policy=policy)
    organisation = await organisations.create(session, ORGANISATION, actor=SEEDED_BY, now=now)
    for team in teams.values():
        await organisations.add_team(session, organisation, team.id, actor=SEEDED_BY, now=now)
