"""Calendars (.ics, RFC 5545) of a volunteer's shifts, so they land in their phone's calendar with
the place and a link back to the activity: a file sent in the chat once (/my), or the feed a
phone subscribes to (`handlers/activities/calendar_feed.py`), which follows every change."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vDuration

from models.activities.calendar_feed import LISTED, FeedItem, last_modified
from models.activities.tables import Activity

PRODUCT_ID = "-//volbot//volunteer shifts//EN"


def ics(
    items: Sequence[FeedItem],
    *,
    link: Callable[[Activity], str],
    host: str,
    zone: ZoneInfo,
    calendar_name: str,
    refresh: timedelta | None = None,
) -> bytes:
    """One event per `(sign-up, shift, activity)`. Its UID names the shift and the bot (`host`),
    so it stays the same in every file and feed: a calendar that reads it again updates the
    event instead of adding another. Times are in the deployment's `zone`; a feed says how often
    to fetch it again (`refresh`)."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", calendar_name)
    calendar.add("x-wr-timezone", zone.key)
    if refresh is not None:
        calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(refresh))  # the same, for Apple and Outlook
    for item in items:
        signup, shift, activity = item
        url = link(activity)
        modified = last_modified(item)
        event = Event()
        event.add("uid", f"shift-{shift.id}@{host}")
        # Without a METHOD, DTSTAMP is when the event last changed (RFC 5545 3.8.7.2).
        event.add("dtstamp", modified)
        event.add("last-modified", modified)
        event.add("sequence", shift.sequence)
        # A place on the waiting list (in a file only) is not yet a place.
        event.add("status", "CONFIRMED" if signup.status in LISTED else "TENTATIVE")
        event.add("dtstart", shift.starts_at.astimezone(zone))
        event.add("dtend", shift.ends_at.astimezone(zone))
        event.add("summary", activity.title)
        event.add("location", activity.address)
        event.add("description", f"{activity.description}\n\n{url}".strip())
        event.add("url", url)
        if activity.latitude is not None and activity.longitude is not None:
            event.add("geo", (activity.latitude, activity.longitude))
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
