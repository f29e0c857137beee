"""What both adapters share: receiving updates into the inbox (`bot.intake`) by long polling or
webhook, carrying out a handler's actions in order, waiting out Telegram's flood control, telling
a sender of many messages what became of each try (`attempt`), and telling observers (tests,
metrics) that an update has been fully handled.

Long polling is our own loop, not the framework's, so that an update is confirmed to Telegram
(by the next getUpdates' offset) only once it is recorded: a stop, a crash or a database outage
loses nothing that was fetched. It fetches no more than `MOST_IN_HAND` updates ahead of the
handling.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.dispatcher import Dispatcher
from bot.intake import Intake
from bot.metrics import BotMetrics
from handlers.events import NEW_MESSAGES, Action, Attempt, AttemptKind, Incoming, SendNotice
from models import inbox
from models.db import is_unavailable

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")
SEND_ATTEMPTS = 3
MAX_RETRY_WAIT_S = 30.0
POLL_TIMEOUT_S = 10
MOST_IN_HAND = 100  # also getUpdates' largest batch
# A getUpdates waits until at least this many fit: asking for the few that fitted as each update
# was answered made, under load, a getUpdates and a transaction recording its updates for every
# ten updates or so.
FETCH_AT_LEAST = 50
POLL_RETRY_S = 1.0  # after a failed getUpdates (doubling up to MAX_RETRY_WAIT_S)


def chat_gone(description: str) -> bool:
    """A 400 answer that means the recipient cannot be reached (as 403 does)."""
    return "chat not found" in description.lower()


@dataclass(frozen=True)
class Webhook:
    """Where Telegram should post updates, and the secret it must send with each."""

    url: str
    secret: str


class StartupError(Exception):
    """The bot cannot start (bad token, API unreachable); the message says why, in one line."""


class TelegramAdapter(ABC):
    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self.observers: list[Callable[[Incoming], None]] = []
        self.username: str | None = None
        # Told of every flood-control answer (its retry_after), so broadcasts pause too.
        self.on_flood: Callable[[float], None] | None = None
        self.metrics = BotMetrics()
        dispatcher.on_failure = self.metrics.update_errors.inc
        self.intake = Intake(dispatcher, self.feed)
        self._polling: asyncio.Task[None] | None = None
        self._receiving = True
        self._recording = False

    async def start(self, webhook: Webhook | None = None) -> None:
        """Check the token, then receive updates: by long polling, or, with `webhook`, register
        it with Telegram (the deliveries then come through the web server)."""
        await self._connect(webhook)
        await self.intake.start(polling=webhook is None)
        if webhook is None:
            self._receiving = True
            self._polling = asyncio.create_task(self._poll_forever())

    async def stop_receiving(self) -> None:
        """Take no more updates (stop polling); sending still works. A batch being recorded is
        recorded first: a transaction cancelled half-way could keep SQLite locked."""
        polling, self._polling = self._polling, None
        if polling is None:
            return
        self._receiving = False
        if not self._recording:
            polling.cancel()  # it waits for a long poll or for room, nothing else
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(polling)  # a stop cut short leaves the batch to be recorded

    async def finish_updates(self) -> None:
        """Wait until every update taken so far is handled (after `stop_receiving`)."""
        await self.intake.finish()

    async def stop(self) -> None:
        """Stop receiving updates, give back those still in hand, and close connections."""
        await self.stop_receiving()
        await self.intake.stop()
        await self._close()

    @abstractmethod
    async def _connect(self, webhook: Webhook | None) -> None:
        """Check the token; register the webhook, or remove any (getUpdates is refused while
        one is set)."""

    @abstractmethod
    async def _close(self) -> None:
        """Close the framework's connections."""

    @abstractmethod
    async def _fetch(self, offset: int | None, limit: int) -> list[dict[str, Any]]:
        """One getUpdates long poll (POLL_TIMEOUT_S), as Telegram's JSON; `offset` confirms
        the updates before it."""

    @abstractmethod
    async def feed(self, payload: dict[str, Any]) -> None:
        """Handle one recorded update (Telegram's JSON) through the framework; raises when the
        framework cannot read it."""

    async def _poll_forever(self) -> None:
        offset: int | None = None
        failures = 0
        while self._receiving:
            await self.intake.wait_for_room(MOST_IN_HAND - FETCH_AT_LEAST + 1)
            try:
                fetched = await self._fetch(offset, MOST_IN_HAND - self.intake.in_hand)
                usable = [p for p in fetched if inbox.valid_update_id(p.get("update_id"))]
                self._recording = True
                try:
                    await self._take(usable)
                finally:
                    self._recording = False
            except Exception as error:
                if not self._receiving:
                    return
                failures += 1
                wait = min(MAX_RETRY_WAIT_S, POLL_RETRY_S * 2 ** (failures - 1))
                log.warning("getUpdates failed (%s); again in %.0f s", error, wait)
                await asyncio.sleep(wait)
                continue
            failures = 0
            if usable:  # the next getUpdates confirms these, now recorded (or answered)
                offset = max(p["update_id"] for p in usable) + 1

    async def _take(self, updates: list[dict[str, Any]]) -> None:
        try:
            await self.intake.record(updates, take=True)
        except Exception as error:
            if not is_unavailable(error):
                raise
            # The database is down: each gets its "temporarily unavailable, try again" now
            # (from the dispatcher) rather than no answer until it is back.
            log.warning("%d updates not recorded, the database is unavailable", len(updates))
            self.intake.answer_unrecorded(updates)

    @abstractmethod
    async def _perform(self, action: Action) -> int | None:
        """Carry out one action with the framework's bot object; a sent message's id."""

    @abstractmethod
    async def download(self, file_id: str) -> bytes:
        """The content of a file a user sent."""

    def _started(self, username: str | None) -> None:
        """What the conversations need to know once the bot knows who it is."""
        self.username = username
        services = self.dispatcher.services
        services.bot_username = username or ""
        services.download = self.download
        services.port = self

    @abstractmethod
    def _classify(self, error: Exception) -> Attempt:
        """What a failed try came to (see `Attempt`)."""

    async def attempt(self, action: Action) -> Attempt:
        """Try an action once; never raises."""
        metrics = self.metrics
        try:
            attempt = Attempt(AttemptKind.SENT, message_id=await self._perform(action))
        except Exception as error:
            attempt = self._classify(error)
        if attempt.kind == AttemptKind.SENT:
            if isinstance(action, NEW_MESSAGES):
                kind = "broadcast" if isinstance(action, SendNotice) else "other"
                metrics.messages_sent.labels(kind=kind).inc()
        elif attempt.kind == AttemptKind.FLOOD:
            metrics.telegram_429.inc()
            if self.on_flood is not None:
                self.on_flood(attempt.retry_after or 1.0)
        else:
            metrics.send_failures.labels(reason=attempt.kind).inc()
        return attempt

    async def process(self, event: Incoming) -> None:
        started = time.perf_counter()
        actions = await self.dispatcher.handle(event)
        if actions is None:
            self.intake.not_handled(event.update_id)
            return
        for action in actions:
            await self.perform(action)
        self.metrics.updates.labels(kind=_kind(event)).inc()
        self.metrics.handler_seconds.observe(time.perf_counter() - started)
        for observer in self.observers:
            observer(event)

    async def perform(self, action: Action) -> int | None:
        """Carry out an action, waiting out flood control; a sent message's id, or None when it
        failed (failures are logged, never raised)."""
        for number in range(1, SEND_ATTEMPTS + 1):
            attempt = await self.attempt(action)
            if attempt.kind == AttemptKind.SENT:
                return attempt.message_id
            wait = attempt.retry_after
            if wait is None or number == SEND_ATTEMPTS or wait > MAX_RETRY_WAIT_S:
                # One failed action (a user who blocked us, an edit of a deleted message)
                # must not stop the rest of the reply.
                log.warning("%s failed: %s", type(action).__name__, attempt.reason)
                return None
            await asyncio.sleep(wait)
        return None


def _kind(event: Incoming) -> str:
    if event.press is not None:
        return "button"
    return "other" if event.blocked is not None else "message"
