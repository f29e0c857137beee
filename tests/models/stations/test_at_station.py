"""An activity at a station takes the station's address, pin and district unless it gives its
own."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.publishing import edit_activity
from models.reference import District
from models.stations import stations
from models.stations.stations import StationPlan
from tests.models.world import NOW, make_activity


async def test_an_activity_at_a_station_defaults_to_its_place(session: AsyncSession) -> None:
    siming = await session.scalar(select(District.id).where(District.code == "siming"))
    park = await stations.save(
        session,
        StationPlan("Park station", "45 Gongyuan South Road", 24.4636, 118.0879, siming),
        station_id=None,
        actor=1,
        may_link=[],
        now=NOW,
    )
    there, _ = await make_activity(session, station_id=park.id, address="")
    assert (there.station_id, there.address, there.latitude, there.longitude) == (
        park.id,
        "45 Gongyuan South Road",
        24.4636,
        118.0879,
    )
    assert there.district_id == siming
    own, _ = await make_activity(
        session, station_id=park.id, address="Gate 2", latitude=24.46, longitude=118.09
    )
    assert (own.address, own.latitude, own.longitude) == ("Gate 2", 24.46, 118.09)


async def test_a_new_address_typed_for_an_activity_at_a_station_leaves_the_station(
    session: AsyncSession,
) -> None:
    park = await stations.save(
        session,
        StationPlan("Park station", "45 Gongyuan South Road", 24.4636, 118.0879, None),
        station_id=None,
        actor=1,
        may_link=[],
        now=NOW,
    )
    there, _ = await make_activity(session, station_id=park.id, address="")
    await edit_activity.change_address(session, there, "Zhongshan Road 8", actor=1, now=NOW)
    # The card would otherwise say "🏠 Park station · Zhongshan Road 8".
    assert (there.station_id, there.address) == (None, "Zhongshan Road 8")
