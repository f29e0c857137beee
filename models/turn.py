"""The start of an update's transaction: the update marked handled and the user's conversation
state, created or locked (`inbox.settle`, then `conversation.lock_state`).

On PostgreSQL one statement does both: the upsert of the state reads the update the mark
returned, so the state is locked only once the update is (a second handler of the update still
waits at the mark, and finds it handled), and an update handled already locks nothing. Every
update runs it, and a statement costs the bot a round trip to the server besides its own work
(about 0.1 ms of CPU). On SQLite, in the bot's own process, the two statements run as they are.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from sqlalchemy import Insert, bindparam, literal, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from models import inbox
from models.base import table_of
from models.conversation import FIRST_NAME_MAX, ConversationState, lock_state
from models.db import dialect
from models.driver import OnDriver, held_or_loaded
from models.inbox import InboundUpdate
from models.visible_text import visible


def _settle_and_lock(_database: str, *, named: bool) -> Insert:
    """PostgreSQL's statement: `lock_state`'s upsert (touching the state) of the row the mark
    (`inbox.settle`'s statement) returned, if it returned one."""
    marked = inbox.settle_statement().cte("marked")
    table = table_of(ConversationState)
    c = table.c
    state = select(
        bindparam("who", type_=c.telegram_id.type),
        bindparam("name", type_=c.first_name.type),
        literal({}, c.data.type),
        literal(0, c.version.type),
        bindparam("now", type_=c.updated_at.type),
    ).select_from(marked)
    insert = postgresql.insert(table).from_select(
        ["telegram_id", "first_name", "data", "version", "updated_at"], state
    )
    written = {"updated_at": insert.excluded.updated_at}
    if named:
        written["first_name"] = insert.excluded.first_name
    upsert = insert.on_conflict_do_update(index_elements=["telegram_id"], set_=written)
    return upsert.returning(*c).add_cte(marked)


_SETTLE_AND_LOCK = {
    named: OnDriver(partial(_settle_and_lock, named=named)) for named in (True, False)
}


async def settle_and_lock(
    session: AsyncSession,
    update_id: int,
    telegram_id: int,
    now: datetime,
    *,
    first_name: str | None = None,
) -> ConversationState | None:
    """The update marked handled (`inbox.settle`) and the user's state locked and touched
    (`lock_state`); None when the update was handled already (its effects are then to be rolled
    back)."""
    if dialect(session) != "postgresql":
        if not await inbox.settle(session, update_id):
            return None
        return await lock_state(session, telegram_id, now, first_name=first_name)
    name = visible(first_name or "").strip()[:FIRST_NAME_MAX] or None
    rows = await _SETTLE_AND_LOCK[name is not None].rows(
        session, settled=update_id, who=telegram_id, name=name, now=now
    )
    if rows:
        columns = dict(zip(table_of(ConversationState).c.keys(), rows[0], strict=True))
        return held_or_loaded(session, ConversationState, columns, refresh=True)
    if await session.get(InboundUpdate, update_id) is not None:
        return None  # handled already
    # Never recorded (fed to the dispatcher directly): nothing to mark.
    return await lock_state(session, telegram_id, now, first_name=first_name)
