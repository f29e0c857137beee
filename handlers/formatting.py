"""How days, times, durations and lists read in a chat, in the user's language and the
deployment's zone. Every card (lists, /my, group cards, offers, reminders) formats through here.

Babel writes the parts in the catalog's locale (`time.locale`): month and weekday names, the
clock, the units of a duration and the words that join a list; the catalog's `time.*` texts only
put the parts in order (`bot.texts` writes days and moments, so a text's `{at:moment}` reads the
same as these). Chinese reads `1月10日（周六）09:00`, `3小时15分钟`, `甲、乙和丙`; English
`Sat 10 Jan 09:00`, `3 hours 15 minutes`, `A, B and C`. Hours as decimals are for exports only
(`models/reports`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_interval, get_day_names
from babel.lists import format_list
from babel.units import format_unit

from handlers.services import Texts
from models.activities.tables import Shift
from models.attendance.hours import MINUTES_PER_HOUR


def local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone)


def localized(params: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    """Catalog parameters with every datetime moved into the deployment's zone (texts format
    them with `{until:%Y-%m-%d}`)."""
    return {
        name: value.astimezone(zone) if isinstance(value, datetime) else value
        for name, value in params.items()
    }


def today(now: datetime, zone: ZoneInfo) -> date:
    """The deployment's calendar date at `now`."""
    return now.astimezone(zone).date()


def calendar_day(texts: Texts, language: str, day: date) -> str:
    """`1月10日（周六）` / `Sat 10 Jan`: a day as people write it."""
    return texts.when(language, day, "day")


def dates(texts: Texts, language: str, first: date, last: date) -> str:
    """`2026年1月2日 – 5日` / `2 – 5 Jan 2026`: the days of something past, with the year."""
    return format_interval(first, last, "yMMMd", locale=texts.locale(language))


def day(texts: Texts, language: str, moment: datetime, zone: ZoneInfo) -> str:
    """The day of `moment` in the deployment's zone: `1月10日（周六）` / `Sat 10 Jan`."""
    return calendar_day(texts, language, local(moment, zone).date())


def clock(texts: Texts, language: str, moment: datetime, zone: ZoneInfo) -> str:
    """`09:00`: the time of day in the deployment's zone."""
    return texts.when(language, local(moment, zone), "clock")


def moment(texts: Texts, language: str, at: datetime, zone: ZoneInfo) -> str:
    """`1月10日（周六）09:00` / `Sat 10 Jan 09:00`."""
    return texts.when(language, local(at, zone), "moment")


def span(
    texts: Texts, language: str, zone: ZoneInfo, starts_at: datetime, ends_at: datetime
) -> str:
    """A stretch of time as every card shows a shift: `1月10日（周六）09:00–12:00`."""
    return texts.get(
        language,
        "time.span",
        day=day(texts, language, starts_at, zone),
        start=clock(texts, language, starts_at, zone),
        end=clock(texts, language, ends_at, zone),
    )


def when(texts: Texts, language: str, shift: Shift, zone: ZoneInfo) -> str:
    """A shift's day and hours: `Sat 10 Jan 09:00–12:00`."""
    return span(texts, language, zone, shift.starts_at, shift.ends_at)


def duration(texts: Texts, language: str, minutes: int) -> str:
    """`3小时15分钟`, `2小时`, `45分钟` / `3 hours 15 minutes`: the one way a stretch of time
    reads in a chat."""
    locale = texts.locale(language)
    hours, rest = divmod(minutes, MINUTES_PER_HOUR)
    parts = [format_unit(hours, "duration-hour", length="long", locale=locale)] if hours else []
    if rest or not hours:
        parts.append(format_unit(rest, "duration-minute", length="long", locale=locale))
    return format_list(parts, style="unit-narrow", locale=locale)


METRES_PER_KM = 1000


def distance(texts: Texts, language: str, metres: float) -> str:
    """`350米`, `1.2公里` / `350 m`, `1.2 km`: to 10 m within a kilometre, to 100 m beyond it,
    whole kilometres from 10 km (a walk, then a ride)."""
    if metres < METRES_PER_KM:
        return format_unit(
            max(10, int(round(metres, -1))),
            "length-meter",
            length="short",
            locale=texts.locale(language),
        )
    km = metres / METRES_PER_KM
    shown = round(km) if km >= 10 else round(km, 1)
    return format_unit(shown, "length-kilometer", length="short", locale=texts.locale(language))


def unit(texts: Texts, language: str, count: int, name: str) -> str:
    """`3天` / `3 days`: a number of one CLDR duration unit (`duration-week`, `duration-day`…)."""
    return format_unit(count, name, length="long", locale=texts.locale(language))


def joined(texts: Texts, language: str, items: Iterable[str]) -> str:
    """`甲、乙和丙` / `A, B and C`: a list as a sentence holds it."""
    return format_list(list(items), locale=texts.locale(language))


def weekdays(texts: Texts, language: str, days: Iterable[int]) -> str:
    """`周六和周日` / `Sat and Sun`: days of the week (Monday is 0), as a list."""
    names = get_day_names("abbreviated", locale=texts.locale(language))
    return joined(texts, language, [names[day] for day in sorted(days)])
