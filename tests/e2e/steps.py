"""Walking a person through registration, step by step, as a user would; and setting up the
world a test needs (teams, coordinators, published activities) straight in the database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import cipher_from, deployment_from
from bot.local.harness import Person, Reply, RunningBot
from models.activities.tables import Activity, Signup
from models.attendance import checkin
from models.conversation import ConversationState
from models.db import create_engine, session_factory
from models.publishing.publication import ActivityPlan, ShiftPlan, publish
from models.reference import Theme
from models.registration import volunteers
from models.registration.tables import Volunteer
from models.registration.validation import parse_prc_id
from models.registration.volunteers import Draft, SealedId
from models.teams import membership, roles
from models.teams.tables import Team
from tests.ids import make_id

PHONE = "+8613800138000"


async def up_to_name(person: Person) -> Reply:
    await person.send("/start")
    await person.press("English")
    return await person.press("I agree")


async def up_to_id(person: Person) -> Reply:
    await up_to_name(person)
    await person.send("Wang Xiaoming")
    return await person.share_contact(PHONE)


async def up_to_district(person: Person, id_number: str | None = None) -> Reply:
    await up_to_id(person)
    # Each person gets their own ID number unless told otherwise (they must be unique).
    unique = make_id(region=f"35{person.id // 1000 % 10_000:04d}", serial=f"{person.id % 1000:03d}")
    return await person.send(id_number or unique)


async def up_to_summary(person: Person, id_number: str | None = None) -> Reply:
    await up_to_district(person, id_number)
    return await from_district_to_summary(person)


async def register_without_id(person: Person) -> Reply:
    """Register where the deployment does not ask for real names (no ID question)."""
    await up_to_id(person)
    await from_district_to_summary(person)
    return await person.press("✅ Confirm")


async def from_district_to_summary(person: Person) -> Reply:
    await person.press("Haicang")
    await person.press("Neighbourhood watch")
    await person.press("Environmental protection")
    await person.press("Done ➡️")
    await person.press("Weekends")
    return await person.press("Done ➡️")


async def register(person: Person, id_number: str | None = None) -> Reply:
    await up_to_summary(person, id_number)
    return await person.press("✅ Confirm")


async def snapshot(bot: RunningBot, telegram_id: int) -> tuple[object, ...]:
    """Everything stored about a user: conversation state and volunteer rows."""
    engine = create_engine(bot.settings.database_url)
    try:
        async with session_factory(engine)() as session:
            return await _snapshot(session, telegram_id)
    finally:
        await engine.dispose()


async def _snapshot(session: AsyncSession, telegram_id: int) -> tuple[object, ...]:
    state = await session.get(ConversationState, telegram_id)
    volunteers = (await session.scalars(select(Volunteer))).all()
    state_values = (
        (state.flow, state.step, state.version, state.data, state.language) if state else None
    )
    return state_values, [(v.id, v.telegram_id, v.full_name, v.phone) for v in volunteers]


async def volunteer(bot: RunningBot, telegram_id: int) -> Volunteer | None:
    engine = create_engine(bot.settings.database_url)
    try:
        async with session_factory(engine)() as session:
            return await session.scalar(
                select(Volunteer).where(Volunteer.telegram_id == telegram_id)
            )
    finally:
        await engine.dispose()


@asynccontextmanager
async def database(bot: RunningBot) -> AsyncIterator[AsyncSession]:
    """A session on the bot's database, committed at the end (for setting up and checking)."""
    engine = create_engine(bot.settings.database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            yield session
    finally:
        await engine.dispose()


async def make_coordinator(bot: RunningBot, telegram_id: int, team: str = "Haicang Team") -> int:
    """Make `telegram_id` a coordinator of `team` (created if new); the team's id."""
    async with database(bot) as session:
        found = await session.scalar(select(Team).where(Team.name == team))
        if found is None:
            found = await roles.create_team(session, team, now=bot.clock.now())
        await roles.grant(session, telegram_id, "coordinator", team=found, now=bot.clock.now())
        return found.id


async def member(bot: RunningBot, user_id: int, team_id: int, **fields: object) -> Person:
    """A registered volunteer who joined the team (liking the themes given, by code)."""
    themes = fields.pop("themes", ())
    person = await registered(bot, user_id, themes=themes)  # type: ignore[arg-type]
    async with database(bot) as session:
        volunteer = await session.scalar(select(Volunteer).where(Volunteer.telegram_id == user_id))
        team = await session.get(Team, team_id)
        assert volunteer is not None and team is not None
        await membership.join(session, volunteer, team, now=bot.clock.now())
        for name, value in fields.items():
            setattr(volunteer, name, value)
    return person


async def make_activity(
    bot: RunningBot,
    team_id: int,
    *,
    title: str = "Beach clean-up",
    shifts: tuple[tuple[timedelta, timedelta, int], ...] = (
        (timedelta(days=2), timedelta(hours=3), 5),
    ),
    theme: str = "environment",
    **plan: Any,
) -> Activity:
    """Publish an activity whose shifts start `offset` from now and last `length`, with
    `capacity` places each: `shifts=((offset, length, capacity), …)`."""
    now = bot.clock.now()
    async with database(bot) as session:
        theme_id = await session.scalar(select(Theme.id).where(Theme.code == theme))
        return await publish(
            session,
            ActivityPlan(
                title=title,
                theme_id=theme_id,
                team_id=team_id,
                address=plan.pop("address", "Baicheng Beach, Siming"),
                shifts=[
                    ShiftPlan(now + offset, now + offset + length, capacity)
                    for offset, length, capacity in shifts
                ],
                **plan,
            ),
            created_by=0,
            now=now,
        )


async def make_volunteers(
    bot: RunningBot, count: int, *, first_id: int = 50_000
) -> list[Volunteer]:
    """`count` registered volunteers written straight to the database (for tests about many
    people, where registering each by chat would only be slow)."""
    async with database(bot) as session:
        volunteers = [
            Volunteer(
                telegram_id=first_id + i,
                language="en",
                full_name=f"Volunteer {i}",
                phone=f"+86138{i:08d}",
                registered_at=bot.clock.now(),
            )
            for i in range(count)
        ]
        session.add_all(volunteers)
        await session.flush()
        return volunteers


async def registered(
    bot: RunningBot,
    user_id: int,
    language: str = "en",
    *,
    themes: tuple[str, ...] = (),
    name: str = "Wang Xiaoming",
    id_number: str | None = None,
) -> Person:
    """Someone registered straight in the database (liking `themes`, by code; with their real
    name when given an `id_number`): registering by chat would spend the chat's flood allowance
    (about 20 messages, then one a second) before the test begins."""
    person = bot.person(user_id)
    sealed = None
    if id_number is not None:
        cipher = cipher_from(bot.settings)
        assert cipher is not None
        sealed = SealedId.seal(parse_prc_id(id_number, bot.clock.now().date()), cipher)
    async with database(bot) as session:
        theme_ids = await session.scalars(select(Theme.id).where(Theme.code.in_(themes)))
        draft = Draft(
            name=name,
            phone=f"+86138{user_id:08d}",
            sealed_id=sealed,
            theme_ids=list(theme_ids),
        )
        await volunteers.register(
            session, telegram_id=user_id, language=language, draft=draft, now=bot.clock.now()
        )
    return person


async def state_of(bot: RunningBot, telegram_id: int) -> tuple[object, ...]:
    state, _ = await snapshot(bot, telegram_id)
    assert isinstance(state, tuple)
    return state


async def _own_place(session: AsyncSession, telegram_id: int) -> tuple[Volunteer, int]:
    person = await session.scalar(select(Volunteer).where(Volunteer.telegram_id == telegram_id))
    assert person is not None
    signup_id = await session.scalar(select(Signup.id).where(Signup.volunteer_id == person.id))
    assert signup_id is not None
    return person, signup_id


async def checked_in(bot: RunningBot, telegram_id: int) -> None:
    """The person checks in to their one shift now, as the check-in conversation records it."""
    policy = deployment_from(bot.settings).attendance
    async with database(bot) as session:
        person, signup_id = await _own_place(session, telegram_id)
        now = bot.clock.now()
        await checkin.check_in(session, person, signup_id, now=now, method="code", policy=policy)


async def checked_out(bot: RunningBot, telegram_id: int) -> None:
    """The person checks out of their one shift now."""
    policy = deployment_from(bot.settings).attendance
    async with database(bot) as session:
        person, signup_id = await _own_place(session, telegram_id)
        now = bot.clock.now()
        await checkin.check_out(session, person, signup_id, now=now, policy=policy)


async def statuses(bot: RunningBot) -> dict[int | None, str]:
    """Each sign-up's status, by the volunteer's Telegram id (tests with one shift)."""
    async with database(bot) as session:
        rows = await session.execute(
            select(Volunteer.telegram_id, Signup.status).join(
                Signup, Signup.volunteer_id == Volunteer.id
            )
        )
        return {telegram_id: status for telegram_id, status in rows}
