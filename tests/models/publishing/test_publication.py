"""Publishing activities from a plan, and cancelling their shifts."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities import signup
from models.activities.tables import Activity, Shift
from models.audit import AuditEntry
from models.errors import Conflict, InvalidInput
from models.publishing import publication
from models.publishing.publication import ActivityPlan, ShiftPlan
from tests.models.world import (
    COORDINATOR,
    NOW,
    POLICY,
    at,
    make_activity,
    make_volunteers,
    plan,
    shift_plan,
    statuses,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def valid_plan() -> ActivityPlan:
    """A plan that passes every check (no database needed to check one)."""
    return ActivityPlan(
        title="Beach clean-up",
        description="Bring gloves.",
        theme_id=1,
        team_id=1,
        address="Huandao Road 1",
        shifts=[shift_plan(at(days=2)), shift_plan(at(days=1))],
        signup_deadline=at(days=1),
    )


def with_shift(**changes: Any) -> Callable[[ActivityPlan], ActivityPlan]:
    return lambda p: replace(p, shifts=[replace(p.shifts[0], **changes), p.shifts[1]])


@pytest.mark.parametrize(
    ("change", "code", "params"),
    [
        (lambda p: replace(p, title="   "), "title_empty", {}),
        (lambda p: replace(p, title="x" * 129), "title_too_long", {"max": 128}),
        (lambda p: replace(p, address=""), "address_empty", {}),
        (lambda p: replace(p, address="x" * 257), "address_too_long", {"max": 256}),
        (lambda p: replace(p, description="x" * 2001), "description_too_long", {"max": 2000}),
        (lambda p: replace(p, theme_id=None), "theme_missing", {}),
        (lambda p: replace(p, team_id=None), "team_missing", {}),
        (lambda p: replace(p, shifts=[]), "shifts_missing", {}),
        (
            lambda p: replace(p, shifts=[shift_plan(at(days=1 + n)) for n in range(21)]),
            "shifts_too_many",
            {"max": 20},
        ),
        (with_shift(starts_at=NOW), "shift_in_past", {}),
        (with_shift(ends_at=at(days=2)), "time_range_order", {}),
        (with_shift(ends_at=at(days=2, hours=-1)), "time_range_order", {}),
        (with_shift(capacity=0), "capacity_invalid", {"low": 1, "high": 10_000}),
        (with_shift(capacity=10_001), "capacity_invalid", {"low": 1, "high": 10_000}),
        (lambda p: replace(p, signup_deadline=NOW), "deadline_past", {}),
        (lambda p: replace(p, signup_deadline=at(days=2, hours=1)), "deadline_after_shifts", {}),
    ],
)
def test_a_plan_is_refused_naming_its_problem(
    change: Callable[[ActivityPlan], ActivityPlan], code: str, params: dict[str, Any]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        publication.check_plan(change(valid_plan()), now=NOW)
    assert (refused.value.code, refused.value.params) == (code, params)


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p,
        lambda p: replace(p, title="x" * 128, address="x" * 256, description="x" * 2000),
        lambda p: replace(p, shifts=[shift_plan(at(days=1 + n)) for n in range(20)]),
        lambda p: replace(p, signup_deadline=at(days=2)),  # as the last shift starts
        lambda p: replace(p, signup_deadline=None),
        with_shift(capacity=10_000),
    ],
)
def test_a_plan_at_the_limits_is_accepted(change: Callable[[ActivityPlan], ActivityPlan]) -> None:
    publication.check_plan(change(valid_plan()), now=NOW)


async def test_publish_writes_the_activity_and_its_shifts_in_order(
    session: AsyncSession,
) -> None:
    planned = await plan(
        session,
        shift_plan(at(days=3), capacity=5),
        shift_plan(at(days=1), hours=2, capacity=1),
        shift_plan(at(days=2), capacity=3),
        title="  Beach clean-up ",
        address=" Huandao Road 1 ",
        min_age=16,
    )

    activity = await publication.publish(session, planned, created_by=COORDINATOR, now=NOW)

    assert (activity.title, activity.address, activity.status, activity.min_age) == (
        "Beach clean-up",
        "Huandao Road 1",
        "published",
        16,
    )
    assert re.fullmatch(r"[A-Za-z0-9_-]{12}", activity.link_token)
    assert await publication.find_by_token(session, activity.link_token) is activity
    shifts = await publication.shifts_of(session, activity.id)
    assert [(s.starts_at, s.ends_at, s.capacity, s.status) for s in shifts] == [
        (at(days=1), at(days=1, hours=2), 1, "open"),
        (at(days=2), at(days=2, hours=3), 3, "open"),
        (at(days=3), at(days=3, hours=3), 5, "open"),
    ]
    # Written in order of start, so the ids follow the times too.
    assert [s.id for s in shifts] == sorted(s.id for s in shifts)
    entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "activity.publish"))
    assert entry is not None
    assert (entry.actor_telegram_id, entry.target_id, entry.after) == (
        COORDINATOR,
        activity.id,
        {"title": "Beach clean-up", "shifts": 3},
    )


async def test_publish_refuses_a_bad_plan_and_writes_nothing(session: AsyncSession) -> None:
    planned = await plan(session, shift_plan(NOW - timedelta(hours=1)))
    with pytest.raises(InvalidInput) as refused:
        await publication.publish(session, planned, created_by=COORDINATOR, now=NOW)
    assert refused.value.code == "shift_in_past"
    assert await session.scalar(select(func.count()).select_from(Activity)) == 0
    assert await session.scalar(select(func.count()).select_from(Shift)) == 0


async def test_each_activity_gets_its_own_link(session: AsyncSession) -> None:
    tokens = {(await make_activity(session))[0].link_token for _ in range(20)}
    assert len(tokens) == 20


@pytest.mark.parametrize(
    "planned",
    [
        valid_plan(),
        ActivityPlan(),
        replace(
            valid_plan(),
            district_id=3,
            latitude=24.4798,
            longitude=118.0894,
            shifts=[
                ShiftPlan(
                    at(days=1).astimezone(SHANGHAI), at(days=1, hours=4).astimezone(SHANGHAI), 7
                )
            ],
            signup_deadline=at(hours=12).astimezone(SHANGHAI),
            min_age=18,
            require_real_name=True,
            required_theme_id=5,
        ),
    ],
)
def test_a_plan_survives_a_json_round_trip(planned: ActivityPlan) -> None:
    again = ActivityPlan.from_json(json.loads(json.dumps(planned.to_json())))
    assert again == planned
    assert [s.starts_at.utcoffset() for s in again.shifts] == [
        s.starts_at.utcoffset() for s in planned.shifts
    ]


# ---- cancelling shifts -----------------------------------------------------------------------


async def test_cancelling_one_shift_keeps_the_activity(session: AsyncSession) -> None:
    activity, (first, second) = await make_activity(
        session, shift_plan(at(days=1)), shift_plan(at(days=2))
    )
    on_first, on_second = await make_volunteers(session, 2)
    await signup.sign_up(session, on_first, first.id, now=NOW, policy=POLICY)
    await signup.sign_up(session, on_second, second.id, now=NOW, policy=POLICY)

    told = await publication.cancel_shifts(
        session, activity, [first.id], actor=COORDINATOR, reason=" Rain ", now=at(hours=1)
    )

    assert [(a.telegram_id, a.language, a.shift_id, a.status) for a in told] == [
        (on_first.telegram_id, "en", first.id, "confirmed")
    ]
    assert [s.status for s in await publication.shifts_of(session, activity.id)] == [
        "cancelled",
        "open",
    ]
    assert (activity.status, activity.updated_at) == ("published", at(hours=1))
    assert await statuses(session, first.id) == {on_first.id: "cancelled"}
    assert await statuses(session, second.id) == {on_second.id: "confirmed"}
    entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "shift.cancel"))
    assert entry is not None and entry.after == {
        "shift_ids": [first.id],
        "reason": "Rain",
        "told": 1,
    }


@pytest.mark.parametrize("one_by_one", [False, True])
async def test_cancelling_every_shift_cancels_the_activity(
    session: AsyncSession, one_by_one: bool
) -> None:
    activity, shifts = await make_activity(session, shift_plan(at(days=1)), shift_plan(at(days=2)))
    batches = [[s.id] for s in shifts] if one_by_one else [[s.id for s in shifts]]
    for batch in batches:
        await publication.cancel_shifts(
            session, activity, batch, actor=COORDINATOR, reason="Storm", now=NOW
        )

    assert activity.status == "cancelled"
    assert [s.status for s in await publication.shifts_of(session, activity.id)] == [
        "cancelled",
        "cancelled",
    ]
    entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "activity.cancel"))
    assert entry is not None and entry.after is not None
    assert entry.after["shift_ids"] == batches[-1]
    with pytest.raises(Conflict) as refused:
        await publication.cancel_shifts(
            session, activity, [shifts[0].id], actor=COORDINATOR, reason="Again", now=NOW
        )
    assert refused.value.code == "activity_cancelled"


async def test_cancelling_needs_a_reason_and_a_shift_of_the_activity_still_open(
    session: AsyncSession,
) -> None:
    activity, (first, _) = await make_activity(
        session, shift_plan(at(days=1)), shift_plan(at(days=2))
    )
    other_shift = (await make_activity(session))[1][0]

    async def code(shift_ids: list[int], reason: str = "Rain") -> str:
        with pytest.raises((InvalidInput, Conflict)) as refused:
            await publication.cancel_shifts(
                session, activity, shift_ids, actor=COORDINATOR, reason=reason, now=NOW
            )
        return refused.value.code

    assert await code([first.id], reason="  ") == "reason_empty"
    assert await code([other_shift.id]) == "shift_cancelled"
    await publication.cancel_shifts(
        session, activity, [first.id], actor=COORDINATOR, reason="Rain", now=NOW
    )
    assert await code([first.id]) == "shift_cancelled"
    assert other_shift.status == "open"
