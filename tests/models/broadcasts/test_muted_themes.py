"""Muting calls theme by theme, without Telegram: the choice is stored and audited, and it keeps a
volunteer out of the calls for that theme's shifts and out of broadcasts linked to its
activities, while calls about their other themes still reach them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities.tables import Activity, Shift
from models.audit import AuditEntry
from models.broadcasts import audience, shift_call
from models.broadcasts.audience import Audience, Scope
from models.publishing import recruiting
from models.reference import Theme
from models.registration.tables import Volunteer, volunteer_muted_themes
from models.reminders import notifications
from tests.models.world import NOW, POLICY, at, make_activity, make_volunteer, shift_plan, theme

ADMIN = Scope(admin=True, team_ids=())


ADMIN_SCOPE = Scope(admin=True, team_ids=())


async def mute(session: AsyncSession, volunteer: Volunteer, muted: Theme, on: bool = True) -> bool:
    return await notifications.set_theme_muted(session, volunteer, muted.id, muted=on, now=NOW)


async def stored(session: AsyncSession, volunteer: Volunteer) -> set[int]:
    """The ids of the themes the volunteer muted, as the table holds them."""
    await session.flush()
    rows = await session.scalars(
        select(volunteer_muted_themes.c.theme_id).where(
            volunteer_muted_themes.c.volunteer_id == volunteer.id
        )
    )
    return set(rows)


async def recruited(session: AsyncSession, shift: Shift, activity: Activity) -> set[int]:
    found = await session.scalars(recruiting.audience(shift, activity, now=NOW, policy=POLICY))
    ids = {volunteer.id for volunteer in found}
    # An admin's one-tap call reaches exactly these (a coordinator's, those of their teams).
    size = await shift_call.reach(session, shift, activity, ADMIN_SCOPE, now=NOW, policy=POLICY)
    assert size == len(ids)
    return ids


async def test_muting_and_unmuting_a_theme_is_stored_and_audited(session: AsyncSession) -> None:
    events, elderly = await theme(session, "events"), await theme(session, "elderly")
    volunteer = await make_volunteer(session, themes=[events, elderly])

    assert await mute(session, volunteer, events) is True
    assert await stored(session, volunteer) == {events.id}
    assert await mute(session, volunteer, events) is False  # already muted: nothing to record
    assert await mute(session, volunteer, elderly) is True
    assert await stored(session, volunteer) == {events.id, elderly.id}
    assert await mute(session, volunteer, events, on=False) is True
    assert await stored(session, volunteer) == {elderly.id}
    assert await mute(session, volunteer, events, on=False) is False

    entries = list(
        await session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "volunteer.muted_themes_set")
            .order_by(AuditEntry.id)
        )
    )
    assert [(e.actor_telegram_id, e.target_id) for e in entries] == [
        (volunteer.telegram_id, volunteer.id)
    ] * 3
    assert [(e.before, e.after) for e in entries] == [
        ({"muted_themes": []}, {"muted_themes": [events.id]}),
        ({"muted_themes": [events.id]}, {"muted_themes": sorted([events.id, elderly.id])}),
        ({"muted_themes": sorted([events.id, elderly.id])}, {"muted_themes": [elderly.id]}),
    ]


async def test_a_muted_theme_keeps_a_volunteer_out_of_calls_for_its_shifts_only(
    session: AsyncSession,
) -> None:
    events, elderly = await theme(session, "events"), await theme(session, "elderly")
    events_activity, (events_shift,) = await make_activity(session, shift_plan(at(days=2)))
    elderly_activity, (elderly_shift,) = await make_activity(
        session, shift_plan(at(days=3)), theme_id=elderly.id
    )
    muting = await make_volunteer(session, themes=[events, elderly])
    other = await make_volunteer(session, themes=[events, elderly])
    await mute(session, muting, events)

    assert await recruited(session, events_shift, events_activity) == {other.id}
    assert await recruited(session, elderly_shift, elderly_activity) == {muting.id, other.id}

    await mute(session, muting, events, on=False)
    assert await recruited(session, events_shift, events_activity) == {muting.id, other.id}


async def test_a_broadcast_about_a_muted_theme_skips_the_volunteer_but_others_reach_them(
    session: AsyncSession,
) -> None:
    events, elderly = await theme(session, "events"), await theme(session, "elderly")
    muting = await make_volunteer(session, themes=[events])
    await make_volunteer(session, themes=[events])
    await mute(session, muting, events)
    await session.flush()
    likes_events = Audience("themes", (events.id,))

    # A call about the muted theme, or to the volunteers of that theme, leaves them out ...
    assert await audience.count(session, likes_events, ADMIN, events.id) == 1
    assert await audience.count(session, likes_events, ADMIN, None) == 1
    assert await audience.count(session, Audience("everyone"), ADMIN, events.id) == 1
    # ... a call about another theme to everyone does not.
    assert await audience.count(session, Audience("everyone"), ADMIN, elderly.id) == 2
