"""Activities at a station end to end, through both frameworks and both databases: a coordinator
whose team is linked to a station publishes one activity there by /new_activity (the station's
button in place of the address) and one by /import (its `station` column, the address left
empty); a volunteer's card of each names the station."""

from __future__ import annotations

from sqlalchemy import select

from bot.local.harness import RunningBot
from models.activities.tables import Activity
from models.reference import District
from models.stations import stations
from models.stations.stations import StationPlan
from tests.e2e import steps
from tests.e2e.publishing.test_new_activity import add_shift

PARK = ("Park station", "45 Gongyuan South Road", 24.4636, 118.0879)
IMPORTED = (
    "activity,title,theme,team,address,station,date,time,places\n"
    "tea,Tea at the station,elderly,Haicang Team,,Park station,2026-05-16,09:00-12:00,5\n"
)


async def test_activities_published_at_a_station_show_it(bot: RunningBot) -> None:
    carol = await steps.registered(bot, 9001)
    team = await steps.make_coordinator(bot, 9001)
    async with steps.database(bot) as session:
        siming = await session.scalar(select(District.id).where(District.code == "siming"))
        await stations.save(
            session,
            StationPlan(*PARK, district_id=siming, team_ids=[team]),
            station_id=None,
            actor=9001,
            may_link=[team],
            now=bot.clock.now(),
        )

    await carol.send("/new_activity")
    await carol.send("Reading corner")
    await carol.press("Skip ➡️")
    await carol.press("Environmental protection")
    reply = await carol.press("Haicang")
    assert reply.last.button_labels() == ["📍 At a station: Park station"]
    reply = await carol.press("📍 At a station: Park station")
    assert "Shift 1: on which day?" in reply.text  # no address, no pin asked
    await add_shift(carol, "01-10", "09:00-12:00", "5")
    await carol.press("Done with shifts ➡️")
    await carol.press("Until each shift starts")
    await carol.press("No minimum age")
    await carol.press("No")
    reply = await carol.press("None")
    assert "Place: 🏠 Park station · 45 Gongyuan South Road (📍 pin on the map)" in reply.text
    assert "District: Siming" in reply.text  # the station's, over the one chosen
    await carol.press("✅ Publish")

    reply = await carol.send("/import")
    reply = await carol.upload("activities.csv", IMPORTED.encode(), "text/csv")
    assert "Activities published from the file: 1" in reply.text

    async with steps.database(bot) as session:
        found = await session.scalars(select(Activity).order_by(Activity.id))
        assert [(a.title, a.address, a.latitude, a.district_id) for a in found] == [
            ("Reading corner", PARK[1], PARK[2], siming),
            ("Tea at the station", PARK[1], PARK[2], siming),
        ]

    alice = await steps.registered(bot, 2001)
    await alice.send("/activities")
    reply = await alice.press("2. Reading corner")
    assert "🏠 Park station · 45 Gongyuan South Road" in reply.text
    await alice.send("/activities")
    reply = await alice.press("1. Tea at the station")
    assert "🏠 Park station · 45 Gongyuan South Road" in reply.text
