"""Calendar files (.ics, RFC 5545) for a volunteer's shifts, so they land in their phone's
calendar with the place and a link back to the activity."""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar, Event

from models.activities.tables import Activity, Shift

PRODUCT_ID = "-//volbot//volunteer shifts//EN"


def ics(items: list[tuple[Shift, Activity, str]], *, stamp: datetime, calendar_name: str) -> bytes:
    """One event per `(shift, activity, link)`; UIDs are stable, so importing the file again
    updates the events instead of duplicating them."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", calendar_name)
    for shift, activity, link in items:
        event = Event()
        event.add("uid", f"shift-{shift.id}@volbot")
        event.add("dtstamp", stamp)
        event.add("dtstart", shift.starts_at)
        event.add("dtend", shift.ends_at)
        event.add("summary", activity.title)
        event.add("location", activity.address)
        event.add("description", f"{activity.description}\n\n{link}".strip())
        event.add("url", link)
        if activity.latitude is not None and activity.longitude is not None:
            event.add("geo", (activity.latitude, activity.longitude))
        calendar.add_component(event)
    return bytes(calendar.to_ical())
