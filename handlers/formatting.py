"""How times, shifts and activities read in a chat, in the user's language and the deployment's
zone. Every card (lists, /my, group cards, offers, reminders) formats through here."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from handlers.services import Texts
from models.activities.tables import Shift


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


def day(texts: Texts, language: str, moment: datetime, zone: ZoneInfo) -> str:
    """`Sat 01-10` / `01-10 周六`."""
    moment = local(moment, zone)
    weekday = texts.get(language, "time.weekdays").split(",")[moment.weekday()]
    return texts.get(language, "time.day", weekday=weekday, date=moment.strftime("%m-%d"))


def calendar_day(texts: Texts, language: str, day: date) -> str:
    """`1月10日（周六）` / `Sat 10 Jan`: a day as people write it, to repeat back a day they
    typed."""
    weekday = texts.get(language, "time.weekdays").split(",")[day.weekday()]
    month = texts.get(language, "time.months").split(",")[day.month - 1]
    return texts.get(language, "time.calendar_day", month=month, day=day.day, weekday=weekday)


def calendar_moment(
    texts: Texts, language: str, at: datetime, zone: ZoneInfo, *, until: datetime | None = None
) -> str:
    """`1月10日（周六）09:00` / `Sat 10 Jan 09:00` (with `until`, `09:00–11:00`): a day and a time
    someone typed, shown back."""
    at = local(at, zone)
    hours = at.strftime("%H:%M") + (local(until, zone).strftime("–%H:%M") if until else "")
    day_said = calendar_day(texts, language, at.date())
    return texts.get(language, "time.calendar_moment", day=day_said, time=hours)


def when(texts: Texts, language: str, shift: Shift, zone: ZoneInfo) -> str:
    """`Sat 01-10 09:00–12:00`."""
    return span(texts, language, zone, shift.starts_at, shift.ends_at)


def span(
    texts: Texts, language: str, zone: ZoneInfo, starts_at: datetime, ends_at: datetime
) -> str:
    """A stretch of time as every card shows a shift: `Sat 01-10 09:00–12:00`."""
    return texts.get(
        language,
        "time.span",
        day=day(texts, language, starts_at, zone),
        start=local(starts_at, zone).strftime("%H:%M"),
        end=local(ends_at, zone).strftime("%H:%M"),
    )


def moment(texts: Texts, language: str, at: datetime, zone: ZoneInfo) -> str:
    """`Sat 01-10 09:00`."""
    return texts.get(
        language,
        "time.moment",
        day=day(texts, language, at, zone),
        time=local(at, zone).strftime("%H:%M"),
    )
