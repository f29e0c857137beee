"""Telling volunteers what a coordinator did to their hours: confirmed them (one by one, or a
whole shift at once), changed them or added honour hours (with the reason), each with their new
totals and star level as /hours shows them, the congratulation when that reached a level, and the
qualification a training session's confirmed attendance earned (`training.holders`).

The notices are worked out once the change has committed (`ctx.after_commit`), from a session
of their own in a few queries however big the shift, and go out after the coordinator's own
answer, as other notices to many people do. Someone erased or who blocked the bot is skipped;
a message that cannot be delivered fails alone (the adapter logs it), never the confirmation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import partial

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import formatting
from handlers.attendance.hours import amount, congratulate, star_lines
from handlers.context import Context
from handlers.notify import Notifier
from handlers.training import holders
from models.activities.tables import Activity, ServiceRecord, Shift, Signup
from models.attendance import hours
from models.attendance.hours import StarPolicy
from models.registration.tables import Volunteer

# Sign-ups looked up in one query (well under SQLite's 32,766 bound parameters).
LOOKUP_BATCH = 500


class Told(StrEnum):
    """What the coordinator did (each has its catalog text `hours_review.told_<kind>`)."""

    CONFIRMED = "confirmed"
    CHANGED = "changed"
    HONOUR = "honour"


@dataclass(frozen=True)
class HoursNotice:
    """A coordinator's change to one volunteer's hours on one shift, to tell them of."""

    signup_id: int
    before: int  # their minutes toward stars before it (`hours.star_minutes`)
    told: Told
    reason: str = ""
    honour: int = 0  # minutes added, for `Told.HONOUR`


async def stars_before(ctx: Context, signups: Sequence[Signup]) -> dict[int, int]:
    """Each volunteer's minutes toward stars, by sign-up, before their hours change."""
    return await star_minutes(ctx.session, ctx.deployment.stars, signups)


async def star_minutes(
    session: AsyncSession, policy: StarPolicy, signups: Sequence[Signup]
) -> dict[int, int]:
    """Each volunteer's minutes toward stars now, by sign-up (the dashboard asks too)."""
    served = await hours.served(session, {signup.volunteer_id for signup in signups})
    return {
        signup.id: served.get(signup.volunteer_id, hours.NOTHING_SERVED).for_stars(policy)
        for signup in signups
    }


def tell_after_commit(ctx: Context, changes: Sequence[HoursNotice]) -> None:
    """Tell each volunteer of their change, once the update has committed."""
    if changes:
        ctx.after_commit(partial(_tell_committed, ctx, list(changes)))


async def _tell_committed(ctx: Context, changes: list[HoursNotice]) -> None:
    async with ctx.reading() as session:
        await tell(Notifier(session, ctx.services, ctx.signer, ctx.outbox), changes)


async def tell(notify: Notifier, changes: Sequence[HoursNotice]) -> None:
    """Tell each volunteer (still reachable) of their change, with their totals as they are
    now, and congratulate those it lifted to a new star level."""
    for start in range(0, len(changes), LOOKUP_BATCH):
        batch = changes[start : start + LOOKUP_BATCH]
        rows = await notify.session.execute(
            select(Signup.id, Volunteer, ServiceRecord, Shift, Activity)
            .join(Volunteer, Volunteer.id == Signup.volunteer_id)
            .join(ServiceRecord, ServiceRecord.signup_id == Signup.id)
            .join(Shift, Shift.id == Signup.shift_id)
            .join(Activity, Activity.id == Shift.activity_id)
            .where(
                Signup.id.in_([change.signup_id for change in batch]),
                Volunteer.telegram_id.is_not(None),  # not erased
                Volunteer.reachable.is_(True),  # nor blocked the bot
            )
        )
        found = {
            signup_id: (volunteer, record, shift, activity)
            for signup_id, volunteer, record, shift, activity in rows
        }
        served = await hours.served(notify.session, {row[0].id for row in found.values()})
        for change in batch:
            if change.signup_id in found:
                volunteer, record, shift, activity = found[change.signup_id]
                mine = served.get(volunteer.id, hours.NOTHING_SERVED)
                _tell_one(notify, change, volunteer, record, shift, activity, mine)
        await holders.tell_earned(notify, [change.signup_id for change in batch])


def _tell_one(
    notify: Notifier,
    change: HoursNotice,
    volunteer: Volunteer,
    record: ServiceRecord,
    shift: Shift,
    activity: Activity,
    served: hours.Served,
) -> None:
    assert volunteer.telegram_id is not None
    texts, language, policy = notify.texts, volunteer.language, notify.deployment.stars
    duration = partial(formatting.duration, texts, language)
    now = served.for_stars(policy)
    lines = [
        notify.text(
            language,
            f"hours_review.told_{change.told}",
            title=activity.title,
            when=notify.when(language, shift),
            hours=amount(texts, language, record.credited_minutes, record.honour_minutes or 0),
            honour=duration(change.honour),
            reason=change.reason,
        ),
        notify.text(
            language,
            "hours.all_time",
            total=duration(served.total),
            credited=duration(served.credited),
            honour=duration(served.honour),
        ),
        *star_lines(texts, language, now, policy),
        notify.text(language, "hours_review.told_more"),
    ]
    notify.send(volunteer.telegram_id, "\n".join(lines))
    level = hours.level_reached(change.before, now, policy.thresholds)
    if level is not None:
        congratulate(notify, volunteer, level)
