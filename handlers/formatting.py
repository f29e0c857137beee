"""How times, shifts and activities read in a chat, in the user's language and the deployment's
zone. Every card (lists, /my, group cards, offers, reminders) formats through here."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.context import Texts
from models.activity import Shift


def local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone)


def day(texts: Texts, language: str, moment: datetime, zone: ZoneInfo) -> str:
    """`Sat 01-10` / `01-10 周六`."""
    moment = local(moment, zone)
    weekday = texts.get(language, "time.weekdays").split(",")[moment.weekday()]
    return texts.get(language, "time.day", weekday=weekday, date=moment.strftime("%m-%d"))


def when(texts: Texts, language: str, shift: Shift, zone: ZoneInfo) -> str:
    """`Sat 01-10 09:00–12:00`."""
    return texts.get(
        language,
        "time.span",
        day=day(texts, language, shift.starts_at, zone),
        start=local(shift.starts_at, zone).strftime("%H:%M"),
        end=local(shift.ends_at, zone).strftime("%H:%M"),
    )


def moment(texts: Texts, language: str, at: datetime, zone: ZoneInfo) -> str:
    """`Sat 01-10 09:00`."""
    return texts.get(
        language,
        "time.moment",
        day=day(texts, language, at, zone),
        time=local(at, zone).strftime("%H:%M"),
    )
