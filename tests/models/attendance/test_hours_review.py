"""A coordinator's side of attendance, without Telegram: present and absent from the roster,
confirming, changing and adding hours with reasons, and the scheduler's no-shows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities import signup
from models.activities.tables import ServiceRecord, Shift, Signup
from models.attendance import checkin, hours_review
from models.attendance.checkin import AttendancePolicy
from models.audit import AuditEntry
from models.errors import Conflict, InvalidInput, NotAllowed
from models.registration.tables import Volunteer
from tests.models.world import NOW, POLICY, at, make_shift, make_volunteers

RULES = AttendancePolicy()
COORDINATOR = 900_001
START = at(days=1)  # the shift: 09:00–12:00 UTC the next day, three hours
DURING, AFTER = START + timedelta(hours=1), START + timedelta(hours=4)


async def shift_with(
    session: AsyncSession, people: int
) -> tuple[Shift, list[Volunteer], list[int]]:
    shift = await make_shift(session, START, hours=3, capacity=people)
    volunteers = await make_volunteers(session, people)
    ids = []
    for volunteer in volunteers:
        placed = await signup.sign_up(session, volunteer, shift.id, now=NOW, policy=POLICY)
        ids.append(placed.signup.id)
    return shift, volunteers, ids


async def actions(session: AsyncSession) -> list[tuple[int | None, str]]:
    rows = await session.execute(
        select(AuditEntry.actor_telegram_id, AuditEntry.action)
        .where(AuditEntry.action.like("attendance.%") | AuditEntry.action.like("hours.%"))
        .order_by(AuditEntry.id)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_marked_present_records_the_whole_shift_and_confirming_counts_it(
    session: AsyncSession,
) -> None:
    _, _, (mine,) = await shift_with(session, 1)
    with pytest.raises(NotAllowed) as refused:
        await hours_review.mark_present(
            session,
            actor=COORDINATOR,
            signup_id=mine,
            now=START - timedelta(minutes=1),
            policy=RULES,
        )
    assert refused.value.code == "shift_not_started"

    record = await hours_review.mark_present(
        session, actor=COORDINATOR, signup_id=mine, now=DURING, policy=RULES
    )
    assert (record.checkin_method, record.credited_minutes, record.flagged) == (
        "roster",
        180,
        False,
    )
    assert record.confirmed_at is None
    await hours_review.confirm(session, actor=COORDINATOR, signup_id=mine, now=AFTER)
    assert (record.confirmed_by, record.confirmed_at) == (COORDINATOR, AFTER)
    with pytest.raises(Conflict):
        await hours_review.confirm(session, actor=COORDINATOR, signup_id=mine, now=AFTER)
    assert await actions(session) == [
        (COORDINATOR, "attendance.mark_present"),
        (COORDINATOR, "hours.confirm"),
    ]


async def test_absent_is_a_no_show_that_present_undoes(session: AsyncSession) -> None:
    _, (volunteer,), (mine,) = await shift_with(session, 1)
    await hours_review.mark_absent(session, actor=COORDINATOR, signup_id=mine, now=DURING)
    assert ((await session.get(Signup, mine)).status, volunteer.no_show_count) == ("no_show", 1)  # type: ignore[union-attr]
    with pytest.raises(Conflict):
        await hours_review.mark_absent(session, actor=COORDINATOR, signup_id=mine, now=DURING)

    await hours_review.mark_present(
        session, actor=COORDINATOR, signup_id=mine, now=AFTER, policy=RULES
    )
    assert ((await session.get(Signup, mine)).status, volunteer.no_show_count) == ("confirmed", 0)  # type: ignore[union-attr]


async def test_someone_who_checked_in_cannot_be_marked_absent_or_present(
    session: AsyncSession,
) -> None:
    _, (volunteer,), (mine,) = await shift_with(session, 1)
    await checkin.check_in(session, volunteer, mine, now=START, method="code", policy=RULES)
    with pytest.raises(Conflict) as conflict:
        await hours_review.mark_absent(session, actor=COORDINATOR, signup_id=mine, now=DURING)
    assert conflict.value.code == "checked_in_not_absent"
    with pytest.raises(Conflict):
        await hours_review.mark_present(
            session, actor=COORDINATOR, signup_id=mine, now=DURING, policy=RULES
        )
    with pytest.raises(NotAllowed) as refused:  # not checked out yet: nothing to confirm
        await hours_review.confirm(session, actor=COORDINATOR, signup_id=mine, now=DURING)
    assert refused.value.code == "hours_not_recorded"


async def test_confirm_all_leaves_the_flagged_and_the_unrecorded(session: AsyncSession) -> None:
    shift, (full, short, still_in, _), ids = await shift_with(session, 4)
    for volunteer, signup_id in zip((full, short, still_in), ids, strict=False):
        await checkin.check_in(
            session, volunteer, signup_id, now=START, method="code", policy=RULES
        )
    await checkin.check_out(session, full, ids[0], now=START + timedelta(hours=3), policy=RULES)
    await checkin.check_out(session, short, ids[1], now=START + timedelta(hours=1), policy=RULES)

    confirmed = await hours_review.confirm_all(
        session, actor=COORDINATOR, shift_id=shift.id, now=AFTER
    )
    assert [s.id for s in confirmed] == [ids[0]]
    records = {
        r.signup_id: (r.credited_minutes, r.flagged, r.confirmed_at)
        for r in await session.scalars(select(ServiceRecord))
    }
    assert records == {
        ids[0]: (180, False, AFTER),
        ids[1]: (60, True, None),
        ids[2]: (0, False, None),
    }


async def test_changed_and_honour_hours_need_a_reason_and_are_audited(
    session: AsyncSession,
) -> None:
    _, (volunteer,), (mine,) = await shift_with(session, 1)
    await checkin.check_in(session, volunteer, mine, now=START, method="code", policy=RULES)
    await checkin.check_out(session, volunteer, mine, now=START + timedelta(hours=1), policy=RULES)
    with pytest.raises(InvalidInput) as invalid:
        await hours_review.adjust(
            session, actor=COORDINATOR, signup_id=mine, minutes=150, reason="  ", now=AFTER
        )
    assert invalid.value.code == "reason_needed"

    record = await hours_review.adjust(
        session,
        actor=COORDINATOR,
        signup_id=mine,
        minutes=150,
        reason="forgot to check out",
        now=AFTER,
    )
    assert (record.credited_minutes, record.flagged, record.confirmed_at) == (150, False, AFTER)
    await hours_review.add_honour(
        session, actor=COORDINATOR, signup_id=mine, minutes=30, reason="set-up", now=AFTER
    )
    assert (record.credited_minutes, record.honour_minutes) == (150, 30)  # kept apart
    changes = await session.execute(
        select(AuditEntry.before, AuditEntry.after)
        .where(AuditEntry.action.in_(["hours.adjust", "hours.honour"]))
        .order_by(AuditEntry.id)
    )
    (adjusted_before, adjusted_after), (_, honoured) = changes.all()
    assert adjusted_before["credited_minutes"] == 60 and adjusted_after["credited_minutes"] == 150
    assert adjusted_after["reason"] == "forgot to check out"
    assert (honoured["honour_minutes"], honoured["reason"]) == (30, "set-up")


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [
        ("2.5", 150),
        ("2,5", 150),
        ("2:30", 150),
        ("3", 180),
        ("0:05", 5),
        ("24", 1440),
        (" .5 ", 30),
        ("２.５", 150),  # full-width, as a Chinese input method types them
        ("２：３０", 150),
    ],
)
def test_hours_are_typed_as_decimals_or_hours_and_minutes(typed: str, minutes: int) -> None:
    assert hours_review.parse_hours(typed) == minutes


@pytest.mark.parametrize(
    "typed",
    [
        *("", "two", "2:3", "2:75", "-1", "25", "1e9", "2:", ":30", "2:3 0", "1_0"),
        *("inf", "-inf", "Infinity", "nan", "NaN", "1e309", "٣", "9" * 5000, "9" * 5000 + ":00"),
    ],
)
def test_other_hours_are_refused(typed: str) -> None:
    with pytest.raises(InvalidInput):
        hours_review.parse_hours(typed)


async def test_no_shows_are_marked_once_the_check_in_window_closes(session: AsyncSession) -> None:
    _, (came, missed), (came_id, missed_id) = await shift_with(session, 2)
    await checkin.check_in(session, came, came_id, now=START, method="code", policy=RULES)
    window_closes = START + timedelta(hours=3) + RULES.closes_after

    assert (
        await hours_review.mark_no_shows(
            session, now=window_closes - timedelta(minutes=1), policy=RULES
        )
        == []
    )
    marked = await hours_review.mark_no_shows(session, now=window_closes, policy=RULES)
    assert [s.id for s in marked] == [missed_id]
    assert missed.no_show_count == 1 and came.no_show_count == 0
    assert await hours_review.mark_no_shows(session, now=window_closes, policy=RULES) == []
    assert await actions(session) == [
        (came.telegram_id, "attendance.check_in"),
        (None, "attendance.no_show"),
    ]
