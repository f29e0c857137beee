"""Updates taken in through the inbox (`models.inbox`), whether they came by webhook or by long
polling: recorded before Telegram is told they arrived, then handled from the record.

A try takes an update (its lease), lets the framework read it and the dispatcher handle it (which
marks it done in the transaction of its effects), and forgets its payload once the answer is
sent; meanwhile its content is kept encrypted with the ID key. A try the framework cannot read
gives the update back at once; after `inbox.TRIES` tries it is set aside, with one warning. A
sweep takes up the updates a dead process (or this one, before a restart) left behind: at start
at once, then every `SWEEP_EVERY_S`. On stop, the updates in hand get the time allowed to
finish; those not begun by then are given back, for the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

from bot.dispatcher import Dispatcher
from models import inbox
from models.db import WrittenTogether, writing

log = logging.getLogger(__name__)

# An update recorded this long ago and still not handled was left by a process that died.
LEFT_BEHIND = timedelta(seconds=30)
SWEEP_EVERY_S = 10.0
SEALED = "sealed"  # the key of a stored update's encrypted content

Feed = Callable[[dict[str, Any]], Awaitable[None]]


class Intake:
    def __init__(self, dispatcher: Dispatcher, feed: Feed) -> None:
        self.dispatcher = dispatcher
        self.feed = feed  # the framework reads the update and hands it to the dispatcher
        self._in_hand: dict[int, asyncio.Task[None]] = {}
        self._not_handled: set[int] = set()  # fed, but the dispatcher was closing
        self._room = asyncio.Condition()
        self._sweeping: asyncio.Task[None] | None = None
        self._sweep_idle = True  # the sweep waits between passes (cancelling it is safe then)
        # The payloads of answered updates, erased together (until then the sweep would).
        self._forgotten = WrittenTogether(
            dispatcher.sessions, inbox.handled, "updates %s: answered, but not marked so"
        )

    @property
    def in_hand(self) -> int:
        return len(self._in_hand)

    async def record(self, payloads: Sequence[dict[str, Any]], *, take: bool = False) -> list[int]:
        """Record updates (raises when the database cannot); with `take`, start handling the new
        ones here, in order. The ids of those not recorded before."""
        d = self.dispatcher
        now = d.services.clock.now()
        claim_for = inbox.LEASE if take else None
        sealed = [self._seal(payload) for payload in payloads]
        async with writing(d.sessions) as session:
            new = await inbox.record(session, sealed, now=now, claim_for=claim_for)
        if take:
            by_id = {payload["update_id"]: payload for payload in payloads}
            for update_id in new:
                self._start(update_id, self._try(update_id, by_id[update_id]))
        return new

    def answer_unrecorded(self, payloads: Sequence[dict[str, Any]]) -> None:
        """Handle updates that could not be recorded (the database is down: the dispatcher
        answers that), with nothing to mark."""
        for payload in payloads:
            self._start(payload["update_id"], self._feed_unrecorded(payload))

    def take(self, update_id: int) -> None:
        """Handle a recorded update here, unless another process takes it first."""
        if update_id not in self._in_hand:
            self._start(update_id, self._claim_and_try(update_id))

    async def wait_for_room(self, most: int) -> None:
        """Return once fewer than `most` updates are in hand."""
        async with self._room:
            await self._room.wait_for(lambda: self.in_hand < most)

    async def start(self, *, polling: bool) -> None:
        """Sweep from now on. A polling process is the only one receiving: what an earlier run
        held (it could not give it back before it ended) is taken up at once."""
        if polling:
            async with writing(self.dispatcher.sessions) as session:
                await inbox.release(session, None)
        self._sweeping = asyncio.create_task(self._sweep_forever())

    async def finish(self, timeout_s: float | None = None) -> None:
        """Stop sweeping, and let the updates in hand finish (within `timeout_s`)."""
        await self._stop_sweeping()
        late = await self.drained(timeout_s)
        if late:
            log.warning("%d updates still in hand at shutdown; given back", late)

    async def _stop_sweeping(self) -> None:
        sweeping, self._sweeping = self._sweeping, None
        if sweeping is not None:
            # Not in the middle of a pass: a transaction cancelled half-way could keep SQLite
            # locked.
            if self._sweep_idle:
                sweeping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(sweeping)  # a stop cut short leaves the pass to end

    async def drained(self, timeout_s: float | None = None) -> int:
        """Wait until the updates in hand now are handled (within `timeout_s`); how many not."""
        if not self._in_hand:
            return 0
        _, late = await asyncio.wait(set(self._in_hand.values()), timeout=timeout_s)
        return len(late)

    async def stop(self) -> None:
        """Give back what is still in hand and not begun (the dispatcher closes): the next
        start, or another process, handles it. The updates being handled end first."""
        await self._stop_sweeping()
        self.dispatcher.closing = True
        await self.drained()

    def not_handled(self, update_id: int) -> None:
        """The dispatcher did not handle this update (it is closing): to be given back."""
        self._not_handled.add(update_id)

    async def sweep(self, older_than: timedelta = LEFT_BEHIND) -> None:
        """Set aside the updates tried too often; take up those left behind."""
        d = self.dispatcher
        async with writing(d.sessions) as session:
            now = d.services.clock.now()
            rejected = await inbox.set_aside(session, now=now)
            left = await inbox.left_behind(session, now=now, older_than=older_than)
            await inbox.forget_old(session, now=now, older_than=LEFT_BEHIND)
        for update_id in rejected:
            log.warning(
                "update %s set aside after %d tries that failed; its content was erased",
                update_id,
                inbox.TRIES,
            )
        for update_id in left:
            self.take(update_id)

    # ---- one try ------------------------------------------------------------------------------

    def _start(self, update_id: int, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._in_hand[update_id] = task
        task.add_done_callback(lambda _: asyncio.ensure_future(self._done(update_id)))

    async def _done(self, update_id: int) -> None:
        async with self._room:
            self._in_hand.pop(update_id, None)
            self._room.notify_all()

    async def _claim_and_try(self, update_id: int) -> None:
        d = self.dispatcher
        try:
            async with writing(d.sessions) as session:
                payload = await inbox.claim(session, update_id, now=d.services.clock.now())
        except Exception:
            log.exception("update %s: could not take it; it will be taken up again", update_id)
            return
        if payload is not None:
            await self._try(update_id, payload)

    async def _try(self, update_id: int, payload: dict[str, Any]) -> None:
        d = self.dispatcher
        if d.closing:
            await self._give_back(update_id)
            return
        try:
            await self.feed(self._open(payload))
        except Exception as error:
            # The framework could not read it; what it holds is not logged (it is what people
            # typed). Given back, to be tried again until it is set aside.
            log.info("update %s could not be read: %s", update_id, type(error).__name__)
            await self._give_back(update_id)
            return
        if update_id in self._not_handled:
            self._not_handled.discard(update_id)
            await self._give_back(update_id)
            return
        await self._forget(update_id)

    async def _forget(self, update_id: int) -> None:
        """Forget what was typed in an answered update (returns once it is written): the updates
        answered while the statement before ran are forgotten together, in the next one. Should
        that fail, what was typed stays until the sweep erases it (`inbox.forget_old`)."""
        await self._forgotten.add(update_id)

    def _seal(self, payload: dict[str, Any]) -> dict[str, Any]:
        """What is kept of an update: with the ID key set (people type ID numbers), its content
        encrypted, so that no database file or backup holds what was typed in plain text."""
        cipher = self.dispatcher.services.cipher
        if cipher is None:
            return payload
        token = cipher.encrypt(json.dumps(payload, ensure_ascii=False)).decode()
        return {"update_id": payload["update_id"], SEALED: token}

    def _open(self, stored: dict[str, Any]) -> dict[str, Any]:
        cipher = self.dispatcher.services.cipher
        if SEALED not in stored or cipher is None:
            return stored
        opened: dict[str, Any] = json.loads(cipher.decrypt(stored[SEALED].encode()))
        return opened

    async def _feed_unrecorded(self, payload: dict[str, Any]) -> None:
        try:
            await self.feed(payload)
        except Exception as error:
            log.warning(
                "update %s could not be read: %s", payload["update_id"], type(error).__name__
            )

    async def _give_back(self, update_id: int) -> None:
        try:
            async with writing(self.dispatcher.sessions) as session:
                await inbox.release(session, [update_id])
        except Exception:
            log.exception("update %s: could not give it back; its lease will run out", update_id)

    async def _sweep_forever(self) -> None:
        """At start, everything left (a polling process is the only one receiving, and a
        webhook process may take another's fresh updates: each is taken once); then those left
        a while."""
        older_than = timedelta(0)
        while self._sweeping is not None:
            self._sweep_idle = False
            try:
                await self.sweep(older_than)
                older_than = LEFT_BEHIND
            except Exception:
                log.exception("looking for updates left behind failed")
            finally:
                self._sweep_idle = True
            if self._sweeping is not None:
                await asyncio.sleep(SWEEP_EVERY_S)
