"""What a volunteer chooses to be sent unasked: reminders before their shifts (off, at times they
choose, or the usual ones), and calls for volunteers when a shift needs people (all of them, or
all but those about the themes they muted).

A change of reminders applies to the shifts they have already signed up for: their pending
reminders are planned again (`before_shift.follow`), so turning reminders off leaves none waiting.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.activities.tables import Shift, ShiftStatus, Signup, SignupStatus
from models.errors import NotAllowed
from models.reference import Theme
from models.registration.tables import Volunteer
from models.reminders import before_shift

# The longest a reminder may come before a shift: 4 weeks, in minutes.
MAX_MINUTES = 4 * 7 * 24 * 60


def _state(volunteer: Volunteer) -> dict[str, object]:
    return {
        "reminders_enabled": volunteer.reminders_enabled,
        "reminder_minutes": volunteer.reminder_minutes,
    }


async def set_reminders(
    session: AsyncSession,
    volunteer: Volunteer,
    *,
    enabled: bool,
    minutes: list[int] | None,
    now: datetime,
    default: tuple[timedelta, ...],
) -> int:
    """Store the volunteer's reminder choice (`minutes` None: the activity's or the deployment's
    `default`) and plan the reminders of their upcoming confirmed shifts again; how many
    sign-ups were re-planned. Turning reminders off keeps the chosen times for turning them on
    again."""
    if minutes is not None:
        if not minutes:
            raise NotAllowed("reminder_times_empty")
        if any(not 0 < m <= MAX_MINUTES for m in minutes):
            raise ValueError(f"reminder minutes out of range: {minutes}")
        minutes = sorted(set(minutes), reverse=True)
    before = _state(volunteer)
    volunteer.reminders_enabled = enabled
    volunteer.reminder_minutes = minutes
    after = _state(volunteer)
    if after == before:
        return 0
    _audit(session, volunteer, "volunteer.reminders_set", now=now, before=before, after=after)
    await session.flush()
    upcoming = await session.scalars(
        select(Signup)
        .join(Shift, Shift.id == Signup.shift_id)
        .where(
            Signup.volunteer_id == volunteer.id,
            Signup.status == SignupStatus.CONFIRMED,
            Shift.status != ShiftStatus.CANCELLED,
            Shift.starts_at > now,
        )
        .order_by(Signup.id)
    )
    signups = upcoming.all()
    for signup in signups:
        await before_shift.follow(session, signup, now=now, default=default)
    return len(signups)


async def set_recruitment(
    session: AsyncSession, volunteer: Volunteer, *, muted: bool, now: datetime
) -> None:
    """Stop (or resume) calls for volunteers when a shift of a theme they like needs people."""
    if volunteer.mute_recruitment == muted:
        return
    volunteer.mute_recruitment = muted
    _audit(
        session,
        volunteer,
        "volunteer.recruitment_set",
        now=now,
        before={"mute_recruitment": not muted},
        after={"mute_recruitment": muted},
    )


async def set_theme_muted(
    session: AsyncSession, volunteer: Volunteer, theme_id: int, *, muted: bool, now: datetime
) -> bool:
    """Stop (or resume) calls about one theme: the calls for its shifts, and broadcasts linked
    to its activities. Whether anything changed."""
    theme = await session.get(Theme, theme_id)
    if theme is None:
        raise ValueError(f"no theme {theme_id}")
    if "muted_themes" in inspect(volunteer).unloaded:
        # Not loaded with the volunteer (made in this session): an implicit load cannot run
        # under asyncio, so load it explicitly.
        await session.refresh(volunteer, ["muted_themes"])
    before = sorted(t.id for t in volunteer.muted_themes)
    if (theme_id in before) == muted:
        return False
    if muted:
        volunteer.muted_themes.append(theme)
    else:
        volunteer.muted_themes.remove(theme)
    _audit(
        session,
        volunteer,
        "volunteer.muted_themes_set",
        now=now,
        before={"muted_themes": before},
        after={"muted_themes": sorted(t.id for t in volunteer.muted_themes)},
    )
    return True


def _audit(
    session: AsyncSession,
    volunteer: Volunteer,
    action: str,
    *,
    now: datetime,
    before: dict[str, object],
    after: dict[str, object],
) -> None:
    """The volunteer changed their own choice."""
    audit.record(
        session,
        volunteer.telegram_id,
        action,
        volunteer,
        now,
        before=before,
        after=after,
    )
