"""The world broadcast tests need: a team, a published activity, and many volunteers made in
bulk straight in the database (each also a person the sandbox knows), and a confirmed call to
them; plus what the sandbox's own log says about the calls it received."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from models.activities.tables import Activity
from models.broadcasts import outbox
from models.broadcasts.audience import Audience, Scope
from models.broadcasts.outbox import Draft
from models.broadcasts.tables import Broadcast, Delivery
from models.db import session_factory
from models.publishing import publication
from models.publishing.publication import ActivityPlan, ShiftPlan
from models.reference import Theme
from models.registration.tables import Volunteer
from models.teams import roles
from sandbox import BotApiSandbox

COORDINATOR = 900_001
FIRST_VOLUNTEER = 7_000_001
NOTICE = "📣 Stewards needed for the harbour festival this Saturday!"


def volunteer_ids(count: int) -> list[int]:
    return list(range(FIRST_VOLUNTEER, FIRST_VOLUNTEER + count))


async def seed(
    engine: AsyncEngine, sandbox: BotApiSandbox, telegram_ids: list[int], now: datetime
) -> Activity:
    """A team and its activity, and the volunteers (known to the sandbox too)."""
    sandbox.user(COORDINATOR, "Coordinator", language_code="en")
    for telegram_id in telegram_ids:
        sandbox.user(telegram_id, f"Volunteer {telegram_id}", language_code="en")
    async with session_factory(engine)() as session, session.begin():
        team = await roles.create_team(session, "Harbour Volunteers", now=now)
        theme_id = await session.scalar(select(Theme.id).where(Theme.code == "events"))
        starts = now + timedelta(days=5)
        plan = ActivityPlan(
            title="Harbour festival",
            description="Stewards for the festival.",
            address="Harbour Square",
            theme_id=theme_id,
            team_id=team.id,
            shifts=[ShiftPlan(starts, starts + timedelta(hours=3), 50)],
        )
        activity = await publication.publish(session, plan, created_by=COORDINATOR, now=now)
        if not telegram_ids:
            return activity
        await session.execute(
            insert(Volunteer),
            [
                {
                    "telegram_id": telegram_id,
                    "status": "active",
                    "language": "en",
                    "full_name": f"Volunteer {telegram_id}",
                    "phone": f"+86138{telegram_id:08d}",
                    "registered_at": now - timedelta(days=30),
                }
                for telegram_id in telegram_ids
            ],
        )
        return activity


async def call_everyone(engine: AsyncEngine, activity: Activity, now: datetime) -> Broadcast:
    """An admin's confirmed call to everyone about the activity, due now (COORDINATOR is made
    an admin: a call is held if its author lacks the reach it was made with)."""
    async with session_factory(engine)() as session, session.begin():
        if not await roles.is_admin(session, COORDINATOR, ()):
            await roles.grant(session, COORDINATOR, "admin", team=None, now=now)
        return await outbox.create(
            session,
            Draft(text=NOTICE, audience=Audience("everyone"), activity_id=activity.id),
            actor=COORDINATOR,
            scope=Scope(admin=True, team_ids=()),
            now=now,
        )


async def delivery_statuses(connection: AsyncConnection, broadcast_id: int) -> dict[str, int]:
    rows = await connection.execute(
        select(Delivery.status, func.count())
        .where(Delivery.broadcast_id == broadcast_id)
        .group_by(Delivery.status)
    )
    return {status: count for status, count in rows}


def notices_received(sandbox: BotApiSandbox) -> Counter[int]:
    """How many times the sandbox accepted the call's notice, per chat."""
    return Counter(
        call.chat_id
        for call in sandbox.calls
        if call.method == "sendMessage"
        and call.ok
        and call.params.get("text") == NOTICE
        and call.chat_id is not None
    )


def notice_answers(sandbox: BotApiSandbox) -> Counter[int]:
    """The sandbox's answers (HTTP status) to the notice's sends, counted."""
    return Counter(
        call.status
        for call in sandbox.calls
        if call.method == "sendMessage" and call.params.get("text") == NOTICE
    )
