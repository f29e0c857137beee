"""Checks of what coordinators type (or put in an import file) about an activity: dates, time
ranges, numbers of places, ages. The conversation and the importer share them, so a value
accepted in one is accepted in the other."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from models.errors import InvalidInput
from models.numbers import whole_number
from models.visible_text import visible

TITLE_MAX_CHARS = 128
DESCRIPTION_MAX_CHARS = 2000
ADDRESS_MAX_CHARS = 256
CAPACITY_MAX = 10_000
MIN_AGE_MAX = 120
SHIFTS_MAX = 20
DATE_PATTERN = re.compile(r"^(?:(\d{4})[-/.])?(\d{1,2})[-/.](\d{1,2})$")
TIME_PATTERN = re.compile(r"^(\d{1,2})[:：.](\d{2})$")
RANGE_SEPARATORS = re.compile(r"\s*(?:-|–|—|~|～|到|至|to)\s*")


def text(value: str, *, max_chars: int, code: str) -> str:
    """One line or paragraph of free text: trimmed, not empty, not too long, nothing invisible."""
    cleaned = visible(value).strip()
    if not cleaned:
        raise InvalidInput(f"{code}_empty")  # title_empty, address_empty, reason_empty
    if len(cleaned) > max_chars:
        raise InvalidInput(f"{code}_too_long", max=max_chars)  # title_too_long, …
    return cleaned


def parse_date(value: str, *, today: date) -> date:
    """`2026-12-05`, `2026/12/5` or `12-05` (the next such day from today)."""
    match = DATE_PATTERN.match(value.strip())
    if not match:
        raise InvalidInput("date_format")
    year_text, month, day = match.groups()
    year = int(year_text) if year_text else today.year
    try:
        parsed = date(year, int(month), int(day))
    except ValueError:
        raise InvalidInput("date_impossible") from None
    if not year_text and parsed < today:
        parsed = parsed.replace(year=year + 1)
    return parsed


def parse_time(value: str) -> time:
    match = TIME_PATTERN.match(value.strip())
    if not match:
        raise InvalidInput("time_format")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise InvalidInput("time_format")
    return time(hour, minute)


def parse_time_range(value: str) -> tuple[time, time]:
    """`09:00-12:00` (also with `–`, `~`, `到`); the end must be after the start."""
    parts = RANGE_SEPARATORS.split(value.strip())
    if len(parts) != 2:
        raise InvalidInput("time_range_format")
    start, end = parse_time(parts[0]), parse_time(parts[1])
    if end <= start:
        raise InvalidInput("time_range_order")
    return start, end


def parse_count(value: str, *, low: int, high: int, code: str) -> int:
    number = whole_number(value)
    if number is None or not low <= number <= high:
        raise InvalidInput(code, low=low, high=high)
    return number


def parse_capacity(value: str) -> int:
    return parse_count(value, low=1, high=CAPACITY_MAX, code="capacity_invalid")


def parse_min_age(value: str) -> int:
    return parse_count(value, low=1, high=MIN_AGE_MAX, code="min_age_invalid")


def local_datetime(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone)


def parse_deadline(value: str, *, today: date, zone: ZoneInfo) -> datetime:
    """`2026-12-04 18:00` or `12-04 18:00`: a date and a time, in the deployment's zone."""
    day_text, _, time_text = value.strip().rpartition(" ")
    if not day_text:
        raise InvalidInput("deadline_format")
    return local_datetime(parse_date(day_text, today=today), parse_time(time_text), zone)


def shift_times(day: date, start: time, end: time, zone: ZoneInfo) -> tuple[datetime, datetime]:
    return local_datetime(day, start, zone), local_datetime(day, end, zone)
