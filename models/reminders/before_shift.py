"""Reminders before a shift: rows in the database, not timers, so a city's hundreds of
thousands of them cost a table and an index, survive restarts, and are shared by every bot
process.

A confirmed sign-up has one pending reminder per offset (24 h and 2 h before by default; an
activity or the volunteer may choose others). They follow the sign-up: cancelled when it is, moved
when the shift moves. A check-in adds one more, to check out shortly after the shift ends.

Senders claim due rows atomically with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so two
processes never take the same row and a crashed sender's rows come back when the lease runs out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import cast

from sqlalchemy import Table, Update, and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities.tables import (
    Activity,
    ServiceRecord,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
)
from models.db import lease_end, lease_now, upsert
from models.registration.tables import Volunteer
from models.reminders.tables import Reminder, ReminderStatus

LEASE = timedelta(minutes=5)
MINUTE = timedelta(minutes=1)
CHECKOUT = "out"


def kind_for(offset: timedelta) -> str:
    """A reminder's kind names its offset (`1440m` is a day before the start, `out30` half an
    hour after the end, to check out), so moving a shift can recompute its due time without
    knowing any settings."""
    return f"{offset // MINUTE}m"


def offset_of(kind: str) -> timedelta:
    return int(kind.removesuffix("m")) * MINUTE


def is_checkout(kind: str) -> bool:
    return kind.startswith(CHECKOUT)


def checkout_kind(after: timedelta) -> str:
    return f"{CHECKOUT}{after // MINUTE}"


def checkout_due(kind: str, shift: Shift) -> datetime:
    return shift.ends_at + int(kind.removeprefix(CHECKOUT)) * MINUTE


def offsets_from(minutes: list[int] | None) -> tuple[timedelta, ...] | None:
    return None if minutes is None else tuple(m * MINUTE for m in minutes)


def chosen_offsets(
    volunteer: Volunteer, activity: Activity, default: tuple[timedelta, ...]
) -> tuple[timedelta, ...]:
    """The volunteer's own choice (none at all when they turned reminders off), else the
    activity's, else the deployment's."""
    if not volunteer.reminders_enabled:
        return ()
    return (
        offsets_from(volunteer.reminder_minutes)
        or offsets_from(activity.reminder_minutes)
        or default
    )


async def follow(
    session: AsyncSession, signup: Signup, *, now: datetime, default: tuple[timedelta, ...]
) -> None:
    """Keep a sign-up's pending reminders in step with it: planned while it is confirmed,
    cancelled otherwise. Reminders whose time has already passed are not planned."""
    pending = (Reminder.signup_id == signup.id) & (Reminder.status == ReminderStatus.PENDING)
    if signup.status != SignupStatus.CONFIRMED:
        await session.execute(
            update(Reminder).where(pending).values(status=ReminderStatus.CANCELLED)
        )
        return
    shift = await session.get(Shift, signup.shift_id)
    volunteer = await session.get(Volunteer, signup.volunteer_id)
    assert shift is not None and volunteer is not None
    activity = await session.get(Activity, shift.activity_id)
    assert activity is not None
    kinds = []
    for offset in chosen_offsets(volunteer, activity, default):
        due = shift.starts_at - offset
        if due <= now:
            continue
        kinds.append(kind_for(offset))
        await _plan(session, signup.id, kind_for(offset), due)
    await session.execute(
        update(Reminder)
        .where(pending, Reminder.kind.not_in(kinds), Reminder.kind.endswith("m"))
        .values(status=ReminderStatus.CANCELLED)
    )


async def _plan(session: AsyncSession, signup_id: int, kind: str, due: datetime) -> None:
    """Make the sign-up's reminder of this kind pending at `due` (again, if it was settled)."""
    values = {
        "due_at": due,
        "status": ReminderStatus.PENDING,
        "lease_until": None,
        "sent_at": None,
    }
    await session.execute(
        upsert(session, Reminder)
        .values(signup_id=signup_id, kind=kind, **values)
        .on_conflict_do_update(index_elements=["signup_id", "kind"], set_=values)
    )


async def plan_checkout(
    session: AsyncSession, signup_id: int, shift: Shift, *, after: timedelta
) -> None:
    """The volunteer checked in: ask them to check out `after` the shift's end if they have
    not by then."""
    await _plan(session, signup_id, checkout_kind(after), shift.ends_at + after)


async def drop_checkout(session: AsyncSession, signup_id: int) -> None:
    """The volunteer checked out: no need to ask."""
    await session.execute(
        update(Reminder)
        .where(
            Reminder.signup_id == signup_id,
            Reminder.status == ReminderStatus.PENDING,
            Reminder.kind.startswith(CHECKOUT),
        )
        .values(status=ReminderStatus.CANCELLED)
    )


async def follow_shift(session: AsyncSession, shift: Shift, *, now: datetime) -> None:
    """The shift moved: its pending reminders keep their offsets from the new start (or end);
    those before the start whose new time has passed are dropped."""
    rows = await session.scalars(
        select(Reminder)
        .join(Signup, Signup.id == Reminder.signup_id)
        .where(Signup.shift_id == shift.id, Reminder.status == ReminderStatus.PENDING)
    )
    for reminder in rows:
        if is_checkout(reminder.kind):
            reminder.due_at = checkout_due(reminder.kind, shift)  # still wanted when past
        elif reminder.kind.endswith("m"):
            reminder.due_at = shift.starts_at - offset_of(reminder.kind)
            if reminder.due_at <= now:
                reminder.status = ReminderStatus.CANCELLED


async def drop_for_shifts(session: AsyncSession, shift_ids: list[int]) -> None:
    """The shifts were cancelled: nobody is reminded of them."""
    on_shifts = select(Signup.id).where(Signup.shift_id.in_(shift_ids))
    await session.execute(
        update(Reminder)
        .where(Reminder.signup_id.in_(on_shifts), Reminder.status == ReminderStatus.PENDING)
        .values(status=ReminderStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )


# ---- sending -------------------------------------------------------------------------------


async def claim_due(
    session: AsyncSession, *, now: datetime, limit: int, lease: timedelta = LEASE
) -> list[int]:
    """Take up to `limit` due reminders (or ones whose sender's lease ran out) for this process;
    no other process can take them until the lease ends."""
    claimable = or_(
        and_(Reminder.status == ReminderStatus.PENDING, Reminder.due_at <= now),
        and_(
            Reminder.status == ReminderStatus.SENDING,
            Reminder.lease_until < lease_now(session, now),
        ),
    )
    # Materialised, so the locked rows are chosen once: as a plain subquery PostgreSQL may run it
    # again for each row, and a rerun skips rows this very statement has claimed and takes more.
    due = (
        select(Reminder.id)
        .where(claimable)
        .order_by(Reminder.due_at, Reminder.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("due")
        .prefix_with("MATERIALIZED")
    )
    result = await session.execute(
        update(Reminder)
        .where(Reminder.id.in_(select(due.c.id)), claimable)
        .values(status=ReminderStatus.SENDING, lease_until=lease_end(session, now, lease))
        .returning(Reminder.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(row[0] for row in result)


async def due_count(session: AsyncSession, *, now: datetime) -> int:
    """Reminders due and not yet sent (for the metrics: a growing number means a lag)."""
    due = await session.scalar(
        select(func.count())
        .select_from(Reminder)
        .where(
            Reminder.status.in_((ReminderStatus.PENDING, ReminderStatus.SENDING)),
            Reminder.due_at <= now,
        )
    )
    return due or 0


async def next_due(session: AsyncSession) -> datetime | None:
    """When the earliest pending reminder falls due (the sender can sleep until then)."""
    return await session.scalar(
        select(func.min(Reminder.due_at)).where(Reminder.status == ReminderStatus.PENDING)
    )


@dataclass(frozen=True)
class Due:
    """A claimed reminder, with what the message needs; `send` False when it is no longer
    useful (the shift started, the sign-up is gone, a later reminder supersedes it, or the
    volunteer has checked out)."""

    reminder: Reminder
    signup: Signup
    shift: Shift
    activity: Activity
    volunteer: Volunteer
    send: bool


async def load_claimed(session: AsyncSession, ids: list[int], *, now: datetime) -> list[Due]:
    rows = await session.execute(
        select(Reminder, Signup, Shift, Activity, Volunteer, ServiceRecord)
        .join(Signup, Signup.id == Reminder.signup_id)
        .join(Shift, Shift.id == Signup.shift_id)
        .join(Activity, Activity.id == Shift.activity_id)
        .join(Volunteer, Volunteer.id == Signup.volunteer_id)
        .outerjoin(ServiceRecord, ServiceRecord.signup_id == Signup.id)
        .where(Reminder.id.in_(ids))
        .order_by(Reminder.due_at.desc())
    )
    latest: set[int] = set()
    found = []
    for reminder, signup, shift, activity, volunteer, record in rows:
        useful = (
            signup.status == SignupStatus.CONFIRMED
            and shift.status != ShiftStatus.CANCELLED
            and volunteer.telegram_id is not None
        )
        if is_checkout(reminder.kind):
            useful = useful and _still_in(record)
        else:
            # After a pause, only the latest one due is sent, and only before the start.
            useful = useful and shift.starts_at > now and signup.id not in latest
            latest.add(signup.id)
        found.append(Due(reminder, signup, shift, activity, volunteer, useful))
    return found


def _still_in(record: ServiceRecord | None) -> bool:
    return record is not None and record.checked_in_at is not None and not record.checked_out_at


@dataclass(frozen=True)
class Outcome:
    """How a claimed reminder ended: `sent` (at `at`), or `missed` (not useful any more, or the
    message could not be delivered)."""

    reminder_id: int
    status: ReminderStatus
    at: datetime


@cache
def _settle() -> Update:
    """`settle`'s statement, built once and run for each outcome (an executemany)."""
    table = cast(Table, Reminder.__table__)
    return (
        update(table)
        .where(table.c.id == bindparam("reminder"), table.c.status == ReminderStatus.SENDING)
        .values(status=bindparam("outcome"), lease_until=None, sent_at=bindparam("sent"))
    )


async def settle(session: AsyncSession, outcomes: Sequence[Outcome]) -> None:
    """Record how claimed reminders ended."""
    if not outcomes:
        return
    await session.execute(
        _settle(),
        [
            {
                "reminder": outcome.reminder_id,
                "outcome": outcome.status,
                "sent": outcome.at if outcome.status == ReminderStatus.SENT else None,
            }
            for outcome in outcomes
        ],
    )
