"""Confirmed hours and star levels without Telegram: what counts, this year in the deployment's
zone, activity lines, and levels at and around every threshold in exact minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities.tables import ServiceRecord, Shift, Signup
from models.attendance import hours
from models.attendance.hours import STAR_PRESETS, StarPolicy
from models.registration.tables import Volunteer
from tests.conftest import make_settings
from tests.models.world import COORDINATOR, NOW, make_activity, make_volunteers

ZONE = ZoneInfo("Asia/Shanghai")
NATIONAL = hours.thresholds_in_minutes(STAR_PRESETS["national"])
CITY = hours.thresholds_in_minutes(STAR_PRESETS["city"])


async def served(
    session: AsyncSession,
    volunteer: Volunteer,
    starts_at: datetime,
    credited: int,
    honour: int = 0,
    *,
    title: str = "Beach clean-up",
    confirmed: bool = True,
    activity_id: int | None = None,
) -> ServiceRecord:
    """A record of `credited` and `honour` minutes on a 3-hour shift starting `starts_at`, on a
    new activity (or another shift of `activity_id`), confirmed by a coordinator or not."""
    if activity_id is None:
        _, (shift,) = await make_activity(session, title=title)
    else:
        shift = Shift(activity_id=activity_id, starts_at=NOW, ends_at=NOW, capacity=5)
        session.add(shift)
    confirmed_at = starts_at + timedelta(days=1) if confirmed else None
    return await record(session, shift, volunteer.id, starts_at, credited, honour, confirmed_at)


async def record(
    session: AsyncSession,
    shift: Shift,
    volunteer_id: int,
    starts_at: datetime,
    credited: int,
    honour: int,
    confirmed_at: datetime | None,
) -> ServiceRecord:
    """Move `shift` to `starts_at` (publishing only takes future shifts; service is recorded
    after the fact) and give the volunteer a place on it and a record of their service there,
    as check-in, check-out and a coordinator's confirmation (if `confirmed_at`) leave it."""
    shift.starts_at, shift.ends_at = starts_at, starts_at + timedelta(hours=3)
    await session.flush()
    signup = Signup(
        shift_id=shift.id,
        volunteer_id=volunteer_id,
        status="confirmed",
        queued_at=starts_at - timedelta(days=1),
        updated_at=starts_at,
    )
    session.add(signup)
    await session.flush()
    service = ServiceRecord(
        signup_id=signup.id,
        checked_in_at=starts_at,
        checked_out_at=starts_at + timedelta(minutes=credited),
        checkin_method="code",
        credited_minutes=credited,
        honour_minutes=honour,
        flagged=confirmed_at is None,
        confirmed_at=confirmed_at,
        confirmed_by=None if confirmed_at is None else COORDINATOR,
    )
    session.add(service)
    await session.flush()
    return service


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ---- thresholds and levels ----------------------------------------------------------------


def test_the_presets_and_thresholds_in_minutes() -> None:
    assert NATIONAL == (6_000, 18_000, 36_000, 60_000, 90_000)
    assert CITY == (6_000, 12_000, 30_000, 48_000, 60_000)
    assert StarPolicy().thresholds == NATIONAL
    assert hours.thresholds_in_minutes(["99.75", "100.5"]) == (5_985, 6_030)
    for bad in (["300", "100"], ["100", "100"], ["0", "100"], ["100.001"], []):
        with pytest.raises(ValueError):
            hours.thresholds_in_minutes(bad)


@pytest.mark.parametrize("preset", ["national", "city"])
def test_levels_at_and_around_each_threshold(preset: str) -> None:
    thresholds = hours.thresholds_in_minutes(STAR_PRESETS[preset])
    for level, threshold in enumerate(thresholds, start=1):
        below, at, above = threshold - 15, threshold, threshold + 15  # e.g. 99.75, 100, 100.25 h
        assert hours.progress(below, thresholds).level == level - 1
        assert hours.progress(below, thresholds).to_next == 15
        assert hours.progress(at, thresholds).level == level
        assert hours.progress(above, thresholds).level == level
        assert hours.progress(at - 1, thresholds).level == level - 1  # one minute short
        following = thresholds[level] if level < len(thresholds) else None
        expected = None if following is None else following - at
        assert hours.progress(at, thresholds).to_next == expected
        assert hours.progress(above, thresholds).to_next == (
            None if following is None else following - above
        )
    assert hours.progress(0, thresholds) == hours.Progress(0, 5, thresholds[0])


def test_the_national_edges_in_hours_as_people_read_them() -> None:
    assert hours.hours_text(5_985) == "99.75"
    assert hours.progress(5_985, NATIONAL).level == 0
    assert hours.hours_text(hours.progress(5_985, NATIONAL).to_next or 0) == "0.25"
    assert hours.progress(6_000, NATIONAL).level == 1
    assert hours.hours_text(hours.progress(6_000, NATIONAL).to_next or 0) == "200"
    assert hours.hours_text(hours.progress(6_015, NATIONAL).to_next or 0) == "199.75"
    assert hours.progress(89_985, NATIONAL).level == 4
    assert hours.progress(90_000, NATIONAL) == hours.Progress(5, 5, None)
    assert hours.progress(10**7, NATIONAL) == hours.Progress(5, 5, None)


def test_hours_text_is_exact() -> None:
    assert [hours.hours_text(m) for m in (0, 15, 20, 90, 2_550, 6_000, 5_985, 1)] == [
        "0",
        "0.25",
        "0.33",
        "1.5",
        "42.5",
        "100",
        "99.75",
        "0.02",
    ]


def test_level_reached_only_when_a_threshold_is_crossed() -> None:
    assert hours.level_reached(5_985, 6_000, NATIONAL) == 1  # 99.75 h → 100 h
    assert hours.level_reached(5_999, 6_000, NATIONAL) == 1
    assert hours.level_reached(6_000, 6_015, NATIONAL) is None  # already there
    assert hours.level_reached(0, 5_999, NATIONAL) is None
    assert hours.level_reached(5_985, 18_000, NATIONAL) == 2  # two at once: the highest
    assert hours.level_reached(6_000, 5_985, NATIONAL) is None  # hours taken away
    assert hours.level_reached(89_999, 90_000, NATIONAL) == 5
    assert hours.level_reached(11_999, 12_000, CITY) == 2
    assert hours.level_reached(11_999, 12_000, NATIONAL) is None


def test_settings_choose_a_preset_or_thresholds() -> None:
    url = "sqlite+aiosqlite:///unused.db"
    assert make_settings(url).star_thresholds_minutes == NATIONAL
    assert make_settings(url, star_preset="city").star_thresholds_minutes == CITY
    given = make_settings(url, star_preset="city", star_thresholds_hours="50, 150.5")
    assert given.star_thresholds_minutes == (3_000, 9_030)  # given thresholds win
    with pytest.raises(ValidationError):
        make_settings(url, star_thresholds_hours="300,100")
    assert make_settings(url).honour_hours_count_for_stars is True


# ---- what the database holds --------------------------------------------------------------


async def test_only_confirmed_hours_count_and_this_year_is_local(db: AsyncSession) -> None:
    """On both databases (one query for all the totals: its sums and count are SQL)."""
    me, someone_else = await make_volunteers(db, 2)
    # 23:30 on 31 December in Xiamen: last year. 00:30 on 1 January: this year.
    await served(db, me, utc(2025, 12, 31, 15, 30), credited=120)
    await served(db, me, utc(2025, 12, 31, 16, 30), credited=90, honour=30)
    flagged = await served(db, me, utc(2026, 1, 2, 1), credited=600, confirmed=False)
    await served(db, me, utc(2026, 1, 3, 1), credited=45, confirmed=False)
    await served(db, someone_else, utc(2026, 1, 2, 1), credited=1_000, honour=60)

    totals = await hours.totals(db, me.id, now=NOW, zone=ZONE)
    assert totals == hours.Totals(
        credited=210, honour=30, year_credited=90, year_honour=30, activities=2
    )
    assert (totals.total, totals.year_total) == (240, 120)

    flagged.confirmed_at = NOW  # the coordinator looked at it and confirmed it
    await db.flush()
    totals = await hours.totals(db, me.id, now=NOW, zone=ZONE)
    assert (totals.credited, totals.year_credited, totals.activities) == (810, 690, 3)

    # Seen from New York on the evening of 31 December 2025, "this year" is 2025: both December
    # records count, the January one does not.
    new_york = await hours.totals(
        db, me.id, now=utc(2026, 1, 1, 3), zone=ZoneInfo("America/New_York")
    )
    assert (new_york.year_credited, new_york.year_honour) == (210, 30)


async def test_star_minutes_follow_the_honour_rule(session: AsyncSession) -> None:
    (me,) = await make_volunteers(session, 1)
    await served(session, me, utc(2026, 1, 2, 1), credited=5_970, honour=30)
    await served(session, me, utc(2026, 1, 3, 1), credited=0, honour=600, confirmed=False)

    counted = await hours.star_minutes(session, me.id, StarPolicy(honour_counts=True))
    not_counted = await hours.star_minutes(session, me.id, StarPolicy(honour_counts=False))
    assert (counted, not_counted) == (6_000, 5_970)
    assert hours.progress(counted, NATIONAL).level == 1
    assert hours.progress(not_counted, NATIONAL).level == 0
    totals = await hours.totals(session, me.id, now=NOW, zone=ZONE)
    assert totals.for_stars(StarPolicy(honour_counts=False)) == 5_970


async def test_a_whole_roster_s_hours_in_one_query(db: AsyncSession) -> None:
    """On both databases: the sums are grouped per volunteer."""
    me, someone_else, newcomer = await make_volunteers(db, 3)
    await served(db, me, utc(2026, 1, 2, 1), credited=120, honour=30)
    await served(db, me, utc(2026, 1, 3, 1), credited=60)
    await served(db, me, utc(2026, 1, 4, 1), credited=600, confirmed=False)
    await served(db, someone_else, utc(2026, 1, 2, 1), credited=45)

    everyone = await hours.served(db, [me.id, someone_else.id, newcomer.id])
    assert everyone == {me.id: hours.Served(180, 30), someone_else.id: hours.Served(45, 0)}
    assert everyone[me.id].total == 210
    assert await hours.served(db, []) == {}


async def test_activity_lines_most_recent_first_across_shifts(session: AsyncSession) -> None:
    (me,) = await make_volunteers(session, 1)
    library = await served(session, me, utc(2025, 12, 20, 1), credited=180, title="Library")
    activity_id = await _activity_of(session, library)
    await served(
        session, me, utc(2025, 12, 27, 1), credited=120, honour=15, activity_id=activity_id
    )
    await served(session, me, utc(2026, 1, 2, 1), credited=60, title="Beach clean-up")
    await served(session, me, utc(2025, 11, 1, 1), credited=0, title="Zero")  # a confirmed 0
    await served(session, me, utc(2026, 1, 4, 1), credited=90, title="Unconfirmed", confirmed=False)

    lines = await hours.activity_hours(session, me.id, zone=ZONE)
    assert [(line.title, line.credited, line.honour) for line in lines] == [
        ("Beach clean-up", 60, 0),
        ("Library", 300, 15),
    ]
    assert hours.dates_text(lines[1].first_day, lines[1].last_day) == "2025-12-20 – 2025-12-27"
    assert hours.dates_text(lines[0].first_day, lines[0].last_day) == "2026-01-02"
    assert [
        line.title for line in await hours.activity_hours(session, me.id, zone=ZONE, limit=1)
    ] == ["Beach clean-up"]
    assert (await hours.totals(session, me.id, now=NOW, zone=ZONE)).activities == 2


async def test_nothing_confirmed_is_all_zero(session: AsyncSession) -> None:
    (me,) = await make_volunteers(session, 1)
    assert await hours.totals(session, me.id, now=NOW, zone=ZONE) == hours.Totals(0, 0, 0, 0, 0)
    assert await hours.activity_hours(session, me.id, zone=ZONE) == []
    assert await hours.star_minutes(session, me.id, StarPolicy()) == 0


async def _activity_of(session: AsyncSession, record: ServiceRecord) -> int:
    signup = await session.get(Signup, record.signup_id)
    assert signup is not None
    shift = await session.get(Shift, signup.shift_id)
    assert shift is not None
    return shift.activity_id
