"""A rota's rule expanded into dates, without a database: weekdays, every N weeks, exception
dates, the end date, and local hours that stay put when the clocks change."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from models.errors import InvalidInput
from models.rotas import rules
from models.rotas.rules import RulePlan

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
SAT, SUN = 5, 6


def saturdays(**changes: object) -> RulePlan:
    values: dict[str, object] = {
        "weekdays": frozenset({SAT}),
        "every_weeks": 1,
        "starts_on": date(2026, 1, 5),
        "ends_on": None,
        "start_time": time(9),
        "end_time": time(11),
        "capacity": 2,
    }
    values.update(changes)
    return RulePlan(**values)  # type: ignore[arg-type]


def days(plan: RulePlan, *, weeks: int = 6, exceptions: set[date] | None = None) -> list[date]:
    found = rules.expand(
        plan, exceptions or set(), SHANGHAI, after=MONDAY, before=MONDAY + timedelta(weeks=weeks)
    )
    return [occurrence.day for occurrence in found]


def test_a_weekly_rule_gives_each_saturday_at_its_local_hours() -> None:
    (first, *rest) = rules.expand(
        saturdays(), set(), SHANGHAI, after=MONDAY, before=MONDAY + timedelta(weeks=4)
    )
    assert first.day == date(2026, 1, 10)
    assert first.starts_at == datetime(2026, 1, 10, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    assert first.ends_at - first.starts_at == timedelta(hours=2)
    assert [o.day for o in rest] == [date(2026, 1, 17), date(2026, 1, 24), date(2026, 1, 31)]


def test_every_other_week_on_two_days_less_the_exceptions_until_the_end_date() -> None:
    plan = saturdays(weekdays=frozenset({SAT, SUN}), every_weeks=2, ends_on=date(2026, 2, 7))
    assert days(plan, exceptions={date(2026, 1, 25)}) == [
        date(2026, 1, 10),
        date(2026, 1, 11),
        date(2026, 1, 24),
        date(2026, 2, 7),  # the end date itself is the last
    ]


def test_a_date_starting_now_or_before_is_not_given_again() -> None:
    plan = saturdays(weekdays=frozenset({0}))  # Mondays 09:00: MONDAY is exactly then
    assert days(plan, weeks=2) == [date(2026, 1, 12)]


def test_local_hours_hold_across_a_change_of_daylight_saving_time() -> None:
    after = datetime(2026, 3, 23, tzinfo=UTC)
    found = rules.expand(
        saturdays(starts_on=date(2026, 3, 1)),
        set(),
        BERLIN,
        after=after,
        before=after + timedelta(weeks=2),
    )
    assert [o.starts_at.astimezone(BERLIN).time() for o in found] == [time(9), time(9)]
    # Berlin moves to summer time on 29 March: 09:00 is an hour earlier in UTC after it.
    assert [o.starts_at.hour for o in found] == [8, 7]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"weekdays": frozenset()}, "rota_no_weekdays"),
        ({"every_weeks": 0}, "rota_every_weeks"),
        ({"end_time": time(8)}, "rota_overnight"),
        ({"ends_on": date(2026, 1, 1)}, "rota_end_before_start"),
        ({"capacity": 0}, "capacity_invalid"),
    ],
)
def test_a_rule_that_cannot_be_is_refused_with_the_reason(
    changes: dict[str, object], code: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        rules.check_plan(saturdays(**changes))
    assert refused.value.code == code


def test_the_weekday_bits_round_trip() -> None:
    assert rules.days_of(rules.mask({SAT, 0})) == [0, SAT]
