"""The calendar subscription's rules without Telegram, on both databases: one secret token per
volunteer, replaced on request (the old one opens nothing), and the shifts its feed lists, read
in two queries however many there are."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.activities import calendar_feed, signup
from models.activities.calendar_feed import replace_token, subscriber, token_of
from models.activities.tables import CalendarFeed, SignupStatus
from models.publishing import edit_activity, publication
from models.registration import erasure
from tests.models.world import (
    COORDINATOR,
    NOW,
    POLICY,
    at,
    counting,
    make_activity,
    make_volunteer,
    shift_plan,
)


@pytest.fixture
def session(db: AsyncSession) -> AsyncSession:
    return db  # each test on SQLite and on PostgreSQL


async def test_a_token_is_made_once_random_and_url_safe(session: AsyncSession) -> None:
    alice, bob = await make_volunteer(session, 1), await make_volunteer(session, 2)

    token = await token_of(session, alice, now=NOW)

    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", token)
    assert await token_of(session, alice, now=NOW + timedelta(days=1)) == token
    assert await token_of(session, bob, now=NOW) != token
    found = await subscriber(session, token)
    assert found == calendar_feed.Subscriber(alice.id, "en")


async def test_a_replaced_token_opens_nothing_and_the_replacement_is_audited(
    session: AsyncSession,
) -> None:
    alice = await make_volunteer(session, 1)
    old = await token_of(session, alice, now=NOW)

    new = await replace_token(session, alice, now=NOW)

    assert new != old
    assert await subscriber(session, old) is None
    assert await subscriber(session, new) == calendar_feed.Subscriber(alice.id, "en")
    (entry,) = await audit.entries(session, area="volunteers")
    assert (entry.action, entry.actor_telegram_id, entry.target_id) == (
        "volunteer.calendar_replaced",
        1,
        alice.id,
    )
    logged = str((entry.before, entry.after))
    assert old not in logged and new not in logged


async def test_nothing_but_a_current_token_of_an_active_volunteer_opens_a_feed(
    session: AsyncSession,
) -> None:
    alice = await make_volunteer(session, 1)
    token = await token_of(session, alice, now=NOW)
    with counting(session) as statements:
        for wrong in ("", "short", token[:-1] + "%", token + "A", "'; DROP TABLE x; --" + "A" * 13):
            assert await subscriber(session, wrong) is None
    assert statements == []  # malformed tokens never reach the database

    await erasure.erase(session, alice.telegram_id, now=NOW, policy=POLICY)

    assert await subscriber(session, token) is None
    assert await session.get(CalendarFeed, alice.id) is None


async def test_the_schema_holds_one_token_a_volunteer_of_32_characters(
    session: AsyncSession,
) -> None:
    alice = await make_volunteer(session, 1)
    session.add(CalendarFeed(volunteer_id=alice.id, token="too-short", created_at=NOW))
    with pytest.raises(IntegrityError):
        await session.flush()


async def test_the_feed_lists_places_held_from_30_days_back_earliest_first_in_one_query(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob = await make_volunteer(session, 1), await make_volunteer(session, 2)
    activity, shifts = await make_activity(
        session,
        shift_plan(at(days=1)),  # Alice cancels
        shift_plan(at(days=2)),  # confirmed
        shift_plan(at(days=3), capacity=1),  # Bob took the place: Alice waits
        shift_plan(at(days=4)),  # the coordinator cancels it
        shift_plan(at(days=5)),  # attended
        shift_plan(at(days=6)),  # missed
    )
    cancelled, confirmed, waited, dropped, attended, missed = shifts
    await signup.sign_up(session, bob, waited.id, now=NOW, policy=POLICY)
    placed = {
        shift.id: (await signup.sign_up(session, alice, shift.id, now=NOW, policy=POLICY)).signup
        for shift in shifts
    }
    await signup.cancel(session, alice, placed[cancelled.id].id, now=NOW, policy=POLICY)
    await publication.cancel_shifts(
        session, activity, [dropped.id], actor=COORDINATOR, reason="Rain", now=NOW
    )
    placed[attended.id].status = SignupStatus.ATTENDED
    placed[missed.id].status = SignupStatus.NO_SHOW
    await session.flush()

    with counting(session) as statements:
        listed = await calendar_feed.items(session, alice.id, now=NOW)
    assert len(statements) == 1
    assert [shift for _, shift, _ in listed] == [confirmed, attended, missed]

    a_month_on = confirmed.ends_at + calendar_feed.RECENT
    listed = await calendar_feed.items(session, alice.id, now=a_month_on - timedelta(hours=1))
    assert [shift for _, shift, _ in listed] == [confirmed, attended, missed]
    listed = await calendar_feed.items(session, alice.id, now=a_month_on + timedelta(hours=1))
    assert [shift for _, shift, _ in listed] == [attended, missed]

    monkeypatch.setattr(calendar_feed, "MAX_EVENTS", 2)
    listed = await calendar_feed.items(session, alice.id, now=NOW)
    assert [shift for _, shift, _ in listed] == [confirmed, attended]


async def test_a_move_or_a_new_place_raises_the_sequence_and_the_modification_time(
    session: AsyncSession,
) -> None:
    alice = await make_volunteer(session, 1)
    activity, (shift, other) = await make_activity(
        session, shift_plan(at(days=1)), shift_plan(at(days=2))
    )
    await signup.sign_up(session, alice, shift.id, now=NOW, policy=POLICY)
    (before,) = await calendar_feed.items(session, alice.id, now=NOW)
    assert (shift.sequence, calendar_feed.last_modified(before)) == (0, NOW)

    later = NOW + timedelta(hours=1)
    await edit_activity.change_shift_times(
        session,
        activity,
        shift.id,
        shift.starts_at + timedelta(hours=2),
        shift.ends_at + timedelta(hours=2),
        actor=COORDINATOR,
        now=later,
    )
    (moved,) = await calendar_feed.items(session, alice.id, now=later)
    assert (moved[1].sequence, other.sequence) == (1, 0)
    assert calendar_feed.last_modified(moved) == later

    await edit_activity.change_address(
        session, activity, "Huandao Road 9", actor=COORDINATOR, now=later
    )
    assert (shift.sequence, other.sequence) == (2, 1)
