"""Checking in and out without Telegram: who may and when, the code, the distance from the venue,
the hours a check-out credits, refusals, and the reminder to check out."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import deployment_from
from bot.settings import Settings
from models.activities import offers, signup
from models.activities.tables import Shift
from models.attendance import checkin
from models.attendance.checkin import AttendancePolicy
from models.audit import AuditEntry
from models.errors import Conflict, NotAllowed, VolbotError
from models.publishing import edit_activity, publication
from models.registration.tables import Volunteer
from models.reminders import before_shift
from models.reminders.tables import Reminder
from tests.models.world import (
    COORDINATOR,
    NOW,
    POLICY,
    at,
    make_activity,
    make_shift,
    make_volunteers,
    shift_plan,
)

RULES = AttendancePolicy()
SHANGHAI = ZoneInfo("Asia/Shanghai")
MIN = timedelta(minutes=1)
VENUE = (24.4380, 118.0870)  # Xiamen


async def placed(session: AsyncSession, shift: Shift, volunteer: Volunteer) -> int:
    return (await signup.sign_up(session, volunteer, shift.id, now=NOW, policy=POLICY)).signup.id


async def check_in(session: AsyncSession, volunteer: Volunteer, signup_id: int) -> None:
    await checkin.check_in(
        session, volunteer, signup_id, now=at(days=1), method="code", policy=RULES
    )


async def refusal(action: Awaitable[Any]) -> tuple[str, dict[str, Any]]:
    """The code and message values of the error an action raises."""
    with pytest.raises(VolbotError) as refused:
        await action
    return refused.value.code, refused.value.params


def by(method: str, when: datetime) -> dict[str, Any]:
    """The keyword arguments of a check-in by `method` at `when`."""
    return {"now": when, "method": method, "policy": RULES}


async def checkout_reminders(session: AsyncSession) -> list[tuple[str, object, str]]:
    rows = await session.execute(
        select(Reminder.kind, Reminder.due_at, Reminder.status)
        .where(Reminder.kind.startswith(before_shift.CHECKOUT))
        .execution_options(populate_existing=True)
    )
    return [tuple(row) for row in rows]


async def test_checking_in_plans_a_reminder_that_checking_out_cancels(
    session: AsyncSession,
) -> None:
    shift = await make_shift(session, at(days=1), hours=3)
    (volunteer,) = await make_volunteers(session, 1)
    signup_id = await placed(session, shift, volunteer)

    await check_in(session, volunteer, signup_id)
    assert await checkout_reminders(session) == [("out30", at(days=1, hours=3.5), "pending")]
    record = await checkin.check_out(session, volunteer, signup_id, now=at(days=1, hours=3))
    assert (record.checked_in_at, record.checked_out_at) == (at(days=1), at(days=1, hours=3))
    assert await checkout_reminders(session) == [("out30", at(days=1, hours=3.5), "cancelled")]


async def test_the_check_out_reminder_moves_with_the_shift(session: AsyncSession) -> None:
    shift = await make_shift(session, at(days=1), hours=3)
    (volunteer,) = await make_volunteers(session, 1)
    await check_in(session, volunteer, await placed(session, shift, volunteer))
    activity = await publication.get_activity(session, shift.activity_id)
    await edit_activity.change_shift_times(
        session,
        activity,
        shift.id,
        shift.starts_at,
        shift.ends_at + timedelta(hours=1),
        actor=COORDINATOR,
        now=NOW,
    )
    assert await checkout_reminders(session) == [("out30", at(days=1, hours=4.5), "pending")]


async def test_refusals(session: AsyncSession) -> None:
    shift = await make_shift(session, at(days=1), capacity=1)
    holder, waiting, stranger = await make_volunteers(session, 3)
    held = await placed(session, shift, holder)
    queued = await placed(session, shift, waiting)

    with pytest.raises(NotAllowed) as refused:
        await check_in(session, waiting, queued)
    assert refused.value.code == "not_signed_up"
    with pytest.raises(NotAllowed) as refused:
        await check_in(session, stranger, held)
    assert refused.value.code == "not_your_signup"
    with pytest.raises(NotAllowed) as refused:
        await checkin.check_out(session, holder, held, now=at(days=1))
    assert refused.value.code == "not_checked_in"

    await check_in(session, holder, held)
    with pytest.raises(Conflict) as conflict:
        await check_in(session, holder, held)
    assert (conflict.value.code, conflict.value.params) == (
        "already_checked_in",
        {"at": at(days=1)},
    )
    await checkin.check_out(session, holder, held, now=at(days=1, hours=2))
    with pytest.raises(Conflict) as conflict:
        await checkin.check_out(session, holder, held, now=at(days=1, hours=3))
    assert conflict.value.code == "already_checked_out"


# ---- the check-in window --------------------------------------------------------------------


async def test_code_and_location_work_only_in_the_window(session: AsyncSession) -> None:
    shift = await make_shift(session, at(days=1), hours=3, capacity=3)
    early, late, roster = await make_volunteers(session, 3)
    opens, closes = at(days=1) - 30 * MIN, at(days=1, hours=3) + 30 * MIN
    assert checkin.window(shift, RULES) == (opens, closes)

    first, second, third = [await placed(session, shift, v) for v in (early, late, roster)]
    assert await refusal(checkin.check_in(session, early, first, **by("code", opens - MIN))) == (
        "checkin_not_open",
        {"opens": opens},
    )
    assert (await checkin.check_in(session, early, first, **by("code", opens))).checked_in_at
    assert await refusal(checkin.check_in(session, late, second, **by("pin", closes))) == (
        "checkin_closed",
        {"closed": closes},
    )
    await checkin.check_in(session, late, second, **by("pin", closes - MIN))
    # The coordinator's roster (a later feature) may record presence afterwards.
    await checkin.check_in(session, roster, third, **by("roster", closes + MIN))


# ---- hours ------------------------------------------------------------------------------------


def a_shift(starts_at: datetime, hours: float) -> Shift:
    return Shift(starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours), capacity=1)


@pytest.mark.parametrize(
    ("present", "rule", "minutes"),
    [
        (timedelta(hours=2, minutes=44, seconds=59), "down", 150),
        (timedelta(hours=2, minutes=45), "down", 165),
        (timedelta(hours=2, minutes=59), "down", 165),
        (timedelta(minutes=14), "down", 0),
        (timedelta(hours=2, minutes=52), "nearest", 165),  # 7 min past: down
        (timedelta(hours=2, minutes=52, seconds=30), "nearest", 165),  # whole minutes only
        (timedelta(hours=2, minutes=53), "nearest", 180),  # 8 min past: up
        (timedelta(minutes=7), "nearest", 0),
        (timedelta(minutes=8), "nearest", 15),
    ],
)
def test_credited_time_is_rounded_by_the_rule(
    present: timedelta, rule: Literal["down", "nearest"], minutes: int
) -> None:
    policy = replace(RULES, rounding_rule=rule)
    shift = a_shift(at(days=1), hours=3)
    credited = checkin.credit(at(days=1), at(days=1) + present, shift, policy)
    assert credited.minutes == minutes


def test_rounding_to_one_minute_keeps_whole_minutes() -> None:
    policy = replace(RULES, rounding=MIN)
    credited = checkin.credit(
        at(days=1), at(days=1, hours=2) + 7 * MIN, a_shift(at(days=1), 3), policy
    )
    assert credited.minutes == 127


def test_credited_time_is_bounded_by_the_shift_and_the_grace() -> None:
    shift = a_shift(at(days=1), hours=3)  # 09:00–12:00, grace 15 minutes
    early_and_late = checkin.credit(
        at(days=1) - 30 * MIN, at(days=1, hours=3) + 40 * MIN, shift, RULES
    )
    assert early_and_late == checkin.Credit(minutes=210, flagged=False)  # 08:45–12:15
    within_grace = checkin.credit(
        at(days=1) - 10 * MIN, at(days=1, hours=3) + 10 * MIN, shift, RULES
    )
    assert within_grace.minutes == 195  # 08:50–12:10 is 3 h 20 min, down to 3 h 15 min
    gone_before_it_began = checkin.credit(
        at(days=1) - 30 * MIN, at(days=1) - 20 * MIN, shift, RULES
    )
    assert gone_before_it_began == checkin.Credit(minutes=0, flagged=True)


@pytest.mark.parametrize(
    ("present", "flagged"),
    [(timedelta(minutes=108), False), (timedelta(minutes=107, seconds=59), True)],
)
def test_less_than_the_minimum_share_is_flagged(present: timedelta, flagged: bool) -> None:
    shift = a_shift(at(days=1), hours=3)  # 60 % of 3 hours is 108 minutes
    assert checkin.credit(at(days=1), at(days=1) + present, shift, RULES).flagged is flagged


async def test_a_shift_across_midnight_is_counted_whole(session: AsyncSession) -> None:
    starts = datetime(2026, 1, 10, 22, 0, tzinfo=SHANGHAI)  # 22:00–02:00 local
    shift = await make_shift(session, starts, hours=4)
    whole_night, after_midnight = await make_volunteers(session, 2)
    first, second = (
        await placed(session, shift, whole_night),
        await placed(session, shift, after_midnight),
    )

    await checkin.check_in(
        session, whole_night, first, **by("code", datetime(2026, 1, 10, 21, 50, tzinfo=SHANGHAI))
    )
    await checkin.check_in(
        session, after_midnight, second, **by("code", datetime(2026, 1, 11, 0, 30, tzinfo=SHANGHAI))
    )
    leaves = datetime(2026, 1, 11, 2, 10, tzinfo=SHANGHAI)
    night = await checkin.check_out(session, whole_night, first, now=leaves, policy=RULES)
    short = await checkin.check_out(
        session, after_midnight, second, now=leaves - 10 * MIN, policy=RULES
    )

    assert (night.credited_minutes, night.flagged) == (255, False)  # 4 h 20 min, down
    assert (short.credited_minutes, short.flagged) == (90, True)  # 1.5 of 4 hours
    assert night.confirmed_at is None and night.confirmed_by is None  # a coordinator confirms


async def test_volunteers_promoted_late_from_the_waiting_list_are_counted_from_arrival(
    session: AsyncSession,
) -> None:
    shift = await make_shift(session, at(days=1), hours=3, capacity=2)
    holders = await make_volunteers(session, 2)
    promoted = await make_volunteers(session, 2)
    held = [await placed(session, shift, v) for v in holders]
    queued = [await placed(session, shift, v) for v in promoted]
    twenty_before = at(days=1) - 20 * MIN
    for volunteer, signup_id in zip(holders, held, strict=True):
        await signup.cancel(
            session, volunteer, signup_id, now=twenty_before, policy=POLICY, after_cutoff=True
        )
    for volunteer, signup_id in zip(promoted, queued, strict=True):
        await offers.accept_offer(session, volunteer, signup_id, now=twenty_before, policy=POLICY)

    # One arrives 70 minutes late (110 of 180 minutes: enough), one 75 (105: not).
    for volunteer, signup_id, late in zip(promoted, queued, (70, 75), strict=True):
        await checkin.check_in(session, volunteer, signup_id, **by("code", at(days=1) + late * MIN))
    records = [
        await checkin.check_out(session, v, s, now=at(days=1, hours=3), policy=RULES)
        for v, s in zip(promoted, queued, strict=True)
    ]
    assert [(r.credited_minutes, r.flagged) for r in records] == [(105, False), (105, True)]


# ---- the check-in code ------------------------------------------------------------------------


async def test_a_code_is_made_once_and_rotating_it_retires_the_old_one(
    session: AsyncSession,
) -> None:
    shift = await make_shift(session, at(days=1))
    token = await checkin.open_code(session, shift, actor=COORDINATOR, now=NOW)
    assert (
        len(token) >= 22
        and await checkin.open_code(session, shift, actor=COORDINATOR, now=NOW) == token
    )
    assert (await checkin.shift_for_code(session, token)).id == shift.id

    new = await checkin.open_code(session, shift, actor=COORDINATOR, now=NOW, rotate=True)
    assert new != token
    assert (await checkin.shift_for_code(session, new)).id == shift.id
    for retired_or_made_up in (token, "x" * 22):
        assert await refusal(checkin.shift_for_code(session, retired_or_made_up)) == (
            "checkin_code_invalid",
            {},
        )
    actions = await session.scalars(
        select(AuditEntry.action).where(AuditEntry.action.startswith("checkin_code"))
    )
    assert list(actions) == ["checkin_code.open", "checkin_code.rotate"]


async def test_only_a_confirmed_place_counts_for_the_code(session: AsyncSession) -> None:
    shift = await make_shift(session, at(days=1), capacity=1)
    holder, waiting, stranger = await make_volunteers(session, 3)
    held = await placed(session, shift, holder)
    await placed(session, shift, waiting)

    assert (await checkin.place_on(session, holder, shift)).signup.id == held
    for volunteer in (waiting, stranger):
        assert await refusal(checkin.place_on(session, volunteer, shift)) == (
            "checkin_no_place",
            {},
        )


# ---- by location ------------------------------------------------------------------------------


def test_great_circle_distance() -> None:
    one_degree = checkin.distance_m(0, 0, 1, 0)
    assert one_degree == pytest.approx(111_195, abs=1)  # 2πR / 360
    assert checkin.distance_m(*VENUE, *VENUE) == 0
    # Along a parallel, degrees of longitude shrink with the cosine of the latitude.
    assert checkin.distance_m(60, 0, 60, 1) == pytest.approx(one_degree / 2, rel=2e-3)
    assert [checkin.shown_distance(m) for m in (454.9, 455, 1234, 25_049)] == [
        450,
        460,
        1200,
        25_000,
    ]


async def test_a_location_must_be_within_the_radius_of_the_venue(session: AsyncSession) -> None:
    activity, _ = await make_activity(session, latitude=VENUE[0], longitude=VENUE[1])
    north = 0.0027  # degrees of latitude: about 300 m
    checkin.check_near(activity, VENUE[0] + 0.0026, VENUE[1], RULES)  # ~289 m
    with pytest.raises(NotAllowed) as refused:
        checkin.check_near(activity, VENUE[0] + north, VENUE[1], RULES)  # ~300.2 m
    assert (refused.value.code, refused.value.params) == (
        "checkin_too_far",
        {"title": "Beach clean-up", "distance": 300, "limit": 300},
    )
    with pytest.raises(NotAllowed) as refused:
        checkin.check_near(activity, VENUE[0] + 0.02, VENUE[1], RULES)
    assert refused.value.params["distance"] == 2200

    pinless, _ = await make_activity(session)
    with pytest.raises(NotAllowed) as refused:
        checkin.check_near(pinless, *VENUE, RULES)
    assert refused.value.code == "checkin_no_venue_location"


async def test_a_location_picks_the_shift_whose_window_is_open(session: AsyncSession) -> None:
    _, (morning, afternoon) = await make_activity(
        session,
        shift_plan(at(days=1), hours=3),  # 09:00–12:00
        shift_plan(at(days=1, hours=3.5), hours=3),  # 12:30–15:30
    )
    (volunteer,) = await make_volunteers(session, 1)
    first, second = (
        await placed(session, morning, volunteer),
        await placed(session, afternoon, volunteer),
    )

    async def now_at(moment: datetime) -> int:
        place = await checkin.place_now(session, volunteer, now=moment, policy=RULES)
        return place.signup.id

    assert await refusal(
        checkin.place_now(session, volunteer, now=at(days=1) - 31 * MIN, policy=RULES)
    ) == ("checkin_not_open", {"opens": at(days=1) - 30 * MIN})
    assert await now_at(at(days=1) - 30 * MIN) == first
    assert await now_at(at(days=1, hours=3) + 10 * MIN) == first  # both open, 12:00 is nearer
    assert await now_at(at(days=1, hours=3) + 20 * MIN) == second  # 12:30 is nearer
    await checkin.check_in(session, volunteer, first, **by("code", at(days=1)))
    assert await now_at(at(days=1, hours=3) + 20 * MIN) == first  # checked in: out first
    await checkin.check_out(session, volunteer, first, now=at(days=1, hours=3), policy=RULES)
    assert await now_at(at(days=1, hours=3) + 10 * MIN) == second  # done with the morning
    assert await refusal(
        checkin.place_now(session, volunteer, now=at(days=1, hours=7), policy=RULES)
    ) == ("checkin_no_shift_now", {})


def test_the_settings_make_the_policy() -> None:
    settings = Settings(
        _env_file=None,
        checkout_reminder_minutes=20,
        checkin_opens_minutes_before=45,
        checkin_closes_minutes_after=10,
        checkin_radius_meters=150,
        checkin_grace_minutes=5,
        hours_rounding_minutes=30,
        hours_rounding="nearest",
        min_attendance_share=0.5,
    )
    assert deployment_from(settings).attendance == AttendancePolicy(
        checkout_reminder=20 * MIN,
        opens_before=45 * MIN,
        closes_after=10 * MIN,
        radius_m=150,
        grace=5 * MIN,
        rounding=30 * MIN,
        rounding_rule="nearest",
        min_share=0.5,
    )
