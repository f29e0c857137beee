"""Checks of what coordinators type (or put in an import file) about an activity: dates, time
ranges, numbers of places, ages. The conversation and the importer share them, so a value
accepted in one is accepted in the other."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from models import dates
from models.errors import InvalidInput
from models.numbers import whole_number
from models.visible_text import visible

TITLE_MAX_CHARS = 128
DESCRIPTION_MAX_CHARS = 2000
ADDRESS_MAX_CHARS = 256
CAPACITY_MAX = 10_000
MIN_AGE_MAX = 120
SHIFTS_MAX = 20
NOON = 12
RANGE_SEPARATORS = re.compile(r"\s*(?:-|–|—|~|～|到|至|to)\s*")


def text(value: str, *, max_chars: int, code: str) -> str:
    """One line or paragraph of free text: trimmed, not empty, not too long, nothing invisible."""
    cleaned = visible(value).strip()
    if not cleaned:
        raise InvalidInput(f"{code}_empty")  # title_empty, address_empty, reason_empty
    if len(cleaned) > max_chars:
        raise InvalidInput(f"{code}_too_long", max=max_chars)  # title_too_long, …
    return cleaned


def parse_time_range(value: str) -> tuple[time, time]:
    """`09:00-12:00` (also with `–`, `~`, `到`, times as `models.dates` reads them, and hours
    alone: `9-12`); the end must be after the start. An end without its half of the day takes
    the start's: `下午2点到5点` and `2pm-5` end at 17:00."""
    parts = RANGE_SEPARATORS.split(value.strip())
    if len(parts) != 2:
        raise InvalidInput("time_range_format")
    start, end = (dates.parse_clock(part, bare_hour=True) for part in parts)
    if end <= start and end.hour < NOON and dates.afternoon_carries(parts[0], parts[1]):
        end = end.replace(hour=end.hour + NOON)
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
    """A day and a time (`12月4日 18:00`, `周五 下午6点`, `2026-12-04 18:00`), in the
    deployment's zone."""
    try:
        day, at = dates.parse_day_then(value, dates.parse_clock, today=today)
    except InvalidInput as error:
        if error.code == "moment_format":
            raise InvalidInput("deadline_format") from None
        raise
    return local_datetime(day, at, zone)


def shift_times(day: date, start: time, end: time, zone: ZoneInfo) -> tuple[datetime, datetime]:
    return local_datetime(day, start, zone), local_datetime(day, end, zone)
