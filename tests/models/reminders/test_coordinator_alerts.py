"""Coordinators' alerts without Telegram: shifts short of people shortly before they start, and
the daily digest of tomorrow's shifts; each once only."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from models.activities import signup
from models.activities.tables import Activity
from models.reminders import coordinator_alerts
from models.reminders.coordinator_alerts import AlertPolicy
from models.teams import roles
from tests.models.world import (
    NOW,
    POLICY,
    at,
    make_activity,
    make_team,
    make_volunteers,
    shift_plan,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")  # NOW is 09:00 there on Monday 5 January 2026
ALERTS = AlertPolicy()


async def short_ids(session: AsyncSession, now: datetime) -> list[int]:
    found = await coordinator_alerts.short_shifts(session, now=now, policy=ALERTS)
    return [short.shift.id for short in found]


async def test_a_shift_short_of_people_48_hours_before_is_alerted_once(
    session: AsyncSession,
) -> None:
    _, (soon, later) = await make_activity(
        session, shift_plan(at(hours=60), capacity=2), shift_plan(at(hours=100), capacity=2)
    )
    (volunteer,) = await make_volunteers(session, 1)
    await signup.sign_up(session, volunteer, soon.id, now=NOW, policy=POLICY)

    assert await short_ids(session, at(hours=11)) == []  # 49 hours before
    found = await coordinator_alerts.short_shifts(session, now=at(hours=12), policy=ALERTS)
    assert [(s.shift.id, s.held) for s in found] == [(soon.id, 1)]
    assert await short_ids(session, at(hours=13)) == []  # never twice
    assert await short_ids(session, at(hours=52)) == [later.id]


async def test_a_full_shift_is_alerted_only_when_a_place_comes_free(
    session: AsyncSession,
) -> None:
    _, (shift,) = await make_activity(session, shift_plan(at(hours=40), capacity=1))
    (volunteer,) = await make_volunteers(session, 1)
    placed = await signup.sign_up(session, volunteer, shift.id, now=NOW, policy=POLICY)
    assert await short_ids(session, at(hours=1)) == []
    await signup.cancel(session, volunteer, placed.signup.id, now=at(hours=2), policy=POLICY)
    assert await short_ids(session, at(hours=3)) == [shift.id]


async def test_closed_cancelled_started_shifts_and_a_policy_off_alert_nothing(
    session: AsyncSession,
) -> None:
    _, (started, closed, cancelled) = await make_activity(
        session, shift_plan(at(hours=10)), shift_plan(at(hours=11)), shift_plan(at(hours=1))
    )
    closed.status, cancelled.status = "closed", "cancelled"
    await session.flush()
    assert await short_ids(session, at(hours=2)) == []
    assert (
        await coordinator_alerts.short_shifts(
            session, now=NOW, policy=AlertPolicy(short_before=None)
        )
        == []
    )
    assert await short_ids(session, NOW) == [started.id]  # before it started, it was short


async def test_the_alert_row_makes_it_once_only_across_processes(session: AsyncSession) -> None:
    assert await coordinator_alerts.claim(session, "short_shift", "7", now=NOW) is True
    assert await coordinator_alerts.claim(session, "short_shift", "7", now=NOW) is False
    assert await coordinator_alerts.claim(session, "digest", "7", now=NOW) is True


# ---- the digest ------------------------------------------------------------------------------


def shanghai(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


async def coordinated_activity(
    session: AsyncSession, coordinator: int, *starts: datetime, capacity: int = 2
) -> tuple[Activity, list[int]]:
    team = await make_team(session)
    await roles.grant(session, coordinator, "coordinator", team=team, now=NOW)
    activity, shifts = await make_activity(
        session, *(shift_plan(s, capacity=capacity) for s in starts), team_id=team.id
    )
    return activity, [shift.id for shift in shifts]


async def test_each_coordinator_gets_tomorrow_s_shifts_of_their_teams_once_a_day(
    session: AsyncSession,
) -> None:
    # Tomorrow in Shanghai is Tuesday 6 January, from 5 January 16:00 UTC.
    _, (today, early, day_after) = await coordinated_activity(
        session, 501, shanghai(6, 0, 30), shanghai(5, 23), shanghai(7, 9)
    )
    _, (late,) = await coordinated_activity(session, 501, shanghai(6, 20))
    await roles.grant(session, 502, "coordinator", team=await make_team(session), now=NOW)
    _, (other,) = await coordinated_activity(session, 503, shanghai(6, 9), capacity=1)
    a, b = await make_volunteers(session, 2)
    await signup.sign_up(session, a, other, now=NOW, policy=POLICY)
    await signup.sign_up(session, b, other, now=NOW, policy=POLICY)

    digest = await coordinator_alerts.digests_due(
        session, now=shanghai(5, 17, 59), policy=ALERTS, zone=SHANGHAI
    )
    assert digest == []
    sent = await coordinator_alerts.digests_due(
        session, now=shanghai(5, 18), policy=ALERTS, zone=SHANGHAI
    )
    lines = {
        d.telegram_id: [(line.shift.id, line.load.held, line.load.waiting) for line in d.lines]
        for d in sent
    }
    assert lines == {501: [(early, 0, 0), (late, 0, 0)], 503: [(other, 1, 1)]}
    assert {today, day_after}.isdisjoint(shift_id for shift_id, *_ in lines[501])
    again = await coordinator_alerts.digests_due(
        session, now=shanghai(5, 23), policy=ALERTS, zone=SHANGHAI
    )
    assert again == []
    next_day = await coordinator_alerts.digests_due(
        session, now=shanghai(6, 18), policy=ALERTS, zone=SHANGHAI
    )
    assert [(d.telegram_id, [line.shift.id for line in d.lines]) for d in next_day] == [
        (501, [day_after])
    ]


async def test_no_digest_time_no_digest(session: AsyncSession) -> None:
    await coordinated_activity(session, 501, shanghai(6, 9))
    off = AlertPolicy(digest_at=None)
    assert (
        await coordinator_alerts.digests_due(
            session, now=shanghai(5, 20), policy=off, zone=SHANGHAI
        )
        == []
    )
    early = AlertPolicy(digest_at=time(7, 0))
    sent = await coordinator_alerts.digests_due(
        session, now=shanghai(5, 7), policy=early, zone=SHANGHAI
    )
    assert [d.telegram_id for d in sent] == [501]
