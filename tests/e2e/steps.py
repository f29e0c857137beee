"""Walking a person through registration, step by step, as a user would."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.conversation import ConversationState
from models.db import create_engine, session_factory
from models.volunteer import Volunteer
from sandbox.harness import Person, Reply, RunningBot
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
    return await person.send(id_number or make_id())


async def up_to_summary(person: Person, id_number: str | None = None) -> Reply:
    await up_to_district(person, id_number)
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
