"""Dates and times as people type them, in Chinese or English, read against the deployment's
`today` (from the injected clock). Pure functions: no settings, no bot.

One rule for every user, whatever their language (a Chinese coordinator may type "tomorrow"):

- Full dates: `2026-01-10`, `2026/1/10`, `2026.1.10`, `2026年1月10日` (or 号), `10 Jan 2026`,
  `Jan 10, 2026`.
- Month and day, no year: `1月10日`, `1月10号`, `1月10`, `一月十日`, `Jan 10`, `10 January`, and
  with digits only `1/10`, `1-10`, `1.10` — always MONTH/DAY, as written in China (and the US);
  the bot repeats the date back with its weekday, so a day/month reading shows at once.
- Day of the month: `10号`, `10日`, `十号`, `10th`, `the 10th`.
- Relative: `今天`/`today`, `明天`/`tomorrow`, `后天`/`the day after tomorrow`, `大后天`,
  `昨天`/`yesterday`, `前天`.
- Weekdays: `周六`/`星期六`/`礼拜六`/`周6`/`Saturday`/`Sat` is the coming one (today when today is
  Saturday); `这周六`/`本周六`/`this Saturday` is the Saturday of this week and `下周六`/`下个周六`/
  `next Saturday` the Saturday of next week (`下下周六` the week after; `上周六`/`last Saturday`
  the week before), weeks starting on Monday. So on a Sunday `下周六` is six days away, and on a
  Monday it is twelve.
- Times: `9:00`, `14:30`, `9点`, `9点半`, `9点30分`, `上午9点`, `下午3点` (15:00), `晚上7点半`,
  `中午1点` (13:00), `9am`, `3:30pm`.

Without a year, a date means the next such day that is not in the past (`Direction.AHEAD`, for
shifts, deadlines and send times) or the last that is not in the future (`Direction.BACK`, for
what has happened, e.g. a birth date or a past period). Errors are `InvalidInput` with the
catalog keys `date_format`, `date_impossible`, `time_format` and `moment_format`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import TypeVar

from models.errors import InvalidInput

T = TypeVar("T")
TYPED_MAX_CHARS = 64  # longer is no day or time: refused before any reading (a message may be 4096)


class Direction(StrEnum):
    """Which way a date without a year (or a bare weekday or day of the month) points."""

    AHEAD = "ahead"  # the next such day, today included
    BACK = "back"  # the last such day, today included


CHINESE_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
CHINESE_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
CHINESE_NUMBER = re.compile("[〇零一二两三四五六七八九十]+")
MONTHS = "january february march april may june july august september october november december"
WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday"
RELATIVE_DAYS = {
    "前天": -2, "昨天": -1, "昨日": -1, "今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2,
    "大后天": 3, "yesterday": -1, "today": 0, "tomorrow": 1, "tmr": 1,
    "the day after tomorrow": 2, "day after tomorrow": 2, "the day before yesterday": -2,
}  # fmt: skip

YEAR_MONTH_DAY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
MONTH_DAY = re.compile(r"(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*[日号]?")
DAY_OF_MONTH = re.compile(r"(?:the\s+)?(\d{1,2})(?:\s*[日号]|st|nd|rd|th)")
MONTH_NAME = r"([a-z]{3,9})\.?"
ORDINAL_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
YEAR_AFTER = r"(?:,?\s*(\d{4}))?"
DAY_MONTH_NAME = re.compile(rf"{ORDINAL_DAY}\s+(?:of\s+)?{MONTH_NAME}{YEAR_AFTER}")
MONTH_NAME_DAY = re.compile(rf"{MONTH_NAME}\s+{ORDINAL_DAY}{YEAR_AFTER}")
CHINESE_WEEKDAY = re.compile(r"(这个?|本|上+个?|下+个?)?\s*(?:周|星期|礼拜)\s*([1-7日天])")
ENGLISH_WEEKDAY = re.compile(r"(?:on\s+)?(this|next|last)?\s*([a-z]{3,9})\.?")
CLOCK = re.compile(r"(\d{1,2})\s*[:.]\s*(\d{2})")
CHINESE_CLOCK = re.compile(r"(\d{1,2})\s*[点點时時]\s*(?:(半)|(\d)刻|(\d{1,2})\s*分?)?")
ENGLISH_CLOCK = re.compile(r"(\d{1,2})(?:\s*[:.]\s*(\d{2}))?\s*([ap])\.?\s*m\.?")
CHINESE_PERIOD = re.compile(r"(凌晨|早上|早晨|清晨|上午|中午|下午|傍晚|晚上|夜里|夜间)?\s*(.*)")
AFTERNOON = {"下午", "傍晚", "晚上", "夜里", "夜间"}
SAYS_AFTERNOON = re.compile(r"下午|傍晚|晚上|夜|\d\s*p\.?\s*m")
SAYS_HALF_OF_DAY = re.compile(r"凌晨|早|上午|中午|下午|傍晚|晚上|夜|\d\s*[ap]\.?\s*m")


def normalize(text: str) -> str:
    """Full-width forms made ASCII, lower case, single spaces, Chinese numbers as digits."""
    folded = " ".join(unicodedata.normalize("NFKC", text).lower().split())
    return CHINESE_NUMBER.sub(lambda found: str(_chinese_number(found.group())), folded)


def _chinese_number(numerals: str) -> int:
    """`十` 10, `十一` 11, `二十五` 25, `一二` 12 (digit by digit when there is no 十)."""
    if "十" not in numerals:
        return int("".join(str(CHINESE_DIGITS[n]) for n in numerals))
    tens, _, ones = numerals.partition("十")
    return _chinese_number(tens or "一") * 10 + (_chinese_number(ones) if ones else 0)


# ---- days ---------------------------------------------------------------------------------------


def parse_day(text: str, *, today: date, direction: Direction = Direction.AHEAD) -> date:
    """The day `text` names (see the module's rules), from `today`."""
    if len(text) > TYPED_MAX_CHARS:
        raise InvalidInput("date_format")
    typed = normalize(text).rstrip(".。")
    for reader in (_full_date, _month_and_day, _relative, _weekday, _day_of_month):
        found = reader(typed, today, direction)
        if found is not None:
            return found
    raise InvalidInput("date_format")


def _checked(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidInput("date_impossible") from None


def _named(name: str, names: str) -> int | None:
    """The index of the English month or weekday `name` begins (at least three letters, as in
    `Jan`, `Sept`, `Sat`, `Thurs`), or None."""
    found = [i for i, full in enumerate(names.split()) if len(name) >= 3 and full.startswith(name)]
    return found[0] if found else None


def _full_date(typed: str, today: date, direction: Direction) -> date | None:
    if found := YEAR_MONTH_DAY.fullmatch(typed):
        return _checked(*(int(part) for part in found.groups()))
    return None


def _month_and_day(typed: str, today: date, direction: Direction) -> date | None:
    if found := MONTH_DAY.fullmatch(typed):
        return _without_year(int(found.group(1)), int(found.group(2)), today, direction)
    for pattern, day_group, month_group in ((DAY_MONTH_NAME, 1, 2), (MONTH_NAME_DAY, 2, 1)):
        found = pattern.fullmatch(typed)
        month_index = _named(found.group(month_group), MONTHS) if found else None
        if found and month_index is not None:
            month, day = month_index + 1, int(found.group(day_group))
            if found.group(3):
                return _checked(int(found.group(3)), month, day)
            return _without_year(month, day, today, direction)
    return None


def _without_year(month: int, day: int, today: date, direction: Direction) -> date:
    """The next (or last) `month`/`day` from today; 2月29日 waits for a leap year."""
    _checked(2000, month, day)  # a leap year: 2月30日 and 13/45 exist in no year at all
    step = 1 if direction is Direction.AHEAD else -1
    year = today.year
    while True:
        try:
            candidate = date(year, month, day)
        except ValueError:  # 2月29日 outside a leap year
            candidate = None
        if candidate and (candidate >= today if step > 0 else candidate <= today):
            return candidate
        year += step


def _relative(typed: str, today: date, direction: Direction) -> date | None:
    offset = RELATIVE_DAYS.get(typed)
    return None if offset is None else today + timedelta(days=offset)


def _weekday(typed: str, today: date, direction: Direction) -> date | None:
    """`周六` (the coming one, or the last one looking back), `这周六`, `下周六`, `上周六`."""
    if found := CHINESE_WEEKDAY.fullmatch(typed):
        prefix, name = found.group(1) or "", found.group(2)
        weekday = 6 if name in "日天7" else int(name) - 1
        weeks = prefix.count("下") - prefix.count("上")
        return _in_week(today, weekday, weeks) if prefix else _nearest(today, weekday, direction)
    if found := ENGLISH_WEEKDAY.fullmatch(typed):
        word, named = found.group(1), _named(found.group(2), WEEKDAYS)
        if named is None:
            return None
        if word is None:
            return _nearest(today, named, direction)
        return _in_week(today, named, {"this": 0, "next": 1, "last": -1}[word])
    return None


def _in_week(today: date, weekday: int, weeks: int) -> date:
    """That weekday in this calendar week (Monday to Sunday), or `weeks` weeks on or back."""
    monday = today - timedelta(days=today.weekday())
    return monday + timedelta(weeks=weeks, days=weekday)


def _nearest(today: date, weekday: int, direction: Direction) -> date:
    if direction is Direction.AHEAD:
        return today + timedelta(days=(weekday - today.weekday()) % 7)
    return today - timedelta(days=(today.weekday() - weekday) % 7)


def _day_of_month(typed: str, today: date, direction: Direction) -> date | None:
    """`10号`: the next (or last) 10th; `31号` skips the months without one."""
    found = DAY_OF_MONTH.fullmatch(typed)
    if not found:
        return None
    day = int(found.group(1))
    if not 1 <= day <= 31:
        raise InvalidInput("date_impossible")
    step = 1 if direction is Direction.AHEAD else -1
    year, month = today.year, today.month
    while True:
        try:
            candidate = date(year, month, day)
        except ValueError:
            candidate = None
        if candidate and (candidate >= today if step > 0 else candidate <= today):
            return candidate
        year, month = divmod(year * 12 + month - 1 + step, 12)
        month += 1


# ---- times --------------------------------------------------------------------------------------


def parse_clock(text: str, *, bare_hour: bool = False) -> time:
    """A time of day: `9:00`, `14:30`, `9点半`, `下午3点`, `晚上7点30分`, `3:30pm`; with
    `bare_hour`, a number alone is an hour (`9`, `下午2`), as in a range `9-12`."""
    if len(text) > TYPED_MAX_CHARS:
        raise InvalidInput("time_format")
    period, typed = CHINESE_PERIOD.fullmatch(normalize(text)).groups()  # type: ignore[union-attr]
    if bare_hour and typed.isdigit() and len(typed) <= 2:
        typed += "点"
    hour, minute, afternoon = _clock_parts(typed)
    if period in AFTERNOON or (period == "中午" and hour < 11):
        afternoon = True
    if afternoon and hour < 12:
        hour += 12
    if hour > 23 or minute > 59:
        raise InvalidInput("time_format")
    return time(hour, minute)


def afternoon_carries(start: str, end: str) -> bool:
    """Whether an end time that names no half of the day takes the start's afternoon, as in
    `下午2点到5点` or `2pm-5`; a 24-hour `12:00-09:00` says nothing and carries nothing."""
    start, end = normalize(start), normalize(end)
    return bool(SAYS_AFTERNOON.search(start)) and not SAYS_HALF_OF_DAY.search(end)


def _clock_parts(typed: str) -> tuple[int, int, bool]:
    """Hour, minute and whether it is said to be after noon (pm)."""
    if found := CLOCK.fullmatch(typed):
        return int(found.group(1)), int(found.group(2)), False
    if found := CHINESE_CLOCK.fullmatch(typed):
        hour, half, quarters, minutes = found.groups()
        minute = 30 if half else 15 * int(quarters) if quarters else int(minutes or 0)
        return int(hour), minute, False
    if found := ENGLISH_CLOCK.fullmatch(typed):
        hour = int(found.group(1))
        if not 1 <= hour <= 12:
            raise InvalidInput("time_format")
        return hour % 12, int(found.group(2) or 0), found.group(3) == "p"
    raise InvalidInput("time_format")


# ---- a day and something after it ---------------------------------------------------------------


def parse_day_then(
    text: str, rest: Callable[[str], T], *, today: date, direction: Direction = Direction.AHEAD
) -> tuple[date, T]:
    """A day followed by something `rest` reads (a time, a time range): `明天 9:00`,
    `下周六上午9点`, `1月10日 09:00-11:00`. The two may run together but never split a number.

    Raises `date_impossible` when the day part names no real day, else what `rest` raised for a
    well-read day, else `moment_format`."""
    if len(text) > TYPED_MAX_CHARS:
        raise InvalidInput("moment_format")
    typed = " ".join(unicodedata.normalize("NFKC", text).split())
    failures: list[InvalidInput] = []
    for cut in range(1, len(typed)):
        if typed[cut - 1].isdigit() and typed[cut].isdigit():
            continue
        try:
            day = parse_day(typed[:cut], today=today, direction=direction)
        except InvalidInput as error:
            if error.code == "date_impossible":
                failures.insert(0, error)
            continue
        try:
            return day, rest(typed[cut:].strip())
        except InvalidInput as error:
            failures.append(error)
    raise failures[0] if failures else InvalidInput("moment_format")


def parse_moment(text: str, *, now: datetime) -> datetime:
    """A day and a time from `now` (a wall-clock time in the deployment's zone, which the result
    keeps), looking ahead: `明天 9:00`, `下周六 上午9点`, `2026-01-06 18:30`; a time alone is its
    next occurrence (`14:30`: today if still to come, else tomorrow)."""
    today = now.date()
    try:
        at = parse_clock(text)
    except InvalidInput:
        day, at = parse_day_then(text, parse_clock, today=today)
    else:
        day = today if at > now.time() else today + timedelta(days=1)
    return datetime.combine(day, at, tzinfo=now.tzinfo)
