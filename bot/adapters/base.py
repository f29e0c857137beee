"""What both adapters share: carrying out a handler's actions in order, waiting out Telegram's
flood control, telling a sender of many messages what became of each try (`attempt`), and telling
observers (tests, metrics) that an update has been fully handled."""

from __future__ import annotations

import asyncio
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.dispatcher import Dispatcher
from bot.metrics import BotMetrics
from handlers.events import NEW_MESSAGES, Action, Attempt, AttemptKind, Incoming, SendNotice

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")
SEND_ATTEMPTS = 3
MAX_RETRY_WAIT_S = 30.0


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
        self._in_hand = 0  # updates being handled (`process` entered, not yet left)
        self._handling = asyncio.Condition()

    @abstractmethod
    async def start(self, webhook: Webhook | None = None) -> None:
        """Check the token, then receive updates: by long polling, or, with `webhook`, register
        it with Telegram (the updates then come through `feed`)."""

    @abstractmethod
    async def stop_receiving(self) -> None:
        """Take no more updates (stop polling); sending still works."""

    async def finish_updates(self) -> None:
        """Wait until every update received so far is handled (after `stop_receiving`): under
        long polling Telegram counts an update delivered once fetched, so one dropped at exit
        is lost."""
        async with self._handling:
            await self._handling.wait_for(lambda: self._in_hand == 0)

    @abstractmethod
    async def stop(self) -> None:
        """Stop receiving updates and close connections."""

    @abstractmethod
    async def feed(self, payload: dict[str, Any]) -> None:
        """Handle one update received by webhook (Telegram's JSON), through the framework."""

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
        self._in_hand += 1
        try:
            actions = await self.dispatcher.handle(event)
            for action in actions:
                await self.perform(action)
        finally:
            async with self._handling:
                self._in_hand -= 1
                self._handling.notify_all()
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
