"""Benchmark: /nearby's handling time with a city's worth of activities and stations.

`python bench/nearby.py --requests 500` seeds a fresh database (SQLite in a scratch folder, or
`--database-url`, e.g. the PostgreSQL of scripts/with-postgres) with `--activities` published
activities (10,000), each pinned at a random spot of a 25 km × 25 km city with a shift to come
and places open, and `--stations` stations (103). It then hands the bot's dispatcher — the
framework-independent handling of one update: its transaction, the conversation state, the
router, the handler and the reply's actions, but no Telegram — N location updates from random
spots of the city, as someone with no shift to check in to shares their location, and times
each. In the same run, two baselines: the same number of /help updates (a handler that reads
nothing: the dispatch's own cost), and the nearby query itself with and without its bounding
box on the indexed latitude and longitude (what the prefilter saves).

Progress goes to stderr; the last line on stdout is one JSON object. README, "Benchmarks",
explains the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import secrets
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import in_data_dir, percentile, say
from sqlalchemy import insert, select, text

from bot.app import build_dispatcher
from bot.settings import Settings
from handlers.events import Incoming, Location, Sender, SendMessage
from migrations import upgrade
from models.activities.browse import Filters
from models.activities.tables import Activity, Shift
from models.clock import ManualClock
from models.db import create_engine, is_sqlite, session_factory
from models.reference import Theme
from models.stations import nearby
from models.stations.tables import Station
from models.teams import roles

# Xiamen's island and the mainland shore across: about 25 km by 25 km.
SOUTH, NORTH, WEST, EAST = 24.40, 24.625, 117.98, 118.225
NOW = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
CHUNK = 2000
GOAL_P99_MS = 50.0
SEED = 20261203


def spot(rng: random.Random) -> tuple[float, float]:
    return rng.uniform(SOUTH, NORTH), rng.uniform(WEST, EAST)


async def seed(url: str, activities: int, stations: int, rng: random.Random) -> None:
    """The city: one team, `activities` pinned activities with a shift to come (capacity 10,
    nobody signed up), `stations` stations."""
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session, session.begin():
            team = await roles.create_team(session, "City Team", now=NOW)
            themes = list(await session.scalars(select(Theme.id)))
            for first in range(0, activities, CHUNK):
                rows = []
                for i in range(first, min(first + CHUNK, activities)):
                    lat, lon = spot(rng)
                    rows.append(
                        {
                            "id": i + 1,
                            "team_id": team.id,
                            "theme_id": themes[i % len(themes)],
                            "title": f"Activity {i + 1}",
                            "address": f"{i + 1} Somewhere Road",
                            "latitude": lat,
                            "longitude": lon,
                            "status": "published",
                            "link_token": secrets.token_urlsafe(16),
                            "created_by": 0,
                            "created_at": NOW,
                            "updated_at": NOW,
                        }
                    )
                await session.execute(insert(Activity), rows)
                starts = [NOW + timedelta(days=1 + (row["id"] % 20)) for row in rows]
                await session.execute(
                    insert(Shift),
                    [
                        {
                            "activity_id": row["id"],
                            "starts_at": start,
                            "ends_at": start + timedelta(hours=3),
                            "capacity": 10,
                            "status": "open",
                        }
                        for row, start in zip(rows, starts, strict=True)
                    ],
                )
            await session.execute(
                insert(Station),
                [
                    {
                        "name": f"Station {s + 1}",
                        "address": f"{s + 1} Station Road",
                        "latitude": lat,
                        "longitude": lon,
                        "opening_hours": "",
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                    for s, (lat, lon) in enumerate(spot(rng) for _ in range(stations))
                ],
            )
        if not is_sqlite(url):
            # As autovacuum would soon: PostgreSQL plans a fresh table's 10,000 rows as a few.
            async with engine.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                await connection.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


async def timed(count: int, one: Callable[[int], Awaitable[object]]) -> list[float]:
    """Milliseconds each of `count` calls of `one(i)` took, after a few warm-up calls."""
    for i in range(5):
        await one(-1 - i)
    times = []
    for i in range(count):
        started = time.perf_counter()
        await one(i)
        times.append((time.perf_counter() - started) * 1000)
    return times


def figures(times: list[float]) -> dict[str, float]:
    return {"p50_ms": round(percentile(times, 0.5), 2), "p99_ms": round(percentile(times, 0.99), 2)}


def run(args: argparse.Namespace) -> dict[str, Any]:
    url = args.database_url or f"sqlite+aiosqlite:///{Path(args.data_dir) / 'nearby.db'}"
    say(f"migrating, then seeding {args.activities} activities and {args.stations} stations")
    upgrade(url)  # runs its own event loop
    return asyncio.run(measure(args, url))


async def measure(args: argparse.Namespace, url: str) -> dict[str, Any]:
    rng = random.Random(SEED)
    await seed(url, args.activities, args.stations, rng)
    settings = Settings(_env_file=None, database_url=url, default_language="en")  # type: ignore[call-arg]
    engine = create_engine(url)
    sessions = session_factory(engine)
    dispatcher = build_dispatcher(settings, sessions, ManualClock(NOW))
    spots = [spot(rng) for _ in range(args.requests + 10)]
    listed: list[int] = []
    updates = iter(range(1, 10**9))

    def event(i: int, **payload: Any) -> Incoming:
        user = 500_000 + i % 1000  # many people, each their own turn and state
        return Incoming(next(updates), Sender(user, "Someone"), user, **payload)

    async def share(i: int) -> None:
        actions = await dispatcher.handle(event(i, location=Location(*spots[i])))
        assert actions is not None
        texts = [a.text for a in actions if isinstance(a, SendMessage)]
        listed.append(sum(1 for line in texts[-1].splitlines() if line[:1].isdigit()))

    async def trivial(i: int) -> None:
        await dispatcher.handle(event(i, text="/help"))

    radius = dispatcher.services.deployment.nearby_radius_m

    def query(box: bool) -> Callable[[int], Awaitable[object]]:
        async def one(i: int) -> object:
            async with sessions() as session, session.begin():
                return await nearby.nearby(
                    session, *spots[i], Filters(), radius_m=radius, now=NOW,
                    zone=settings.zone, page=0, size=5, box=box,
                )  # fmt: skip

        return one

    try:
        say(f"{args.requests} shared locations through the dispatcher")
        handled = await timed(args.requests, share)
        say(f"{args.requests} /help through the dispatcher (baseline)")
        baseline = await timed(args.requests, trivial)
        say("the nearby query with and without its bounding box")
        boxed = await timed(args.requests, query(box=True))
        unboxed = await timed(args.requests, query(box=False))
    finally:
        await engine.dispose()
    result = {
        "database": "sqlite" if url.startswith("sqlite") else "postgres",
        "activities": args.activities,
        "stations": args.stations,
        "requests": args.requests,
        "radius_km": radius / 1000,
        "listed_mean": round(sum(listed) / len(listed), 1),
        "nearby": figures(handled),
        "help_baseline": figures(baseline),
        "query_box": figures(boxed),
        "query_no_box": figures(unboxed),
    }
    result["nearby_vs_help_p99"] = round(percentile(handled, 0.99) / percentile(baseline, 0.99), 2)
    result["no_box_vs_box_p99"] = round(percentile(unboxed, 0.99) / percentile(boxed, 0.99), 2)
    result["goal_p99_ms"] = GOAL_P99_MS
    result["goal_met"] = result["nearby"]["p99_ms"] < GOAL_P99_MS
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--stations", type=int, default=103)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--database-url", help="a fresh, empty database (default: SQLite)")
    parser.add_argument("--data-dir", help="where the SQLite file goes (default: a scratch one)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()
    result = in_data_dir(args, run)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
