"""Which ID_ENCRYPTION_KEY the stored ID numbers are under, and moving them to another.

The key's fingerprint is recorded on first start. A process with another key refuses to start:
it could read none of the stored numbers (every export would fail) and would not notice a second
registration with one of them (the blind index differs per key).

A rotation moves the numbers to a new key. Every process is restarted with the new key and the
old one in ID_ENCRYPTION_OLD_KEYS; the first to start records that a rotation to the new key is
under way (from then on a process with only the old key is refused). `volbot keys rotate`
re-encrypts every volunteer's number and every unfinished registration's, recomputing their
indexes, in short transactions, and records the new key as the one; run again after a stop, it
carries on where the numbers still are under an old key. Meanwhile numbers under either key
decrypt and a registration is checked against the indexes under both.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import InstrumentedAttribute

from models.conversation import AppSecret, ConversationState, lock_state
from models.crypto import IdCipher, shown
from models.db import upsert
from models.registration.tables import Volunteer
from models.registration.volunteers import SealedId

CURRENT = "id_key"  # the fingerprint of the key the numbers are under (app_secrets)
ROTATING_TO = "id_key_next"  # while a rotation is under way, the new key's
BATCH = 500
# A pass that still finds numbers under an old key means something wrote them meanwhile; after
# this many the rotation stops and says what to do.
PASSES = 3


class KeyMismatch(Exception):
    """The key cannot serve this database; the message says what to do, in one line."""


async def check_key(session: AsyncSession, cipher: IdCipher | None) -> None:
    """Record the key on first start, begin a rotation when the stored key is among the old
    ones, and refuse a key the stored ID numbers are not under (`KeyMismatch`)."""
    stored, target = await _read(session, CURRENT), await _read(session, ROTATING_TO)
    if cipher is None:
        if stored is not None:
            raise KeyMismatch(
                f"the database's ID numbers are encrypted under key {shown(stored)} but "
                "ID_ENCRYPTION_KEY is not set; set it to that key"
            )
        return
    if stored is None:
        stored = await _record(session, CURRENT, await _key_of_stored_numbers(session, cipher))
    if target is None and stored in cipher.old_fingerprints:
        target = await _record(session, ROTATING_TO, cipher.fingerprint)
    mine = cipher.fingerprint
    if target is None and stored == mine:
        return
    if target == mine and stored in cipher.old_fingerprints:
        return
    if target is None:
        raise KeyMismatch(
            f"ID_ENCRYPTION_KEY (key {shown(mine)}) is not the key the database's ID numbers "
            f"are encrypted under ({shown(stored)}); set that key, or to move to this one put "
            "that one in ID_ENCRYPTION_OLD_KEYS and run `volbot keys rotate`"
        )
    raise KeyMismatch(
        f"the ID numbers are being moved from key {shown(stored)} to key {shown(target)}; "
        f"set ID_ENCRYPTION_KEY to key {shown(target)} and ID_ENCRYPTION_OLD_KEYS to key "
        f"{shown(stored)} until `volbot keys rotate` has finished"
    )


async def recorded(session: AsyncSession) -> tuple[str | None, str | None]:
    """The fingerprints of the key the numbers are under and of the key a rotation under way
    moves them to (None: none recorded, no rotation)."""
    return await _read(session, CURRENT), await _read(session, ROTATING_TO)


@dataclass
class Rotated:
    volunteers: int = 0
    drafts: int = 0


async def rotate(
    sessions: async_sessionmaker[AsyncSession],
    cipher: IdCipher,
    *,
    now: datetime,
    progress: Callable[[Rotated], None] = lambda _: None,
    batch: int = BATCH,
) -> Rotated:
    """Move every stored ID number to the cipher's current key, then record that key as the
    one. Resumable: what is already under the current key is left as it is. Every number is
    looked at even when no rotation is recorded: a database that got numbers under two keys
    before fingerprints were recorded is made whole the same way."""
    async with sessions() as session, session.begin():
        await check_key(session, cipher)
    done = Rotated()

    async def move_volunteer(session: AsyncSession, volunteer_id: int, token: bytes) -> None:
        if not cipher.is_current(token):
            done.volunteers += await _move(session, cipher, volunteer_id, token)

    async def move_draft(session: AsyncSession, telegram_id: int, data: dict[str, Any]) -> None:
        if _stale_draft(data, cipher) is not None:
            done.drafts += await _move_draft(session, cipher, telegram_id, now)

    def tell() -> None:
        progress(done)

    for _ in range(PASSES):
        before = replace(done)
        await _walk(
            sessions, Volunteer.id, Volunteer.id_number_encrypted, batch, move_volunteer, tell
        )
        await _walk(
            sessions, ConversationState.telegram_id, ConversationState.data, batch, move_draft, tell
        )
        if done == before:
            break
    else:
        raise KeyMismatch(
            "ID numbers under an old key keep being written: a process still runs with only "
            "the old ID_ENCRYPTION_KEY; restart every process with the new key and "
            "ID_ENCRYPTION_OLD_KEYS, then run `volbot keys rotate` again"
        )
    async with sessions() as session, session.begin():
        await session.execute(
            update(AppSecret)
            .where(AppSecret.name == CURRENT)
            .values(value=cipher.fingerprint.encode())
        )
        await session.execute(delete(AppSecret).where(AppSecret.name == ROTATING_TO))
    return done


async def _walk(
    sessions: async_sessionmaker[AsyncSession],
    key: InstrumentedAttribute[int],
    value: InstrumentedAttribute[Any],
    batch: int,
    step: Callable[[AsyncSession, Any, Any], Awaitable[None]],
    tell: Callable[[], None],
) -> None:
    """Each row's key and (not null) value in key order to `step`, a transaction a batch."""
    after = 0
    while True:
        async with sessions() as session, session.begin():
            rows = (
                await session.execute(
                    select(key, value)
                    .where(key > after, value.is_not(None))
                    .order_by(key)
                    .limit(batch)
                )
            ).all()
            for row_key, row_value in rows:
                await step(session, row_key, row_value)
        if not rows:
            return
        after = rows[-1][0]
        tell()


async def _move(session: AsyncSession, cipher: IdCipher, volunteer_id: int, token: bytes) -> int:
    """Move one volunteer's number (unless it changed since it was read: 0)."""
    number = cipher.decrypt(token)
    index = cipher.blind_index(number)
    twin = await session.scalar(
        select(Volunteer.id).where(Volunteer.id_number_index == index, Volunteer.id != volunteer_id)
    )
    if twin is not None:
        raise KeyMismatch(
            f"volunteers {twin} and {volunteer_id} registered the same ID number (under "
            "different keys); erase or correct one of them, then run `volbot keys rotate` again"
        )
    result = await session.execute(
        update(Volunteer)
        .where(Volunteer.id == volunteer_id, Volunteer.id_number_encrypted == token)
        .values(id_number_encrypted=cipher.encrypt(number), id_number_index=index)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))


async def _move_draft(
    session: AsyncSession, cipher: IdCipher, telegram_id: int, now: datetime
) -> int:
    """Move an unfinished registration's (or profile edit's) number, with the conversation
    state locked as the bot locks it to handle an update (0: it changed meanwhile). The draft
    is not used by this: it is forgotten as soon as it would have been."""
    state = await lock_state(session, telegram_id, now, touch=False)
    sealed = _stale_draft(state.data, cipher)
    if sealed is None:
        return 0
    draft = {**state.data["draft"], "sealed_id": asdict(sealed.resealed(cipher))}
    state.data = {**state.data, "draft": draft}
    return 1


def _stale_draft(data: dict[str, Any] | None, cipher: IdCipher) -> SealedId | None:
    """The draft's sealed number in `data` if it is under an old key."""
    draft = (data or {}).get("draft")
    sealed = draft.get("sealed_id") if isinstance(draft, dict) else None
    if not sealed or not sealed.get("encrypted"):
        return None  # none, or a profile edit's stand-in that shows the masked number only
    if cipher.is_current(sealed["encrypted"].encode()):
        return None
    return SealedId(**sealed)


async def _read(session: AsyncSession, name: str) -> str | None:
    value = await session.scalar(select(AppSecret.value).where(AppSecret.name == name))
    return None if value is None else bytes(value).decode()


async def _record(session: AsyncSession, name: str, fingerprint: str) -> str:
    """Record `fingerprint` under `name` unless another process did first; the one recorded."""
    await session.execute(
        upsert(session, AppSecret)
        .values(name=name, value=fingerprint.encode())
        .on_conflict_do_nothing(index_elements=["name"])
    )
    recorded = await _read(session, name)
    assert recorded is not None
    return recorded


async def _key_of_stored_numbers(session: AsyncSession, cipher: IdCipher) -> str:
    """Before the first record (a database from before fingerprints): the key, of the cipher's,
    that the numbers already stored are under (any: none are stored yet)."""
    token = await session.scalar(
        select(Volunteer.id_number_encrypted)
        .where(Volunteer.id_number_encrypted.is_not(None))
        .limit(1)
    )
    if token is None:
        return cipher.fingerprint
    key = cipher.key_of(token)
    if key is None:
        raise KeyMismatch(
            f"ID_ENCRYPTION_KEY (key {shown(cipher.fingerprint)}) is not the key the database's "
            "ID numbers are encrypted under; set the key they were stored with"
        )
    return key
