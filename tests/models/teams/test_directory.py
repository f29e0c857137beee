"""The team directory's page query without Telegram, on both databases: teams by district and by
the themes of their published activities, a page at a time, each card's members, activities and
confirmed hours this year — all in one statement."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities.tables import ServiceRecord, Signup, SignupStatus
from models.reference import District
from models.teams import directory, membership
from models.teams.directory import Filters
from tests.models.world import (
    NOW,
    at,
    counting,
    make_activity,
    make_team,
    make_volunteers,
    shift_plan,
    theme,
)

ZONE = ZoneInfo("Asia/Shanghai")


async def district(session: AsyncSession, code: str) -> District:
    found = await session.scalar(select(District).where(District.code == code))
    assert found is not None
    return found


async def served(session: AsyncSession, shift_id: int, volunteer_id: int, **record: object) -> None:
    signup = Signup(
        shift_id=shift_id,
        volunteer_id=volunteer_id,
        status=SignupStatus.ATTENDED,
        queued_at=NOW,
        updated_at=NOW,
    )
    session.add(signup)
    await session.flush()
    session.add(ServiceRecord(signup_id=signup.id, **record))
    await session.flush()


async def test_a_page_of_cards_by_district_and_theme_in_one_query(db: AsyncSession) -> None:
    siming, huli = await district(db, "siming"), await district(db, "huli")
    events, elderly = await theme(db, "events"), await theme(db, "elderly")
    beach = await make_team(db, "Beach Keepers")
    elders = await make_team(db, "Elder Friends")
    quiet = await make_team(db, "Quiet Team")
    beach.district_id = elders.district_id = siming.id
    quiet.district_id = huli.id
    alice, bob, carol = await make_volunteers(db, 3)
    for volunteer in (alice, bob):
        await membership.join(db, volunteer, beach, now=NOW)
    await membership.ask_to_join(db, carol, beach, now=NOW)  # pending: not a member yet
    _, shifts = await make_activity(
        db, shift_plan(at(days=1)), shift_plan(at(days=2)), team_id=beach.id, theme_id=events.id
    )
    await served(
        db, shifts[0].id, alice.id, credited_minutes=120, honour_minutes=30, confirmed_at=NOW
    )
    await served(db, shifts[1].id, bob.id, credited_minutes=600)  # not confirmed: not counted
    # Elder Friends ran an elderly-care activity last year only: its theme, but nothing this year.
    _, (old,) = await make_activity(db, team_id=elders.id, theme_id=elderly.id)
    old.starts_at, old.ends_at = at(days=-30), at(days=-30, hours=3)
    await served(db, old.id, carol.id, credited_minutes=60, confirmed_at=NOW)
    await db.flush()

    with counting(db) as seen:
        first = await directory.page(db, Filters(), number=0, size=2, now=NOW, zone=ZONE)
    assert len(seen) == 1  # the page and every count on it: one statement, no query per team
    assert first.total == 5  # with the two teams `make_activity` makes on the way ("Team …")
    assert [(c.team.name, c.members, c.activities, c.minutes) for c in first.cards] == [
        ("Beach Keepers", 2, 1, 150),
        ("Elder Friends", 0, 0, 0),
    ]
    second = await directory.page(db, Filters(), number=1, size=2, now=NOW, zone=ZONE)
    assert second.cards[0].team.name == "Quiet Team"
    past_the_end = await directory.page(db, Filters(), number=5, size=2, now=NOW, zone=ZONE)
    assert (past_the_end.number, len(past_the_end.cards), past_the_end.total) == (2, 1, 5)

    async def names(filters: Filters) -> list[str]:
        found = await directory.page(db, filters, number=0, size=10, now=NOW, zone=ZONE)
        assert found.total == len(found.cards)
        return [card.team.name for card in found.cards]

    assert await names(Filters(district_id=siming.id)) == ["Beach Keepers", "Elder Friends"]
    assert await names(Filters(theme_id=elderly.id)) == ["Elder Friends"]
    assert await names(Filters(district_id=siming.id, theme_id=events.id)) == ["Beach Keepers"]
    assert await names(Filters(district_id=huli.id, theme_id=events.id)) == []

    # Next year, this year's figures start again.
    later = await directory.card(db, beach, now=NOW + timedelta(days=365), zone=ZONE)
    assert (later.members, later.activities, later.minutes) == (2, 0, 0)
    assert [t.code for t in await directory.themes_of(db, beach.id)] == ["events"]
    assert (await directory.card(db, quiet, now=NOW, zone=ZONE)).team.id == quiet.id
