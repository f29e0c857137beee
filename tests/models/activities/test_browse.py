"""Listing open activities a page at a time: the page and how many there are in all."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from models.activities.browse import Filters, open_activities
from tests.models.world import NOW, make_shift


async def test_each_page_knows_the_total_even_one_past_the_end(session: AsyncSession) -> None:
    for _ in range(3):
        await make_shift(session)

    async def page(number: int) -> tuple[int, int, bool]:
        found = await open_activities(
            session, Filters(), now=NOW, zone=ZoneInfo("Asia/Shanghai"), page=number, size=2
        )
        return len(found.activities), found.total, found.has_next(2)

    assert await page(0) == (2, 3, True)
    assert await page(1) == (1, 3, False)
    assert await page(2) == (0, 3, False)  # its activities closed since the list was shown
