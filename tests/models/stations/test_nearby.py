"""What is near a location: stations and activities with a place open, within the radius,
nearest first, the filters narrowing the activities; the same answer with and without the
bounding box (which only spares the database work)."""

from __future__ import annotations

import math
import random
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from models.activities import signup
from models.activities.browse import Filters, Period
from models.stations import nearby, stations
from models.stations.distance import METRES_PER_DEGREE
from models.stations.nearby import Kind
from models.stations.stations import StationPlan
from tests.models.world import NOW, POLICY, at, make_activity, make_volunteer, shift_plan, theme

ZONE = ZoneInfo("Asia/Shanghai")
HERE = (24.4591, 118.0879)  # Zhongshan Park
KM = 1 / 111.2  # about a kilometre of latitude, in degrees
ANY = Filters()


async def test_near_things_come_nearest_first_and_far_full_or_past_ones_not(
    db: AsyncSession,
) -> None:
    park = await stations.save(
        db,
        StationPlan("Park station", "Gongyuan South Road", HERE[0] + 0.5 * KM, HERE[1]),
        station_id=None,
        actor=1,
        may_link=[],
        now=NOW,
    )
    await stations.save(
        db,
        StationPlan("Far station", "Jimei", HERE[0] + 20 * KM, HERE[1]),
        station_id=None,
        actor=1,
        may_link=[],
        now=NOW,
    )
    near, _ = await make_activity(db, latitude=HERE[0] + 1.5 * KM, longitude=HERE[1])
    later, _ = await make_activity(
        db,
        shift_plan(at(days=20)),
        title="Library",
        latitude=HERE[0] - 3 * KM,
        longitude=HERE[1],
        theme_id=(await theme(db, "elderly")).id,
    )
    _, [full_shift] = await make_activity(
        db, shift_plan(at(days=1), capacity=1), latitude=HERE[0], longitude=HERE[1]
    )
    await signup.sign_up(db, await make_volunteer(db), full_shift.id, now=NOW, policy=POLICY)
    await make_activity(db, latitude=HERE[0] + 9 * KM, longitude=HERE[1])  # beyond 5 km
    await make_activity(db)  # no pin

    async def found(filters: Filters = ANY, *, box: bool = True) -> list[tuple[Kind, int, int]]:
        page = await nearby.nearby(
            db, *HERE, filters, radius_m=5000, now=NOW, zone=ZONE, page=0, size=10, box=box
        )
        return [(f.kind, f.id, round(f.metres, -2)) for f in page.found]

    everything = [
        (Kind.STATION, park.id, 500),
        (Kind.ACTIVITY, near.id, 1500),
        (Kind.ACTIVITY, later.id, 3000),
    ]
    assert await found() == everything
    assert await found(box=False) == everything
    elderly = (await theme(db, "elderly")).id
    assert await found(Filters(theme_id=elderly)) == [everything[0], everything[2]]
    assert await found(Filters(period=Period.WEEK)) == everything[:2]


async def test_pages_are_cut_from_the_nearest(db: AsyncSession) -> None:
    for i in range(5):
        await make_activity(
            db, title=f"A{i}", latitude=HERE[0] + (i + 1) * KM / 2, longitude=HERE[1]
        )

    async def page(number: int) -> tuple[list[str], int, bool]:
        found = await nearby.nearby(
            db, *HERE, Filters(), radius_m=5000, now=NOW, zone=ZONE, page=number, size=2
        )
        titles = [found.activities[f.id].title for f in found.found]
        return titles, found.total, found.has_next(2)

    assert await page(0) == (["A0", "A1"], 5, True)
    assert await page(2) == (["A4"], 5, False)
    assert await page(7) == (["A4"], 5, False)  # past the end: the last page


async def test_counted_and_ordered_as_the_great_circle_says_even_at_the_edge(
    db: AsyncSession,
) -> None:
    """Only a page's worth comes back from the database, ordered by a flat-earth distance:
    every page and the total are still those of reading every row and measuring it."""
    rng = random.Random(5)
    for i in range(24):
        reach, bearing = rng.uniform(0, 6) * KM, rng.uniform(0, 2 * math.pi)
        lat = HERE[0] + math.cos(bearing) * reach
        lon = HERE[1] + math.sin(bearing) * reach / math.cos(math.radians(HERE[0]))
        await make_activity(db, title=f"R{i}", latitude=lat, longitude=lon)
    for metres in (4998, 5002):  # due east: just inside, just outside
        east = metres / METRES_PER_DEGREE / math.cos(math.radians(HERE[0]))
        await make_activity(db, title=f"E{metres}", latitude=HERE[0], longitude=HERE[1] + east)

    async def page(number: int, *, box: bool) -> tuple[list[int], int]:
        found = await nearby.nearby(
            db, *HERE, ANY, radius_m=5000, now=NOW, zone=ZONE, page=number, size=3, box=box
        )
        return [f.id for f in found.found], found.total

    pages = [await page(n, box=False) for n in range(8)]
    assert [await page(n, box=True) for n in range(8)] == pages
    assert 10 < pages[0][1] < 26
