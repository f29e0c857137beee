"""The sign-up rules without Telegram: places, the waiting list, offers, cancelling, eligibility."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities import groups, offers, places, signup
from models.activities.signup import Placed, SignupPolicy
from models.activities.tables import Shift, Signup
from models.errors import Conflict, NotAllowed, VolbotError
from models.publishing import publication
from models.registration.tables import Volunteer
from tests.models.world import (
    COORDINATOR,
    NOW,
    POLICY,
    at,
    make_activity,
    make_shift,
    make_volunteer,
    make_volunteers,
    no_show,
    shift_plan,
    statuses,
    theme,
    waiting_list,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
SEC = timedelta(seconds=1)


async def join(
    session: AsyncSession,
    volunteer: Volunteer,
    shift: Shift,
    *,
    now: datetime = NOW,
    policy: SignupPolicy = POLICY,
) -> Placed:
    return await signup.sign_up(session, volunteer, shift.id, now=now, policy=policy)


def offered_to(vacancy: signup.Vacancy) -> list[int]:
    return [offer.volunteer_id for offer in vacancy.offers]


async def refusal(action: Awaitable[Any]) -> tuple[type[VolbotError], str, dict[str, Any]]:
    """The error an action raises: its kind, code and message values."""
    with pytest.raises(VolbotError) as refused:
        await action
    return type(refused.value), refused.value.code, refused.value.params


# ---- places and the waiting list -------------------------------------------------------------


async def test_places_are_confirmed_while_free_then_people_wait_in_order(
    session: AsyncSession,
) -> None:
    shift = await make_shift(session, capacity=2)
    volunteers = await make_volunteers(session, 5)
    placed = [await join(session, v, shift) for v in volunteers]
    assert [(p.signup.status, p.position) for p in placed] == [
        ("confirmed", None),
        ("confirmed", None),
        ("waiting", 1),
        ("waiting", 2),
        ("waiting", 3),
    ]
    assert await waiting_list(session, shift.id) == [v.id for v in volunteers[2:]]
    assert await places.loads(session, [shift.id]) == {shift.id: places.ShiftLoad(2, 3)}
    # Each one's /my reads the same positions, in the query of their upcoming places.
    seen = [(await places.upcoming(session, v.id, NOW))[0][3] for v in volunteers]
    assert seen == [p.position for p in placed]


async def test_a_freed_place_goes_to_the_first_waiting_as_an_offer_and_a_newcomer_waits(
    session: AsyncSession,
) -> None:
    shift = await make_shift(session, capacity=1)
    first, second, third, newcomer = await make_volunteers(session, 4)
    held = await join(session, first, shift)
    await join(session, second, shift)
    await join(session, third, shift)

    vacancy = await signup.cancel(session, first, held.signup.id, now=at(hours=1), policy=POLICY)
    placed = await join(session, newcomer, shift, now=at(hours=2))

    assert [s.volunteer_id for s in vacancy.offers] == [second.id]
    assert (placed.signup.status, placed.position) == ("waiting", 2)
    assert await statuses(session, shift.id) == {
        first.id: "cancelled",
        second.id: "offered",
        third.id: "waiting",
        newcomer.id: "waiting",
    }


async def test_with_people_waiting_a_free_place_is_not_taken_by_a_newcomer(
    session: AsyncSession,
) -> None:
    shift = await make_shift(session, capacity=1)
    holder, waiting, newcomer = await make_volunteers(session, 3)
    await join(session, holder, shift)
    await join(session, waiting, shift)
    shift.capacity = 2  # a place appears (say a coordinator added one) before it is offered
    await session.flush()

    placed = await join(session, newcomer, shift)

    assert (placed.signup.status, placed.position) == ("waiting", 2)


async def test_signing_up_twice_is_refused(session: AsyncSession) -> None:
    shift = await make_shift(session, capacity=1)
    holder, waiting = await make_volunteers(session, 2)
    await join(session, holder, shift)
    await join(session, waiting, shift)
    assert await refusal(join(session, holder, shift)) == (Conflict, "already_signed_up", {})
    assert await refusal(join(session, waiting, shift)) == (Conflict, "already_signed_up", {})


async def test_signing_up_again_after_cancelling_reuses_the_row_at_the_end_of_the_list(
    session: AsyncSession,
) -> None:
    shift = await make_shift(session, capacity=1)
    holder, waiting, again = await make_volunteers(session, 3)
    await join(session, holder, shift)
    first = await join(session, again, shift)
    await join(session, waiting, shift)
    await signup.cancel(session, again, first.signup.id, now=at(hours=1), policy=POLICY)

    placed = await join(session, again, shift, now=at(hours=2))

    assert placed.signup.id == first.signup.id
    assert (placed.signup.status, placed.position) == ("waiting", 2)
    assert placed.signup.queued_at == at(hours=2)
    rows = await session.scalar(
        select(func.count()).where(Signup.shift_id == shift.id, Signup.volunteer_id == again.id)
    )
    assert rows == 1


# ---- when sign-up is open --------------------------------------------------------------------


async def test_a_cancelled_shift_refuses_sign_ups(session: AsyncSession) -> None:
    activity, (shift, other) = await make_activity(
        session, shift_plan(at(days=1)), shift_plan(at(days=2))
    )
    volunteer = await make_volunteer(session)
    await publication.cancel_shifts(
        session, activity, [shift.id], actor=COORDINATOR, reason="Rain", now=NOW
    )
    assert await refusal(join(session, volunteer, shift)) == (NotAllowed, "shift_closed", {})
    assert (await join(session, volunteer, other)).signup.status == "confirmed"


@pytest.mark.parametrize(
    ("now", "policy", "refused"),
    [
        # The shift starts at day 3 (72 h), the activity's deadline is at 48 h.
        (at(hours=47), POLICY, None),
        (at(hours=48), POLICY, ("deadline_passed", {})),
        (at(hours=72), POLICY, ("shift_started", {})),
        (at(hours=80), POLICY, ("shift_started", {})),
        # Staged opening, 60 h before the start: from hour 12.
        (at(hours=11), replace(POLICY, opens_before=timedelta(hours=60)), "opens"),
        (at(hours=12), replace(POLICY, opens_before=timedelta(hours=60)), None),
    ],
)
async def test_sign_up_is_open_from_the_opening_until_the_deadline_and_the_start(
    session: AsyncSession,
    now: datetime,
    policy: SignupPolicy,
    refused: tuple[str, dict[str, Any]] | str | None,
) -> None:
    _, (shift,) = await make_activity(session, shift_plan(at(days=3)), signup_deadline=at(hours=48))
    volunteer = await make_volunteer(session)
    if refused is None:
        assert (await join(session, volunteer, shift, now=now, policy=policy)).position is None
    elif refused == "opens":
        assert await refusal(join(session, volunteer, shift, now=now, policy=policy)) == (
            NotAllowed,
            "signup_not_open",
            {"opens": at(hours=12)},
        )
    else:
        code, params = refused
        assert await refusal(join(session, volunteer, shift, now=now, policy=policy)) == (
            NotAllowed,
            code,
            params,
        )


# ---- requirements ----------------------------------------------------------------------------


@pytest.mark.parametrize("needs", ["require_real_name", "require_insurance"])
async def test_a_real_name_or_insured_activity_needs_a_verified_id(
    session: AsyncSession, needs: str
) -> None:
    _, (shift,) = await make_activity(session, **{needs: True})
    anonymous = await make_volunteer(session)
    verified = await make_volunteer(session, real_name=True)
    assert await refusal(join(session, anonymous, shift)) == (NotAllowed, "needs_real_name", {})
    assert (await join(session, verified, shift)).signup.status == "confirmed"


@pytest.mark.parametrize(
    ("birth", "refused"),
    [
        (None, ("needs_birth_date", {"age": 18})),
        (date(2008, 1, 7), ("too_young", {"age": 18})),  # 18 the day after the shift
        (date(2008, 1, 6), None),  # 18 on the shift's day
        (date(1990, 5, 17), None),
    ],
)
async def test_a_minimum_age_is_checked_on_the_day_of_the_shift(
    session: AsyncSession, birth: date | None, refused: tuple[str, dict[str, Any]] | None
) -> None:
    _, (shift,) = await make_activity(session, shift_plan(at(days=1)), min_age=18)  # 2026-01-06
    volunteer = await make_volunteer(session, birth_date=birth)
    if refused is None:
        assert (await join(session, volunteer, shift)).signup.status == "confirmed"
    else:
        assert await refusal(join(session, volunteer, shift)) == (NotAllowed, *refused)


async def test_the_age_counts_the_shift_s_local_day(session: AsyncSession) -> None:
    """07:00 on 6 January in Shanghai is still 5 January in UTC: turning 18 on the 6th is enough."""
    starts = datetime(2026, 1, 6, 7, 0, tzinfo=SHANGHAI)
    _, (shift,) = await make_activity(session, shift_plan(starts), min_age=18)
    eighteen_that_day = await make_volunteer(session, birth_date=date(2008, 1, 6))
    eighteen_next_day = await make_volunteer(session, birth_date=date(2008, 1, 7))
    policy = replace(POLICY, zone=SHANGHAI)
    placed = await join(session, eighteen_that_day, shift, policy=policy)
    assert placed.signup.status == "confirmed"
    assert await refusal(join(session, eighteen_next_day, shift, policy=policy)) == (
        NotAllowed,
        "too_young",
        {"age": 18},
    )


@pytest.mark.parametrize(
    ("language", "name"),
    [("en", "Caring for the elderly"), ("zh-CN", "关爱老人")],
)
async def test_a_theme_activity_needs_the_theme_named_in_the_volunteer_s_language(
    session: AsyncSession, language: str, name: str
) -> None:
    elderly = await theme(session, "elderly")
    _, (shift,) = await make_activity(session, required_theme_id=elderly.id)
    without = await make_volunteer(
        session, language=language, themes=[await theme(session, "events")]
    )
    with_theme = await make_volunteer(session, language=language, themes=[elderly])
    assert await refusal(join(session, without, shift)) == (
        NotAllowed,
        "needs_theme",
        {"theme": name},
    )
    assert (await join(session, with_theme, shift)).signup.status == "confirmed"


# ---- overlapping shifts and hours per day ---------------------------------------------------


@pytest.mark.parametrize(
    ("starts", "hours", "overlaps"),
    [
        (at(days=1, hours=1), 3, True),  # starts inside the other
        (at(days=1, hours=-1), 2, True),  # ends inside the other
        (at(days=1, hours=-1), 5, True),  # covers the other
        (at(days=1, hours=1), 1, True),  # inside the other
        (at(days=1), 3, True),  # the same times
        (at(days=1, hours=3), 2, False),  # starts as the other ends
        (at(days=1, hours=-2), 2, False),  # ends as the other starts
    ],
)
async def test_overlapping_shifts_are_refused_and_adjacent_ones_are_not(
    session: AsyncSession, starts: datetime, hours: float, overlaps: bool
) -> None:
    _, (taken,) = await make_activity(
        session, shift_plan(at(days=1), hours=3), title="Morning market"
    )
    wanted = await make_shift(session, starts, hours=hours)
    volunteer = await make_volunteer(session)
    await join(session, volunteer, taken)
    if overlaps:
        assert await refusal(join(session, volunteer, wanted)) == (
            NotAllowed,
            "overlap",
            {"title": "Morning market", "starts": taken.starts_at, "ends": taken.ends_at},
        )
    else:
        assert (await join(session, volunteer, wanted)).signup.status == "confirmed"


async def test_a_waiting_place_counts_as_an_overlap_and_a_cancelled_one_does_not(
    session: AsyncSession,
) -> None:
    full = await make_shift(session, at(days=1), capacity=1)
    left = await make_shift(session, at(days=2), capacity=1)
    same_time_as_full = await make_shift(session, at(days=1, hours=1))
    same_time_as_left = await make_shift(session, at(days=2, hours=1))
    other, volunteer = await make_volunteers(session, 2)
    await join(session, other, full)
    assert (await join(session, volunteer, full)).position == 1
    leaving = await join(session, volunteer, left)
    await signup.cancel(session, volunteer, leaving.signup.id, now=NOW, policy=POLICY)

    assert (await refusal(join(session, volunteer, same_time_as_full)))[1] == "overlap"
    assert (await join(session, volunteer, same_time_as_left)).signup.status == "confirmed"


@pytest.mark.parametrize(
    ("apart", "limit", "allowed"),
    [
        # Two 7-hour shifts; the first is 14:00-21:00 on day 1. Starts `apart` hours apart, the
        # busiest 24 hours hold 31 - apart hours of both (all 14 up to 17 h apart).
        (10, 12.0, False),
        (17, 12.0, False),  # 14:00-21:00 and 07:00-14:00 the next day: other days, 14 h in 24
        (18, 12.0, False),  # 13 h
        (19, 12.0, True),  # exactly 12 h is allowed
        (20, 12.0, True),  # 11 h
        (30, 12.0, True),
        (17, 14.0, True),
        (10, None, True),
    ],
)
async def test_hours_are_counted_in_any_24_hours_not_per_calendar_day(
    session: AsyncSession, apart: float, limit: float | None, allowed: bool
) -> None:
    first = await make_shift(session, at(days=1, hours=13), hours=7)  # 14:00 UTC on 6 January
    second = await make_shift(session, first.starts_at + timedelta(hours=apart), hours=7)
    volunteer = await make_volunteer(session)
    policy = replace(POLICY, max_hours_per_day=limit)
    await join(session, volunteer, first, policy=policy)
    if allowed:
        assert (await join(session, volunteer, second, policy=policy)).position is None
    else:
        assert await refusal(join(session, volunteer, second, policy=policy)) == (
            NotAllowed,
            "too_many_hours",
            {"hours": limit},
        )


async def test_hours_count_the_shift_being_joined_between_two_others(
    session: AsyncSession,
) -> None:
    """5 h, a gap, 4 h, a gap, 4 h within 20 hours: the middle one makes 13."""
    morning = await make_shift(session, at(days=1), hours=5)
    night = await make_shift(session, at(days=1, hours=16), hours=4)
    afternoon = await make_shift(session, at(days=1, hours=8), hours=4)
    volunteer = await make_volunteer(session)
    await join(session, volunteer, morning)
    await join(session, volunteer, night)
    assert await refusal(join(session, volunteer, afternoon)) == (
        NotAllowed,
        "too_many_hours",
        {"hours": 12.0},
    )


# ---- no-shows --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_ago", "now", "until"),
    [
        ([20, 10, 2], NOW, at(days=10)),
        ([25, 20, 10, 2], NOW, at(days=10)),  # the three latest count
        ([20, 10, 2], at(days=10, hours=-1), at(days=10)),
        ([20, 10, 2], at(days=10), None),  # the oldest has left the 30 days
        ([40, 10, 2], NOW, None),
        ([10, 2], NOW, None),
    ],
)
async def test_repeated_no_shows_block_sign_up_for_a_while(
    session: AsyncSession, days_ago: list[int], now: datetime, until: datetime | None
) -> None:
    volunteer = await make_volunteer(session)
    for days in days_ago:
        await no_show(session, volunteer, at(days=-days))
    shift = await make_shift(session, at(days=12))
    if until is None:
        assert (await join(session, volunteer, shift, now=now)).signup.status == "confirmed"
    else:
        assert await refusal(join(session, volunteer, shift, now=now)) == (
            NotAllowed,
            "no_show_blocked",
            {"until": until},
        )


async def test_no_shows_never_block_with_a_limit_of_zero(session: AsyncSession) -> None:
    volunteer = await make_volunteer(session)
    for days in (3, 2, 1):
        await no_show(session, volunteer, at(days=-days))
    shift = await make_shift(session)
    policy = replace(POLICY, no_show_limit=0)
    assert (await join(session, volunteer, shift, policy=policy)).signup.status == "confirmed"


# ---- cancelling ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("deadline", "now", "until"),
    [
        # The shift starts at day 2 (48 h); the cut-off is 3 hours.
        (None, at(hours=44), None),
        (None, at(hours=45), at(hours=45)),
        (None, at(hours=47), at(hours=45)),
        (at(hours=30), at(hours=29), None),
        (at(hours=30), at(hours=30), at(hours=30)),  # the activity's deadline, if it has one
    ],
)
async def test_a_place_may_be_given_back_until_the_deadline_or_the_cut_off(
    session: AsyncSession, deadline: datetime | None, now: datetime, until: datetime | None
) -> None:
    _, (shift,) = await make_activity(
        session, shift_plan(at(days=2), capacity=1), signup_deadline=deadline
    )
    volunteer = await make_volunteer(session)
    placed = await join(session, volunteer, shift)
    cancelling = signup.cancel(session, volunteer, placed.signup.id, now=now, policy=POLICY)
    if until is None:
        vacancy = await cancelling
        assert (vacancy.offers, vacancy.unfilled) == ([], 1)
        assert await statuses(session, shift.id) == {volunteer.id: "cancelled"}
    else:
        assert await refusal(cancelling) == (NotAllowed, "cancel_too_late", {"until": until})
        assert await statuses(session, shift.id) == {volunteer.id: "confirmed"}


async def test_a_later_shift_s_deadline_does_not_let_a_place_be_given_back_after_the_start(
    session: AsyncSession,
) -> None:
    """The deadline of a two-shift activity may fall after its first shift has started."""
    _, (early, _late) = await make_activity(
        session,
        shift_plan(at(days=1)),
        shift_plan(at(days=5)),
        signup_deadline=at(days=4),
    )
    volunteer = await make_volunteer(session)
    placed = await join(session, volunteer, early)
    assert await refusal(
        signup.cancel(session, volunteer, placed.signup.id, now=at(days=2), policy=POLICY)
    ) == (NotAllowed, "cancel_too_late", {"until": early.starts_at - POLICY.cancel_cutoff})


async def test_the_waiting_list_may_be_left_until_the_start(session: AsyncSession) -> None:
    shift = await make_shift(session, at(days=1), capacity=1)
    holder, early, late = await make_volunteers(session, 3)
    await join(session, holder, shift)
    leaving = await join(session, early, shift)
    staying = await join(session, late, shift)

    vacancy = await signup.cancel(
        session, early, leaving.signup.id, now=at(days=1, hours=-1), policy=POLICY
    )
    assert (vacancy.offers, vacancy.unfilled) == ([], 0)
    assert await refusal(
        signup.cancel(session, late, staying.signup.id, now=at(days=1), policy=POLICY)
    ) == (NotAllowed, "cancel_too_late", {"until": shift.starts_at})
    assert await statuses(session, shift.id) == {
        holder.id: "confirmed",
        early.id: "cancelled",
        late.id: "waiting",
    }


async def test_only_one_s_own_active_sign_up_can_be_cancelled(session: AsyncSession) -> None:
    shift = await make_shift(session)
    owner, stranger = await make_volunteers(session, 2)
    placed = await join(session, owner, shift)
    assert await refusal(
        signup.cancel(session, stranger, placed.signup.id, now=NOW, policy=POLICY)
    ) == (NotAllowed, "not_your_signup", {})
    await signup.cancel(session, owner, placed.signup.id, now=NOW, policy=POLICY)
    assert await refusal(
        signup.cancel(session, owner, placed.signup.id, now=NOW, policy=POLICY)
    ) == (Conflict, "not_signed_up", {})


# ---- offers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("window", "expires"),
    [
        (timedelta(hours=2), at(days=1, hours=-8)),  # cancelled 10 hours before the start
        (timedelta(hours=12), at(days=1)),  # cut short by the start
    ],
)
async def test_cancelling_offers_the_place_to_the_first_person_waiting(
    session: AsyncSession, window: timedelta, expires: datetime
) -> None:
    shift = await make_shift(session, at(days=1), capacity=1)
    holder, first, second = await make_volunteers(session, 3)
    held = await join(session, holder, shift)
    await join(session, first, shift)
    await join(session, second, shift)
    policy = replace(POLICY, offer_window=window)

    vacancy = await signup.cancel(
        session, holder, held.signup.id, now=at(days=1, hours=-10), policy=policy
    )

    (offer,) = vacancy.offers
    assert (offer.volunteer_id, offer.status, offer.offer_expires_at) == (
        first.id,
        "offered",
        expires,
    )
    assert (vacancy.shift.id, vacancy.unfilled) == (shift.id, 0)
    assert await waiting_list(session, shift.id) == [second.id]


async def offered_shift(
    session: AsyncSession,
) -> tuple[Shift, Volunteer, list[Volunteer], Signup]:
    """A one-place shift whose holder gave it back at NOW: the first of three waiting has the
    offer (until NOW + 2 h), two more wait."""
    shift = await make_shift(session, at(days=1), capacity=1)
    holder, *waiting = await make_volunteers(session, 4)
    held = await join(session, holder, shift)
    for volunteer in waiting:
        await join(session, volunteer, shift)
    vacancy = await signup.cancel(session, holder, held.signup.id, now=NOW, policy=POLICY)
    return shift, holder, waiting, vacancy.offers[0]


async def test_accepting_an_offer_confirms_the_place(session: AsyncSession) -> None:
    shift, _, (first, second, _), offer = await offered_shift(session)
    assert await refusal(
        offers.accept_offer(session, second, offer.id, now=NOW, policy=POLICY)
    ) == (
        NotAllowed,
        "not_your_signup",
        {},
    )

    accepted = await offers.accept_offer(
        session, first, offer.id, now=at(hours=2) - SEC, policy=SignupPolicy()
    )

    assert (accepted.status, accepted.offer_expires_at) == ("confirmed", None)
    assert await refusal(
        offers.accept_offer(session, first, offer.id, now=at(hours=1), policy=POLICY)
    ) == (
        Conflict,
        "offer_already_accepted",
        {},
    )
    assert await places.loads(session, [shift.id]) == {shift.id: places.ShiftLoad(1, 2)}


async def test_an_offer_cannot_be_accepted_once_it_expired(session: AsyncSession) -> None:
    shift, _, (first, _, _), offer = await offered_shift(session)
    assert await refusal(
        offers.accept_offer(session, first, offer.id, now=at(hours=2), policy=POLICY)
    ) == (
        Conflict,
        "offer_expired",
        {},
    )
    assert (await statuses(session, shift.id))[first.id] == "offered"


async def test_declining_passes_the_place_on(session: AsyncSession) -> None:
    shift, holder, (first, second, third), offer = await offered_shift(session)

    vacancy = await offers.decline_offer(session, first, offer.id, now=at(hours=1), policy=POLICY)

    assert [(s.volunteer_id, s.offer_expires_at) for s in vacancy.offers] == [
        (second.id, at(hours=3))
    ]
    assert await statuses(session, shift.id) == {
        holder.id: "cancelled",
        first.id: "cancelled",
        second.id: "offered",
        third.id: "waiting",
    }
    assert await refusal(
        offers.decline_offer(session, first, offer.id, now=at(hours=1), policy=POLICY)
    ) == (Conflict, "offer_gone", {})
    assert await refusal(
        offers.accept_offer(session, first, offer.id, now=at(hours=1), policy=POLICY)
    ) == (
        Conflict,
        "offer_gone",
        {},
    )


async def test_lapsed_offers_pass_along_the_list_until_nobody_is_left(
    session: AsyncSession,
) -> None:
    shift, _, (first, second, third), _ = await offered_shift(session)
    assert await offers.expire_offers(session, now=at(hours=2) - SEC, policy=POLICY) == []

    steps = []
    for hours in (2, 4, 6):
        expired = await offers.expire_offers(session, now=at(hours=hours), policy=POLICY)
        steps.append(
            [(e.signup.volunteer_id, offered_to(e.vacancy), e.vacancy.unfilled) for e in expired]
        )

    assert steps == [
        [(first.id, [second.id], 0)],
        [(second.id, [third.id], 0)],
        [(third.id, [], 1)],
    ]
    assert set((await statuses(session, shift.id)).values()) == {"cancelled"}


async def test_unfilled_counts_every_free_place_nobody_waits_for(session: AsyncSession) -> None:
    shift = await make_shift(session, at(days=1), capacity=3)
    *holders, waiting = await make_volunteers(session, 4)
    held = [await join(session, v, shift) for v in holders]
    await join(session, waiting, shift)

    vacancies = [
        await signup.cancel(session, v, p.signup.id, now=NOW, policy=POLICY)
        for v, p in zip(holders[:2], held[:2], strict=True)
    ]

    assert [([o.volunteer_id for o in v.offers], v.unfilled) for v in vacancies] == [
        ([waiting.id], 0),
        ([], 1),
    ]
    (lapsed,) = await offers.expire_offers(session, now=at(hours=2), policy=POLICY)
    assert (lapsed.signup.volunteer_id, lapsed.vacancy.offers, lapsed.vacancy.unfilled) == (
        waiting.id,
        [],
        2,
    )


async def test_an_offer_lapsing_at_the_start_is_not_passed_on(session: AsyncSession) -> None:
    shift = await make_shift(session, at(hours=5), capacity=1)
    holder, first, second = await make_volunteers(session, 3)
    held = await join(session, holder, shift)
    await join(session, first, shift)
    await join(session, second, shift)
    policy = replace(POLICY, offer_window=timedelta(hours=6), cancel_cutoff=timedelta(0))
    await signup.cancel(session, holder, held.signup.id, now=NOW, policy=policy)

    (lapsed,) = await offers.expire_offers(session, now=at(hours=5), policy=policy)

    assert (lapsed.signup.volunteer_id, lapsed.vacancy.offers) == (first.id, [])
    assert (await statuses(session, shift.id))[second.id] == "waiting"


# ---- cancelling shifts, group cards ---------------------------------------------------------


async def test_cancelling_a_shift_cancels_every_active_sign_up_and_says_whom_to_tell(
    session: AsyncSession,
) -> None:
    activity, (shift, other) = await make_activity(
        session, shift_plan(at(days=1), capacity=2), shift_plan(at(days=2))
    )
    gone, holder, offered, waiting, elsewhere = await make_volunteers(session, 5)
    for volunteer in (gone, holder, offered, waiting):
        await join(session, volunteer, shift)
    await signup.cancel(session, gone, (await own(session, gone, shift)).id, now=NOW, policy=POLICY)
    await join(session, elsewhere, other)

    told = await publication.cancel_shifts(
        session, activity, [shift.id], actor=COORDINATOR, reason="Storm", now=at(hours=1)
    )

    assert [(a.telegram_id, a.status) for a in told] == [
        (holder.telegram_id, "confirmed"),
        (offered.telegram_id, "offered"),
        (waiting.telegram_id, "waiting"),
    ]
    assert set((await statuses(session, shift.id)).values()) == {"cancelled"}
    assert await statuses(session, other.id) == {elsewhere.id: "confirmed"}
    assert activity.status == "published"


async def own(session: AsyncSession, volunteer: Volunteer, shift: Shift) -> Signup:
    row = await session.scalar(
        select(Signup).where(Signup.shift_id == shift.id, Signup.volunteer_id == volunteer.id)
    )
    assert row is not None
    return row


async def test_changes_of_places_mark_the_activity_s_group_cards_stale(
    session: AsyncSession,
) -> None:
    activity, (shift,) = await make_activity(session, shift_plan(at(days=1), capacity=1))
    await groups.remember_membership(
        session, chat_id=-100, title="Volunteers", kind="group", added_by=1, active=True, now=NOW
    )
    card = await groups.post_card(session, activity.id, -100, actor=COORDINATOR, now=NOW)
    holder, first, second, third = await make_volunteers(session, 4)

    async def stale_after(action: Awaitable[Any]) -> bool:
        card.stale = False
        await session.flush()
        await action
        await session.refresh(card)
        return card.stale

    for volunteer in (holder, first, second, third):
        assert await stale_after(join(session, volunteer, shift))
    mine = {v.id: (await own(session, v, shift)).id for v in (holder, first, second, third)}
    assert await stale_after(
        signup.cancel(session, holder, mine[holder.id], now=NOW, policy=POLICY)
    )
    assert await stale_after(
        offers.accept_offer(session, first, mine[first.id], now=NOW, policy=POLICY)
    )
    assert await stale_after(signup.cancel(session, first, mine[first.id], now=NOW, policy=POLICY))
    assert await stale_after(
        offers.decline_offer(session, second, mine[second.id], now=NOW, policy=POLICY)
    )
    assert await stale_after(offers.expire_offers(session, now=at(hours=2), policy=POLICY))
    assert (await statuses(session, shift.id))[third.id] == "cancelled"
    assert await stale_after(
        publication.cancel_shifts(
            session, activity, [shift.id], actor=COORDINATOR, reason="Rain", now=NOW
        )
    )
