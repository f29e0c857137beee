"""The demo data a fresh `volbot sandbox` starts with, so that every journey can be tried at once.

Seeded once, through the models' own functions (as the bot's conversations would write it), with
the shifts placed in the coming week of the sandbox's clock:

- two teams: the sandbox's team ("Sandbox Volunteer Team", with the coordinator persona as its
  coordinator; transcripts start with it too, without the rest) and a second one that no
  persona coordinates;
- the volunteer persona registered and a member of the sandbox's team, so that `/activities`,
  sign-ups and the coordinator's calls work straight away (any new persona, `:as NAME`, is a
  newcomer who registers);
- four volunteers who are not personas (their chats exist, so what the bot sends them is
  delivered), members too (one of both teams), signed up to the activities;
- one shift full with one person waiting, so the waiting list (and, when a place frees up, the
  offer) can be tried;
- three volunteer stations in Xiamen, linked to the teams, with the activities pinned at or near
  them, so that `/stations` lists them and `/nearby` (after `:location 24.4500 118.0900` as the
  volunteer) finds them nearest first;
- a course, 急救培训 (valid 24 months), with its training session in the coming week and an
  activity that requires it (`/courses`; signing up for the latter is refused until the course
  is passed);
- a duty rota: an activity every Saturday 09:00–11:00, its dates made four weeks ahead, with 陈静
  on its standing slot (`/rota`; the volunteer persona may take the slot or one date);
- an organisation, 思明区志愿服务联合会, over both teams (`/orgs` as the admin).

The stations, course, rota and organisation are seeded by `bot.local.demo_city`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import signup_policy_from
from bot.local import demo_city
from bot.settings import Settings
from models.activities import signup
from models.activities.tables import Activity, Shift
from models.db import create_engine, session_factory
from models.publishing.publication import ActivityPlan, ShiftPlan, publish
from models.reference import District, Theme
from models.registration import volunteers
from models.registration.tables import Volunteer
from models.registration.volunteers import Draft
from models.teams import membership, roles
from models.teams.tables import Role, Team

SANDBOX_TEAM = "Sandbox Volunteer Team"  # the coordinator persona's (transcripts have it too)
OTHER_TEAM = "海沧社区服务队"
LANGUAGE = "zh-CN"


@dataclass(frozen=True)
class DemoVolunteer:
    telegram_id: int
    name: str
    district: str  # a district's code
    themes: tuple[str, ...]  # themes' codes
    in_other_team: bool = False  # a member of the second team too

    @property
    def phone(self) -> str:
        return f"+86138{self.telegram_id:08d}"


# The volunteer persona (see bot.local.personas) and four others, in the sandbox's team.
PERSONA = DemoVolunteer(1001, "王小明", "siming", ("environment", "elderly"))
OTHERS = (
    DemoVolunteer(5001, "陈静", "siming", ("environment",)),
    DemoVolunteer(5002, "李伟", "huli", ("elderly", "environment")),
    DemoVolunteer(5003, "张敏", "huli", ("elderly",)),
    DemoVolunteer(5004, "林芳", "haicang", ("children", "education"), in_other_team=True),
)


@dataclass(frozen=True)
class DemoActivity:
    title: str
    team: str
    theme: str
    district: str
    address: str
    # (days from today, local start hour, hours long, places), and who signs up to each, in order
    shifts: tuple[tuple[int, int, int, int, tuple[int, ...]], ...]
    station: str | None = None  # at this demo station (its pin, unless `pin` is given)
    pin: tuple[float, float] | None = None
    from_saturday: bool = False  # the shifts' days count from the coming Saturday, not today


ACTIVITIES = (
    DemoActivity(
        "海滩清洁",
        SANDBOX_TEAM,
        "environment",
        "siming",
        "白城沙滩，思明区",
        ((2, 9, 3, 10, (5001, 5002)), (5, 9, 3, 10, ())),
        station="白城沙滩志愿服务驿站",
        pin=(24.4335, 118.1095),
    ),
    # Two places, both taken, and one waiting: the volunteer persona joins as second.
    DemoActivity(
        "敬老院探访",
        SANDBOX_TEAM,
        "elderly",
        "huli",
        "湖里区金山街道敬老院",
        ((3, 14, 3, 2, (5002, 5003, 5001)),),
        pin=(24.5060, 118.1780),
    ),
    DemoActivity(
        "社区图书馆儿童阅读",
        OTHER_TEAM,
        "children",
        "haicang",
        "海沧区图书馆",
        ((4, 10, 2, 4, (5004,)),),
        station="海沧湾公园志愿服务驿站",
        pin=(24.4847, 118.0317),
    ),
    DemoActivity(
        demo_city.TRAINING_SESSION,
        SANDBOX_TEAM,
        "health",
        "siming",
        "",
        ((3, 9, 3, 20, (5002,)),),
        station="中山路志愿服务驿站",
    ),
    DemoActivity(
        demo_city.REQUIRES_COURSE,
        SANDBOX_TEAM,
        "health",
        "siming",
        "",
        ((6, 14, 4, 2, ()),),
        station="中山路志愿服务驿站",
    ),
    DemoActivity(
        demo_city.ROTA,
        SANDBOX_TEAM,
        "environment",
        "siming",
        "",
        ((0, 9, 2, 3, ()),),
        station="白城沙滩志愿服务驿站",
        from_saturday=True,
    ),
)


async def seed(settings: Settings, now: datetime, *, coordinator: int, demo: bool) -> None:
    """The sandbox's team with `coordinator` as its coordinator (once; transcripts start from
    it too), and with `demo` the demo data, unless it is there already (the second team is the
    mark) or the volunteer persona has registered by chat before. One transaction."""
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            team = await _sandbox_team(session, coordinator, now)
            if not demo:
                return
            if await session.scalar(select(Team.id).where(Team.name == OTHER_TEAM)) is not None:
                return
            if await volunteers.find_volunteer(session, PERSONA.telegram_id) is not None:
                return
            await _seed(session, settings, team, now)
    finally:
        await engine.dispose()


async def _sandbox_team(session: AsyncSession, coordinator: int, now: datetime) -> Team:
    team = await session.scalar(select(Team).where(Team.name == SANDBOX_TEAM))
    if team is None:
        team = await roles.create_team(session, SANDBOX_TEAM, now=now)
        await roles.grant(session, coordinator, Role.COORDINATOR, team=team, now=now)
    return team


async def _seed(session: AsyncSession, settings: Settings, team: Team, now: datetime) -> None:
    teams = {SANDBOX_TEAM: team, OTHER_TEAM: await roles.create_team(session, OTHER_TEAM, now=now)}
    people = {}
    for person in (PERSONA, *OTHERS):
        people[person.telegram_id] = volunteer = await _register(session, person, now)
        await membership.join(session, volunteer, teams[SANDBOX_TEAM], now=now)
        if person.in_other_team:
            await membership.join(session, volunteer, teams[OTHER_TEAM], now=now)
    stations = await demo_city.stations(session, teams, now)
    policy = signup_policy_from(settings)
    today = now.astimezone(settings.zone).date()
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    activities = {}
    for demo in ACTIVITIES:
        first = saturday if demo.from_saturday else today
        plan = ActivityPlan(
            title=demo.title,
            theme_id=await _id(session, Theme, demo.theme),
            team_id=teams[demo.team].id,
            district_id=await _id(session, District, demo.district),
            address=demo.address,
            latitude=demo.pin[0] if demo.pin else None,
            longitude=demo.pin[1] if demo.pin else None,
            station_id=stations[demo.station] if demo.station else None,
            shifts=[_shift(first, settings.zone, *shift) for shift in demo.shifts],
        )
        activities[demo.title] = activity = await publish(session, plan, created_by=0, now=now)
        for shift, (*_, who) in zip(await _shifts(session, activity), demo.shifts, strict=True):
            for telegram_id in who:
                await signup.sign_up(session, people[telegram_id], shift.id, now=now, policy=policy)
    await demo_city.programme(
        session,
        activities,
        teams,
        people[5001],
        now=now,
        zone=settings.zone,
        weeks_ahead=settings.rota_weeks_ahead,
        policy=policy,
    )


def _shift(
    today: date, zone: ZoneInfo, days: int, hour: int, hours: int, places: int, *_: object
) -> ShiftPlan:
    starts = datetime.combine(today + timedelta(days=days), time(hour), zone)
    return ShiftPlan(starts, starts + timedelta(hours=hours), places)


async def _register(session: AsyncSession, person: DemoVolunteer, now: datetime) -> Volunteer:
    themes = await session.scalars(select(Theme.id).where(Theme.code.in_(person.themes)))
    draft = Draft(
        name=person.name,
        phone=person.phone,
        district_id=await _id(session, District, person.district),
        theme_ids=list(themes),
    )
    return await volunteers.register(
        session, telegram_id=person.telegram_id, language=LANGUAGE, draft=draft, now=now
    )


async def _id(session: AsyncSession, table: type[Theme] | type[District], code: str) -> int:
    found = await session.scalar(select(table.id).where(table.code == code))
    assert found is not None, f"no {table.__name__} {code!r} in the reference data"
    return found


async def _shifts(session: AsyncSession, activity: Activity) -> list[Shift]:
    query = select(Shift).where(Shift.activity_id == activity.id).order_by(Shift.starts_at)
    return list(await session.scalars(query))
