"""Where each user is in a conversation, kept in the database so that a restart or a second
bot process continues at the same step."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Integer,
    LargeBinary,
    String,
    bindparam,
    literal,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, table_of
from models.db import dialect_upsert, upsert
from models.driver import OnDriver, held_or_loaded
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


def lock_statement(database: str, *, touch: bool, named: bool, after: Any = None) -> Any:
    """`lock_state`'s statement, in one of its four shapes: an upsert of the table that
    returns the row. With `after` (a CTE of a statement that returns rows), the state is
    upserted only when `after` returned a row, and after it ran (`models.turn`)."""
    table = table_of(ConversationState)
    c = table.c
    new = {
        "telegram_id": bindparam("who", type_=c.telegram_id.type),
        "first_name": bindparam("name", type_=c.first_name.type),
        "data": literal({}, c.data.type),
        "version": literal(0, c.version.type),
        "updated_at": bindparam("now", type_=c.updated_at.type),
    }
    upsert = dialect_upsert(database, table)
    if after is None:
        insert = upsert.values(new)
    else:
        insert = upsert.from_select(list(new), select(*new.values()).select_from(after))
    # An update of the row found is what locks it; without `touch` it writes what it read.
    written: dict[str, Any] = (
        {"updated_at": insert.excluded.updated_at} if touch else {"version": c.version}
    )
    if named:
        written["first_name"] = insert.excluded.first_name
    locked = insert.on_conflict_do_update(index_elements=["telegram_id"], set_=written)
    returned = locked.returning(*c)
    return returned if after is None else returned.add_cte(after)


# Every update runs one, in its transaction's first statements: on the driver
# (`models.driver`), which cost a third of the ORM's loading of the row it returns.
_LOCKS = {
    (touch, named): OnDriver(partial(lock_statement, touch=touch, named=named))
    for touch in (True, False)
    for named in (True, False)
}


def kept_name(first_name: str | None) -> str | None:
    """What is kept of a Telegram first name: its visible text, at most `FIRST_NAME_MAX`."""
    return visible(first_name or "").strip()[:FIRST_NAME_MAX] or None


def state_of(session: AsyncSession, row: Sequence[Any]) -> ConversationState:
    """The state a lock statement returned, in the session (a state it holds already is set
    to the row)."""
    columns = dict(zip(table_of(ConversationState).c.keys(), row, strict=True))
    return held_or_loaded(session, ConversationState, columns, refresh=True)


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
    Telegram `first_name`, as their update gives it, is kept (in the same statement). A state
    the session holds already is set to the row."""
    name = kept_name(first_name)
    (row,) = await _LOCKS[touch, name is not None].rows(
        session, who=telegram_id, name=name, now=now
    )
    return state_of(session, row)


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
