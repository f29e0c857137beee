"""A volunteer's calendar subscription: a secret address (made the first time /my shows it,
replaced on request) whose feed lists the shifts they hold a place on, so that the phone's
calendar follows moves and cancellations by itself.

The token is stored as it is, not hashed: /my shows the address again every time, so the bot must
be able to rebuild it; and it opens nothing the database does not already hold to whoever can
read the table (the shifts themselves are in the next table). It is random (192 bits), so it can
be neither guessed nor derived from anything else the bot shows.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.activities import places
from models.activities.tables import (
    Activity,
    CalendarFeed,
    Shift,
    Signup,
    SignupStatus,
)
from models.registration.tables import Volunteer, VolunteerStatus

TOKEN_BYTES = 24  # 192 random bits, written as 32 URL-safe characters
TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
# A feed keeps past shifts this long (attended, or missed) and lists at most this many.
RECENT = timedelta(days=30)
MAX_EVENTS = 200
# The sign-ups a feed lists: a place held, whether the shift is still to come or over.
LISTED = (SignupStatus.CONFIRMED, SignupStatus.ATTENDED, SignupStatus.NO_SHOW)

FeedItem = tuple[Signup, Shift, Activity]


@dataclass(frozen=True)
class Subscriber:
    """Whose feed a token opens, and the language its calendar is named in."""

    volunteer_id: int
    language: str


def _new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


async def token_of(session: AsyncSession, volunteer: Volunteer, *, now: datetime) -> str:
    """The volunteer's feed token, made on first use."""
    feed = await session.get(CalendarFeed, volunteer.id)
    if feed is None:
        feed = CalendarFeed(volunteer_id=volunteer.id, token=_new_token(), created_at=now)
        session.add(feed)
        await session.flush()
    return feed.token


async def replace_token(session: AsyncSession, volunteer: Volunteer, *, now: datetime) -> str:
    """A new token for the volunteer; the old address stops working at once (audited, without
    either token: they are secrets)."""
    feed = await session.get(CalendarFeed, volunteer.id)
    if feed is None:
        feed = CalendarFeed(volunteer_id=volunteer.id)
        session.add(feed)
    feed.token, feed.created_at = _new_token(), now
    await session.flush()
    audit.record(session, volunteer.telegram_id, "volunteer.calendar_replaced", volunteer, now)
    return feed.token


async def forget(session: AsyncSession, volunteer_id: int) -> None:
    """The volunteer's address stops working (their data is being erased)."""
    feed = await session.get(CalendarFeed, volunteer_id)
    if feed is not None:
        await session.delete(feed)


async def subscriber(session: AsyncSession, token: str) -> Subscriber | None:
    """Whose feed `token` opens: None for anything not a current token of an active volunteer
    (malformed ones are turned away without asking the database)."""
    if not TOKEN.fullmatch(token):
        return None
    row = (
        await session.execute(
            select(Volunteer.id, Volunteer.language)
            .join(CalendarFeed, CalendarFeed.volunteer_id == Volunteer.id)
            .where(CalendarFeed.token == token, Volunteer.status == VolunteerStatus.ACTIVE)
        )
    ).first()
    return Subscriber(row[0], row[1]) if row is not None else None


async def items(session: AsyncSession, volunteer_id: int, *, now: datetime) -> list[FeedItem]:
    """The shifts the volunteer holds a place on, from `RECENT` ago on, earliest first, in one
    query; at most `MAX_EVENTS`."""
    return await places.upcoming(
        session, volunteer_id, ending_after=now - RECENT, statuses=LISTED, limit=MAX_EVENTS
    )


def last_modified(item: FeedItem) -> datetime:
    """When the event last changed: the activity (and its shifts) or the sign-up."""
    signup, _, activity = item
    return max(signup.updated_at, activity.updated_at)
