"""Dates and times as people type them, in both languages, against a fixed `today` (the
injected clock's date): every form, around month and year ends, a weekday that is today, 下周六
on a Sunday, looking ahead and looking back, and what is refused and why."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from models.clock import ManualClock
from models.dates import Direction, parse_clock, parse_day, parse_day_then, parse_moment
from models.errors import InvalidInput
from models.publishing import activity_input

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = ManualClock().now().astimezone(SHANGHAI).date()  # 2026-01-05, the tests' fixed clock
SUNDAY = date(2026, 1, 11)
YEAR_END = date(2026, 12, 30)  # a Wednesday
MONTH_END = date(2026, 1, 31)  # a Saturday
AHEAD, BACK = Direction.AHEAD, Direction.BACK


def refusal(read: Callable[[], object]) -> str:
    """The catalog key `read` is refused with."""
    with pytest.raises(InvalidInput) as refused:
        read()
    return refused.value.code


DAYS = [
    # (typed, today, direction, understood)
    # full dates
    ("2026-01-10", MONDAY, AHEAD, date(2026, 1, 10)),
    ("2026/1/10", MONDAY, AHEAD, date(2026, 1, 10)),
    ("2026.1.10", MONDAY, AHEAD, date(2026, 1, 10)),
    ("2026年1月10日", MONDAY, AHEAD, date(2026, 1, 10)),
    ("2026年1月10号", MONDAY, AHEAD, date(2026, 1, 10)),
    ("２０２６年１月１０日", MONDAY, AHEAD, date(2026, 1, 10)),
    ("10 Jan 2027", MONDAY, AHEAD, date(2027, 1, 10)),
    ("Jan 10, 2026", MONDAY, AHEAD, date(2026, 1, 10)),
    ("2028-02-29", MONDAY, AHEAD, date(2028, 2, 29)),
    # month and day: month/day, the next one not in the past
    ("1月10日", MONDAY, AHEAD, date(2026, 1, 10)),
    ("1月10号", MONDAY, AHEAD, date(2026, 1, 10)),
    ("1月10", MONDAY, AHEAD, date(2026, 1, 10)),
    ("一月十日", MONDAY, AHEAD, date(2026, 1, 10)),
    ("十二月二十五日", MONDAY, AHEAD, date(2026, 12, 25)),
    ("1/10", MONDAY, AHEAD, date(2026, 1, 10)),
    ("１／１０", MONDAY, AHEAD, date(2026, 1, 10)),
    ("01-10", MONDAY, AHEAD, date(2026, 1, 10)),
    ("1.10", MONDAY, AHEAD, date(2026, 1, 10)),
    ("10 Jan", MONDAY, AHEAD, date(2026, 1, 10)),
    ("Jan 10", MONDAY, AHEAD, date(2026, 1, 10)),
    ("January 10th", MONDAY, AHEAD, date(2026, 1, 10)),
    ("10 january", MONDAY, AHEAD, date(2026, 1, 10)),
    ("1月5日", MONDAY, AHEAD, date(2026, 1, 5)),  # today
    ("1月4日", MONDAY, AHEAD, date(2027, 1, 4)),  # yesterday's: next year
    ("1/2", YEAR_END, AHEAD, date(2027, 1, 2)),
    ("12月30日", YEAR_END, AHEAD, date(2026, 12, 30)),
    ("2月29日", MONDAY, AHEAD, date(2028, 2, 29)),  # the next leap day
    # day of the month
    ("10号", MONDAY, AHEAD, date(2026, 1, 10)),
    ("10日", MONDAY, AHEAD, date(2026, 1, 10)),
    ("十号", MONDAY, AHEAD, date(2026, 1, 10)),
    ("二十五号", MONDAY, AHEAD, date(2026, 1, 25)),
    ("the 10th", MONDAY, AHEAD, date(2026, 1, 10)),
    ("10th", MONDAY, AHEAD, date(2026, 1, 10)),
    ("4号", MONDAY, AHEAD, date(2026, 2, 4)),
    ("5号", MONDAY, AHEAD, date(2026, 1, 5)),
    ("1号", YEAR_END, AHEAD, date(2027, 1, 1)),
    ("31号", MONTH_END, AHEAD, date(2026, 1, 31)),
    ("30号", MONTH_END, AHEAD, date(2026, 3, 30)),  # February has no 30th
    # relative days
    ("今天", MONDAY, AHEAD, date(2026, 1, 5)),
    ("明天", MONDAY, AHEAD, date(2026, 1, 6)),
    ("后天", MONDAY, AHEAD, date(2026, 1, 7)),
    ("大后天", MONDAY, AHEAD, date(2026, 1, 8)),
    ("today", MONDAY, AHEAD, date(2026, 1, 5)),
    ("Tomorrow", MONDAY, AHEAD, date(2026, 1, 6)),
    ("the day after tomorrow", MONDAY, AHEAD, date(2026, 1, 7)),
    ("day after tomorrow", MONDAY, AHEAD, date(2026, 1, 7)),
    ("明天", YEAR_END, AHEAD, date(2026, 12, 31)),
    ("后天", YEAR_END, AHEAD, date(2027, 1, 1)),
    ("明天", MONTH_END, AHEAD, date(2026, 2, 1)),
    # weekdays: the coming one, this week's, next week's (weeks start on Monday)
    ("周六", MONDAY, AHEAD, date(2026, 1, 10)),
    ("星期六", MONDAY, AHEAD, date(2026, 1, 10)),
    ("礼拜六", MONDAY, AHEAD, date(2026, 1, 10)),
    ("周6", MONDAY, AHEAD, date(2026, 1, 10)),
    ("Saturday", MONDAY, AHEAD, date(2026, 1, 10)),
    ("Sat", MONDAY, AHEAD, date(2026, 1, 10)),
    ("on Sat.", MONDAY, AHEAD, date(2026, 1, 10)),
    ("周一", MONDAY, AHEAD, date(2026, 1, 5)),  # a weekday equal to today: today
    ("Monday", MONDAY, AHEAD, date(2026, 1, 5)),
    ("周日", MONDAY, AHEAD, date(2026, 1, 11)),
    ("星期天", MONDAY, AHEAD, date(2026, 1, 11)),
    ("礼拜天", MONDAY, AHEAD, date(2026, 1, 11)),
    ("这周六", MONDAY, AHEAD, date(2026, 1, 10)),
    ("本周六", MONDAY, AHEAD, date(2026, 1, 10)),
    ("this Saturday", MONDAY, AHEAD, date(2026, 1, 10)),
    ("下周六", MONDAY, AHEAD, date(2026, 1, 17)),
    ("下个周六", MONDAY, AHEAD, date(2026, 1, 17)),
    ("下星期六", MONDAY, AHEAD, date(2026, 1, 17)),
    ("下礼拜六", MONDAY, AHEAD, date(2026, 1, 17)),
    ("next Saturday", MONDAY, AHEAD, date(2026, 1, 17)),
    ("next Sat", MONDAY, AHEAD, date(2026, 1, 17)),
    ("下下周六", MONDAY, AHEAD, date(2026, 1, 24)),
    ("下周一", MONDAY, AHEAD, date(2026, 1, 12)),
    ("下周六", SUNDAY, AHEAD, date(2026, 1, 17)),  # on a Sunday: six days on
    ("周六", SUNDAY, AHEAD, date(2026, 1, 17)),
    ("这周六", SUNDAY, AHEAD, date(2026, 1, 10)),  # this week's, the day before
    ("下周日", SUNDAY, AHEAD, date(2026, 1, 18)),
    ("周六", MONTH_END, AHEAD, date(2026, 1, 31)),
    ("下周六", MONTH_END, AHEAD, date(2026, 2, 7)),
    ("周六", YEAR_END, AHEAD, date(2027, 1, 2)),
    ("下周六", YEAR_END, AHEAD, date(2027, 1, 9)),
    # looking back (what has happened: a birth date, a past period)
    ("1990-05-01", MONDAY, BACK, date(1990, 5, 1)),
    ("1990年5月1日", MONDAY, BACK, date(1990, 5, 1)),
    ("1990/5/1", MONDAY, BACK, date(1990, 5, 1)),
    ("12月25日", MONDAY, BACK, date(2025, 12, 25)),
    ("1/10", MONDAY, BACK, date(2025, 1, 10)),
    ("1/5", MONDAY, BACK, date(2026, 1, 5)),
    ("10号", MONDAY, BACK, date(2025, 12, 10)),
    ("周六", MONDAY, BACK, date(2026, 1, 3)),
    ("Saturday", MONDAY, BACK, date(2026, 1, 3)),
    ("周一", MONDAY, BACK, date(2026, 1, 5)),
    ("上周六", MONDAY, BACK, date(2026, 1, 3)),
    ("last Monday", MONDAY, BACK, date(2025, 12, 29)),
    ("昨天", MONDAY, BACK, date(2026, 1, 4)),
    ("yesterday", MONDAY, BACK, date(2026, 1, 4)),
    ("前天", MONDAY, BACK, date(2026, 1, 3)),
]


@pytest.mark.parametrize(("typed", "today", "direction", "understood"), DAYS)
def test_each_form_of_a_day_is_understood(
    typed: str, today: date, direction: Direction, understood: date
) -> None:
    assert parse_day(typed, today=today, direction=direction) == understood


REFUSED_DAYS = [
    ("2月30日", "date_impossible"),
    ("13/45", "date_impossible"),
    ("2026-13-01", "date_impossible"),
    ("2026-02-29", "date_impossible"),
    ("32号", "date_impossible"),
    ("0号", "date_impossible"),
    ("31 Feb", "date_impossible"),
    ("someday", "date_format"),
    ("next week", "date_format"),
    ("下周八", "date_format"),
    ("", "date_format"),
    ("10", "date_format"),
    ("month", "date_format"),
    ("明天" + " " * 4000, "date_format"),  # a long message is not read at all
]


@pytest.mark.parametrize(("typed", "code"), REFUSED_DAYS)
def test_what_names_no_day_is_refused_with_the_reason(typed: str, code: str) -> None:
    assert refusal(lambda: parse_day(typed, today=MONDAY)) == code


CLOCKS = [
    ("9:00", time(9)),
    ("09:00", time(9)),
    ("14:30", time(14, 30)),
    ("14：30", time(14, 30)),
    ("9点", time(9)),
    ("九点", time(9)),
    ("9点半", time(9, 30)),
    ("9点30", time(9, 30)),
    ("9点30分", time(9, 30)),
    ("9点一刻", time(9, 15)),
    ("上午9点", time(9)),
    ("早上8点", time(8)),
    ("下午3点", time(15)),
    ("下午三点半", time(15, 30)),
    ("晚上7点半", time(19, 30)),
    ("中午12点", time(12)),
    ("中午1点", time(13)),
    ("下午15点", time(15)),
    ("9am", time(9)),
    ("9 a.m.", time(9)),
    ("3pm", time(15)),
    ("3:30 pm", time(15, 30)),
    ("12am", time(0)),
    ("12pm", time(12)),
]


@pytest.mark.parametrize(("typed", "understood"), CLOCKS)
def test_each_form_of_a_time_is_understood(typed: str, understood: time) -> None:
    assert parse_clock(typed) == understood


@pytest.mark.parametrize("typed", ["25:00", "9:60", "13pm", "soon", "下午", ""])
def test_what_names_no_time_is_refused(typed: str) -> None:
    assert refusal(lambda: parse_clock(typed)) == "time_format"


NOW = ManualClock().now().astimezone(SHANGHAI)  # Monday 2026-01-05 09:00 in Shanghai
MOMENTS = [
    ("明天 9:00", datetime(2026, 1, 6, 9)),
    ("明天9点", datetime(2026, 1, 6, 9)),
    ("下周六 上午9点", datetime(2026, 1, 17, 9)),
    ("下周六上午9点", datetime(2026, 1, 17, 9)),
    ("1月10日 18:00", datetime(2026, 1, 10, 18)),
    ("1月10日18:00", datetime(2026, 1, 10, 18)),
    ("1/10 18:00", datetime(2026, 1, 10, 18)),
    ("2026-01-06 18:30", datetime(2026, 1, 6, 18, 30)),
    ("10号 晚上7点", datetime(2026, 1, 10, 19)),
    ("14:30", datetime(2026, 1, 5, 14, 30)),  # later today
    ("8:30", datetime(2026, 1, 6, 8, 30)),  # passed today: tomorrow
    ("tomorrow 9am", datetime(2026, 1, 6, 9)),
    ("the day after tomorrow 9:00", datetime(2026, 1, 7, 9)),
    ("next Sat 3pm", datetime(2026, 1, 17, 15)),
    ("Jan 10 6:30pm", datetime(2026, 1, 10, 18, 30)),
    ("10 Jan 18:00", datetime(2026, 1, 10, 18)),
]


@pytest.mark.parametrize(("typed", "understood"), MOMENTS)
def test_a_day_and_a_time_are_understood_in_the_deployments_zone(
    typed: str, understood: datetime
) -> None:
    assert parse_moment(typed, now=NOW) == understood.replace(tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("2月30日 9:00", "date_impossible"),
        ("明天 25:00", "time_format"),
        ("2026-01-06 25:00", "time_format"),
        ("明天", "moment_format"),
        ("next week", "moment_format"),
        ("someday 9:00", "moment_format"),
        ("明天 9:00" + "。" * 4000, "moment_format"),
    ],
)
def test_what_names_no_moment_is_refused_with_the_reason(typed: str, code: str) -> None:
    assert refusal(lambda: parse_moment(typed, now=NOW)) == code


@pytest.mark.parametrize(
    ("typed", "understood"),
    [
        ("明天 9:00-11:00", (date(2026, 1, 6), (time(9), time(11)))),
        ("下周六 上午9点到11点半", (date(2026, 1, 17), (time(9), time(11, 30)))),
        ("下午2点到5点", None),  # no day
        ("1/10 14:00–17:00", (date(2026, 1, 10), (time(14), time(17)))),
        ("Sat 2pm-5pm", (date(2026, 1, 10), (time(14), time(17)))),
    ],
)
def test_a_day_and_a_time_range(
    typed: str, understood: tuple[date, tuple[time, time]] | None
) -> None:
    if understood is None:
        with pytest.raises(InvalidInput):
            parse_day_then(typed, activity_input.parse_time_range, today=MONDAY)
    else:
        assert parse_day_then(typed, activity_input.parse_time_range, today=MONDAY) == understood


@pytest.mark.parametrize(
    ("typed", "understood"),
    [
        ("下午2点到5点", (time(14), time(17))),
        ("2pm-5:00", (time(14), time(17))),
        ("9点-12点", (time(9), time(12))),
        ("9-12", (time(9), time(12))),
        ("下午2到5", (time(14), time(17))),
    ],
)
def test_shift_times_read_the_same_way(typed: str, understood: tuple[time, time]) -> None:
    assert activity_input.parse_time_range(typed) == understood


@pytest.mark.parametrize(
    ("typed", "code"), [("12:00-09:00", "time_range_order"), ("上午11点到下午1点", None)]
)
def test_an_end_before_the_start_is_carried_only_from_an_afternoon_said(
    typed: str, code: str | None
) -> None:
    if code is None:
        assert activity_input.parse_time_range(typed) == (time(11), time(13))
        return
    assert refusal(lambda: activity_input.parse_time_range(typed)) == code
