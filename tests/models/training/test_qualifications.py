"""Qualifications without Telegram, on SQLite and PostgreSQL: confirmed attendance at a training
session grants the course's qualification with its expiry (audited, once); sign-up and offered
places refuse a volunteer without a valid one (naming the course and its next session), an
expired or withdrawn one no longer counts; grants and withdrawals by hand need a reason and are
audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities import offers, signup
from models.activities.tables import Activity, Shift, Signup
from models.attendance import checkin, hours_review
from models.attendance.checkin import AttendancePolicy
from models.audit import AuditEntry
from models.errors import InvalidInput, NotAllowed
from models.registration.tables import Volunteer
from models.training import courses, qualifications
from models.training.tables import Course
from tests.models.world import (
    COORDINATOR,
    NOW,
    POLICY,
    at,
    make_shift,
    make_volunteer,
)

RULES = AttendancePolicy()
SESSION = at(days=1)  # the course's session: tomorrow, three hours


async def gated(db: AsyncSession, *, months: int | None = 12) -> tuple[Course, Shift, Shift]:
    """A course (its qualification valid `months`), a session of it, and a shift requiring it
    (in 400 days, with one place)."""
    course = await courses.create(
        db, name="First aid", description="", validity_months=months, actor=COORDINATOR, now=NOW
    )
    session_shift = await make_shift(db, SESSION, capacity=5)
    post = await make_shift(db, at(days=400), capacity=1)
    for shift, toggle in (
        (session_shift, courses.toggle_session),
        (post, courses.toggle_requirement),
    ):
        activity = await db.get(Activity, shift.activity_id)
        assert activity is not None
        assert await toggle(db, course, activity, actor=COORDINATOR, now=NOW)
    return course, session_shift, post


async def attend(db: AsyncSession, volunteer: Volunteer, shift: Shift) -> int:
    """The volunteer signs up, comes, leaves; the coordinator confirms: the sign-up's id."""
    placed = await signup.sign_up(db, volunteer, shift.id, now=NOW, policy=POLICY)
    mine = placed.signup.id
    arrived = shift.starts_at + timedelta(minutes=5)
    await checkin.check_in(db, volunteer, mine, now=arrived, method="code", policy=RULES)
    await checkin.check_out(db, volunteer, mine, now=shift.ends_at, policy=RULES)
    await hours_review.confirm(db, actor=COORDINATOR, signup_id=mine, now=shift.ends_at)
    return mine


async def audited(db: AsyncSession) -> list[str]:
    rows = await db.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.target_type == "qualification")
        .order_by(AuditEntry.id)
    )
    return list(rows)


async def test_attending_a_session_qualifies_until_it_expires(db: AsyncSession) -> None:
    course, session_shift, post = await gated(db, months=12)
    alice = await make_volunteer(db, 1001)

    with pytest.raises(NotAllowed) as refused:
        await signup.sign_up(db, alice, post.id, now=NOW, policy=POLICY)
    assert refused.value.code == "needs_course"
    assert refused.value.params == {"course": "First aid", "runs": SESSION}

    mine = await attend(db, alice, session_shift)
    held = (await qualifications.held_by(db, {alice.id}, now=session_shift.ends_at))[alice.id]
    assert [h.qualification.expires_at for h in held] == [SESSION.replace(year=2027)]
    told = await qualifications.granted_with(db, [mine])
    assert [(signup_id, h.course.name) for signup_id, h in told] == [(mine, "First aid")]
    # Changing the hours afterwards confirms again, but grants nothing new to tell of.
    later = session_shift.ends_at + timedelta(hours=1)
    await hours_review.adjust(
        db, actor=COORDINATOR, signup_id=mine, minutes=120, reason="left early", now=later
    )
    assert await qualifications.granted_with(db, [mine]) == []
    assert await audited(db) == ["qualification.attended"]

    # The post is in 400 days: the qualification (a year) has expired by then.
    with pytest.raises(NotAllowed) as refused:
        await signup.sign_up(db, alice, post.id, now=later, policy=POLICY)
    assert refused.value.code == "needs_course_unscheduled"  # the one session is over

    # A shift within the year takes her.
    soon = await make_shift(db, at(days=30))
    activity = await db.get(Activity, soon.activity_id)
    assert activity is not None
    await courses.toggle_requirement(db, course, activity, actor=COORDINATOR, now=later)
    placed = await signup.sign_up(db, alice, soon.id, now=later, policy=POLICY)
    assert placed.position is None


async def test_a_withdrawn_qualification_no_longer_counts(db: AsyncSession) -> None:
    course, _, post = await gated(db, months=None)
    alice, bob = await make_volunteer(db, 1001), await make_volunteer(db, 1002)
    for person in (alice, bob):
        with pytest.raises(InvalidInput):
            await qualifications.grant(db, person, course, reason=" ", actor=COORDINATOR, now=NOW)
        granted = await qualifications.grant(
            db, person, course, reason="Red Cross course", actor=COORDINATOR, now=NOW
        )
        assert granted.expires_at is None
    await signup.sign_up(db, alice, post.id, now=NOW, policy=POLICY)  # the one place
    waiting = await signup.sign_up(db, bob, post.id, now=NOW, policy=POLICY)
    assert waiting.position == 1

    withdrawn = await qualifications.withdraw(
        db, granted.id, reason="left the team", actor=COORDINATOR, now=NOW
    )
    assert withdrawn.withdrawn_reason == "left the team"
    # A place freed while Bob waited is offered, but he can no longer take it.
    alice_signup = await db.scalar(select(Signup.id).where(Signup.volunteer_id == alice.id))
    assert alice_signup is not None
    vacancy = await signup.cancel(db, alice, alice_signup, now=NOW, policy=POLICY)
    assert [offer.volunteer_id for offer in vacancy.offers] == [bob.id]
    with pytest.raises(NotAllowed) as refused:
        await offers.accept_offer(db, bob, vacancy.offers[0].id, now=NOW, policy=POLICY)
    assert refused.value.code == "needs_course"  # its session tomorrow
    assert await audited(db) == [
        "qualification.grant",
        "qualification.grant",
        "qualification.withdraw",
    ]
    entry = await db.scalar(select(AuditEntry).where(AuditEntry.action == "qualification.withdraw"))
    assert entry is not None and entry.after is not None
    assert entry.after["reason"] == "left the team" and entry.after["withdrawn"] is True


def test_months_are_added_as_calendars_count_them() -> None:
    end_of_january = datetime(2027, 1, 31, 9, tzinfo=UTC)
    assert qualifications.add_months(end_of_january, 1) == datetime(2027, 2, 28, 9, tzinfo=UTC)
    assert qualifications.add_months(end_of_january, 13) == datetime(2028, 2, 29, 9, tzinfo=UTC)
    assert qualifications.add_months(end_of_january, 24) == datetime(2029, 1, 31, 9, tzinfo=UTC)
