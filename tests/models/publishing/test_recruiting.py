"""Who a call for volunteers reaches: only those who like the theme, qualify for the shift, are
free then, have not muted calls and are not on the shift already."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities import signup
from models.activities.tables import Activity, Shift
from models.broadcasts import shift_call
from models.broadcasts.audience import Scope
from models.publishing import recruiting
from models.registration.tables import Volunteer
from tests.models.world import (
    NOW,
    POLICY,
    at,
    make_activity,
    make_volunteer,
    no_show,
    shift_plan,
    theme,
)

ADMIN_SCOPE = Scope(admin=True, team_ids=())


async def reached(session: AsyncSession, shift: Shift, activity: Activity) -> set[int]:
    found = await session.scalars(recruiting.audience(shift, activity, now=NOW, policy=POLICY))
    # An admin's one-tap call reaches exactly these (a coordinator's, those of their teams).
    size = await shift_call.reach(session, shift, activity, ADMIN_SCOPE, now=NOW, policy=POLICY)
    ids = {volunteer.id for volunteer in found}
    assert size == len(ids)
    return ids


async def fan(session: AsyncSession, **fields: object) -> Volunteer:
    """A volunteer who likes the `events` theme (the world's activities have it)."""
    return await make_volunteer(session, themes=[await theme(session, "events")], **fields)  # type: ignore[arg-type]


async def test_the_audience_leaves_out_whoever_should_not_be_asked(session: AsyncSession) -> None:
    activity, (shift,) = await make_activity(session, shift_plan(at(days=2), capacity=5))
    asked = await fan(session)
    await make_volunteer(session, themes=[await theme(session, "elderly")])  # another theme
    muted = await fan(session)
    muted.mute_recruitment = True
    blocked_us = await fan(session)
    blocked_us.reachable = False
    on_shift = await fan(session)
    await signup.sign_up(session, on_shift, shift.id, now=NOW, policy=POLICY)
    left = await fan(session)
    placed = await signup.sign_up(session, left, shift.id, now=NOW, policy=POLICY)
    await signup.cancel(session, left, placed.signup.id, now=NOW, policy=POLICY)
    _, (overlapping,) = await make_activity(session, shift_plan(at(days=2, hours=2)))
    busy = await fan(session)
    await signup.sign_up(session, busy, overlapping.id, now=NOW, policy=POLICY)
    _, (later,) = await make_activity(session, shift_plan(at(days=2, hours=3)))
    free_after = await fan(session)  # a shift right after this one is no clash
    await signup.sign_up(session, free_after, later.id, now=NOW, policy=POLICY)
    await session.flush()

    assert await reached(session, shift, activity) == {asked.id, free_after.id}


async def test_a_real_name_activity_calls_only_verified_volunteers(
    session: AsyncSession,
) -> None:
    activity, (shift,) = await make_activity(session, require_real_name=True)
    verified = await fan(session, real_name=True)
    await fan(session)
    assert await reached(session, shift, activity) == {verified.id}


@pytest.mark.parametrize(
    ("birth_date", "asked"),
    [
        (date(2008, 1, 7), True),  # 18 on the shift's day (7 January 2026)
        (date(2008, 1, 8), False),  # 18 the day after
        (None, False),  # age unknown
    ],
)
async def test_a_minimum_age_counts_the_shift_s_day(
    session: AsyncSession, birth_date: date | None, asked: bool
) -> None:
    activity, (shift,) = await make_activity(session, shift_plan(at(days=2)), min_age=18)
    volunteer = await fan(session, birth_date=birth_date)
    assert (volunteer.id in await reached(session, shift, activity)) is asked


def test_someone_born_on_29_february_comes_of_age_on_the_28th_in_other_years() -> None:
    assert recruiting.born_by(date(2026, 2, 28), 18) == date(2008, 2, 28)
    assert recruiting.born_by(date(2028, 2, 29), 18) == date(2010, 2, 28)
    assert signup.age_on(date(2010, 2, 28), date(2028, 2, 29)) == 18


async def test_a_required_skill_narrows_the_call(session: AsyncSession) -> None:
    health = await theme(session, "health")
    activity, (shift,) = await make_activity(session, required_theme_id=health.id)
    skilled = await make_volunteer(session, themes=[await theme(session, "events"), health])
    await fan(session)
    assert await reached(session, shift, activity) == {skilled.id}


async def test_volunteers_blocked_for_no_shows_are_not_called(session: AsyncSession) -> None:
    activity, (shift,) = await make_activity(session, shift_plan(at(days=2)))
    blocked = await fan(session)
    for days in (3, 2, 1):
        await no_show(session, blocked, at(days=-days))
    once = await fan(session)
    await no_show(session, once, at(days=-1))
    assert await reached(session, shift, activity) == {once.id}
    everyone = await session.scalars(
        recruiting.audience(shift, activity, now=NOW, policy=replace(POLICY, no_show_limit=0))
    )
    assert {v.id for v in everyone} == {blocked.id, once.id}
