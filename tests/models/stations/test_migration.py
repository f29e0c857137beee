"""The stations migration (0017) upgrades a database made by the code before it with its
activities intact: none at a station, every pin where it was."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from migrations import upgrade
from models.db import create_engine


async def test_stations_arrive_with_the_activities_kept(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await asyncio.to_thread(upgrade, url, "0013")  # Alembic runs its own event loop
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO teams (id, name, description, join_token, created_at)"
                    " VALUES (1, 'Haicang Team', '', 'join', '2026-01-01')"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO activities (id, team_id, theme_id, title, description, address,"
                    " latitude, longitude, require_real_name, require_insurance, status,"
                    " link_token, created_by, created_at, updated_at) VALUES (1, 1, 1,"
                    " 'Beach clean-up', '', 'Baicheng Beach', 24.4366, 118.0994, 0, 0,"
                    " 'published', 'token', 0, '2026-01-01', '2026-01-01')"
                )
            )
        await asyncio.to_thread(upgrade, url, "head")
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT title, latitude, longitude, station_id FROM activities")
            )
            assert rows.all() == [("Beach clean-up", 24.4366, 118.0994, None)]
            stations = await connection.execute(text("SELECT count(*) FROM stations"))
            assert stations.scalar() == 0
    finally:
        await engine.dispose()
