"""A person's help requests are limited, so one person cannot flood the coordinators: so many
waiting for an answer or in hand at once, so many a day. The person is their Telegram account
(residents need not register)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import NotAllowed
from models.help_requests import triage
from models.help_requests.tables import HelpRequest, HelpRequestStatus
from tests.models.help_requests.test_triage import RESIDENT, district
from tests.models.world import NOW, theme

NEIGHBOUR = RESIDENT + 1


async def ask(session: AsyncSession, requester: int, *, minutes: int = 0) -> HelpRequest:
    asked = triage.Asked(
        theme_id=(await theme(session, "elderly")).id,
        description="Shopping carried upstairs.",
        district_id=await district(session, "haicang"),
        preferred_time="Saturday",
        contact="138 0000 1111",
    )
    now = NOW + timedelta(minutes=minutes)
    request, _ = await triage.create(session, requester, asked, now=now)
    return request


async def test_at_most_so_many_open_requests_per_person(session: AsyncSession) -> None:
    made = [await ask(session, RESIDENT, minutes=i) for i in range(triage.OPEN_PER_PERSON)]
    with pytest.raises(NotAllowed) as refused:
        await ask(session, RESIDENT, minutes=10)
    assert refused.value.code == "help_too_many_open"
    assert refused.value.params == {"limit": triage.OPEN_PER_PERSON}
    # Someone else is not held back; an answered request frees a place.
    await ask(session, NEIGHBOUR, minutes=10)
    made[0].status = HelpRequestStatus.DONE
    await ask(session, RESIDENT, minutes=11)


async def test_at_most_so_many_requests_a_day_per_person(session: AsyncSession) -> None:
    for i in range(triage.PER_DAY):
        request = await ask(session, RESIDENT, minutes=60 * i)
        request.status = HelpRequestStatus.DECLINED  # answered: only the daily limit holds
    with pytest.raises(NotAllowed) as refused:
        await triage.check_limits(session, RESIDENT, now=NOW + timedelta(hours=23))
    assert refused.value.code == "help_too_many_today"
    # The next is possible once the first of them is a day old.
    assert refused.value.params == {"limit": triage.PER_DAY, "after": NOW + timedelta(days=1)}
    with pytest.raises(NotAllowed):
        await ask(session, RESIDENT, minutes=24 * 60 - 1)
    await ask(session, RESIDENT, minutes=24 * 60)
