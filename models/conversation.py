"""Where each user is in a conversation, kept in the database so that a restart or a second
bot process continues at the same step."""

from __future__ import annotations

import secrets
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import JSON, BigInteger, Integer, LargeBinary, String, Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime
from models.db import dialect, dialect_upsert, upsert
from models.visible_text import visible

# Telegram's first names are 1-64 characters (https://core.telegram.org/api/account#names).
FIRST_NAME_MAX = 64


class ConversationState(Base):
    __tablename__ = "conversation_states"

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    language: Mapped[str | None] = mapped_column(String(8))
    # Their Telegram first name in their latest update: how someone who never registered as a
    # volunteer (a coordinator, an admin) is named to others.
    first_name: Mapped[str | None] = mapped_column(String(FIRST_NAME_MAX))
    flow: Mapped[str | None] = mapped_column(String(32))
    step: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Bumped whenever the step changes: buttons carry it, so a button from an old message is
    # recognised as stale instead of acting on a step the user has left.
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AppSecret(Base):
    """Per-deployment random secrets shared by every bot process (e.g. the button signing key)."""

    __tablename__ = "app_secrets"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)


@cache
def _lock(database: str, *, touch: bool, named: bool) -> Any:
    """`lock_state`'s statement, built once for each of its four shapes: every update runs it,
    and building it anew cost about as much CPU as running it. The upsert is on the table, and
    the ORM only loads the row it returns (`from_statement`): an upsert of the mapped class went
    through the ORM's bulk-insert path, which cost about as much again (295 against 168 µs of
    CPU a call, in process)."""
    table = cast(Table, ConversationState.__table__)
    insert = dialect_upsert(database, table).values(
        telegram_id=bindparam("who"),
        first_name=bindparam("name"),
        data={},
        version=0,
        updated_at=bindparam("now"),
    )
    # An update of the row found is what locks it; without `touch` it writes what it read.
    written: dict[str, Any] = (
        {"updated_at": insert.excluded.updated_at} if touch else {"version": table.c.version}
    )
    if named:
        written["first_name"] = insert.excluded.first_name
    upsert = insert.on_conflict_do_update(index_elements=["telegram_id"], set_=written)
    return select(ConversationState).from_statement(upsert.returning(*table.c))


async def lock_state(
    session: AsyncSession,
    telegram_id: int,
    now: datetime,
    *,
    touch: bool = True,
    first_name: str | None = None,
) -> ConversationState:
    """The user's conversation state, created if new and locked for the rest of the
    transaction (a row lock on PostgreSQL, the database's write lock on SQLite), so that two
    bot processes handling the same user's updates take turns. One statement, run for every
    update: an upsert that returns the row, and (`touch`) marks it used `now`. The user's
    Telegram `first_name`, as their update gives it, is kept (in the same statement)."""
    name = visible(first_name or "").strip()[:FIRST_NAME_MAX] or None
    state: ConversationState | None = await session.scalar(
        _lock(dialect(session), touch=touch, named=name is not None),
        {"who": telegram_id, "name": name, "now": now},
        execution_options={"populate_existing": True},
    )
    assert state is not None
    return state


async def forget(session: AsyncSession, telegram_id: int) -> None:
    """Drop the user's conversation (language, step, drafts). Deleted through the session, so
    the turn that asked for it may still hold the row: its later changes are not written."""
    state = await session.get(ConversationState, telegram_id)
    if state is not None:
        await session.delete(state)
        await session.flush()


BUTTON_KEY = "button_signing_key"
BUTTON_KEY_BYTES = 32


async def button_key(session: AsyncSession) -> bytes:
    """The deployment's button-signing key: made once, shared by every bot process."""
    await session.execute(
        upsert(session, AppSecret)
        .values(name=BUTTON_KEY, value=secrets.token_bytes(BUTTON_KEY_BYTES))
        .on_conflict_do_nothing(index_elements=["name"])
    )
    key = await session.scalar(select(AppSecret.value).where(AppSecret.name == BUTTON_KEY))
    assert key is not None
    return key
