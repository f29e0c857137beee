"""The audit log: who did what, when, with the state before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String, Text, cast, inspect, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_telegram_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


# What an action was done to: a row, or the kind of thing ("shift", "team", …) and its id.
Target = tuple[str, int | None]
# The kind of thing a row of each audited table is, as the log names it.
KINDS = {
    "activities": "activity",
    "broadcasts": "broadcast",
    "courses": "course",
    "help_requests": "help_request",
    "organisations": "organisation",
    "qualifications": "qualification",
    "role_grants": "role_grant",
    "service_records": "service_record",
    "shifts": "shift",
    "signups": "signup",
    "teams": "team",
    "volunteers": "volunteer",
}


def record(
    session: AsyncSession,
    actor: int | None,
    action: str,
    target: Base | Target,
    at: datetime,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add a row to the caller's transaction (never committed on its own): `actor` (a Telegram
    id; None for the server) did `action` to `target` at `at`."""
    if isinstance(target, Base):
        identity = inspect(target).identity  # the row's primary key, once flushed
        target_type, target_id = KINDS[target.__tablename__], identity[0] if identity else None
    else:
        target_type, target_id = target
    entry = AuditEntry(
        actor_telegram_id=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        before=before,
        after=after,
        at=at,
    )
    session.add(entry)
    return entry


# What an admin may filter the log by: an area is a set of action prefixes.
AREAS: dict[str, tuple[str, ...]] = {
    "roles": ("role.", "team.", "organisation."),
    "activities": ("activity.", "shift."),
    "signups": ("signup.", "offer."),
    "hours": ("attendance.", "hours.", "roster."),
    "volunteers": ("volunteer.",),
    "exports": ("export.", "roster.export"),
    "help": ("help.",),
}


async def entries(
    session: AsyncSession,
    *,
    area: str | None = None,
    actor: int | None = None,
    before_id: int | None = None,
    limit: int = 20,
) -> list[AuditEntry]:
    """The newest entries first, optionally of one area and one actor, older than `before_id`."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if area is not None:
        query = query.where(or_(*(AuditEntry.action.startswith(p) for p in AREAS[area])))
    if actor is not None:
        query = query.where(AuditEntry.actor_telegram_id == actor)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list(await session.scalars(query))


async def forget(session: AsyncSession, telegram_id: int, *, contents_of: list[Target]) -> None:
    """A person erased their data: the actions stay, but not who did them. Their Telegram id
    leaves every entry (as actor, and wherever a before/after state names it), and the states
    recorded for `contents_of` (things of theirs, such as their help requests) are dropped."""
    # The text search only narrows the rows down; `_without` decides, value by value.
    digits = str(telegram_id)
    naming = await session.scalars(
        select(AuditEntry)
        .where(
            or_(
                cast(AuditEntry.before, Text).contains(digits),
                cast(AuditEntry.after, Text).contains(digits),
            )
        )
        .execution_options(populate_existing=True)
    )
    for entry in naming:
        entry.before = _without(entry.before, telegram_id)
        entry.after = _without(entry.after, telegram_id)
    await session.flush()
    await session.execute(
        update(AuditEntry)
        .where(AuditEntry.actor_telegram_id == telegram_id)
        .values(actor_telegram_id=None)
        .execution_options(synchronize_session=False)
    )
    for target_type, target_id in contents_of:
        await session.execute(
            update(AuditEntry)
            .where(AuditEntry.target_type == target_type, AuditEntry.target_id == target_id)
            .values(before=None, after=None)
            .execution_options(synchronize_session=False)
        )


def _without(state: Any, telegram_id: int) -> Any:
    """`state` with every value that is the Telegram id replaced by None."""
    if isinstance(state, dict):
        return {key: _without(value, telegram_id) for key, value in state.items()}
    if isinstance(state, list):
        return [_without(value, telegram_id) for value in state]
    if state == telegram_id or state == str(telegram_id):
        return None
    return state
