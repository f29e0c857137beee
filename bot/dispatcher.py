"""From one incoming event to the actions that answer it, the same for every framework.

Per update: take the user's turn (one update per user at a time, in arrival order; different
users concurrently), open one database session, mark the update handled in the inbox, lock and
load the user's conversation state, let the router's handler act, and commit once: the handled
mark and the effects are committed together, so a process that dies at any moment leaves the
update either done or to be done again, never done twice. A domain error rolls everything back
and becomes a polite reply, so the conversation stays where it was and nothing half-written is
stored. Long work a handler left for after the commit (an export's reading and writing) runs
then, in the user's turn but holding no lock of the update's.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.callbacks import ButtonSigner
from handlers.context import Context
from handlers.events import Action, AnswerButton, Incoming, SendMessage
from handlers.formatting import localized
from handlers.menus import Menus
from handlers.router import Router
from handlers.services import Services
from models.db import is_unavailable, write_turn
from models.errors import VolbotError
from models.registration import volunteers
from models.turn import settle_and_lock

log = logging.getLogger(__name__)
CALLBACK_ANSWER_MAX_CHARS = 200  # https://core.telegram.org/bots/api#answercallbackquery
# Below the pool's 15 connections (`models/db.SERVER_POOL_SIZE`), leaving some for the timed
# jobs, the broadcast sender and the webhook's records.
CONCURRENT_SESSIONS = 10


class _AlreadyHandled(Exception):
    """Rolls back the effects of an update another handler finished first."""


class UserTurns:
    """One asyncio lock per user, dropped when nobody waits. asyncio.Lock wakes waiters in FIFO
    order, so a user's updates are handled in the order they arrived."""

    def __init__(self) -> None:
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def turn(self, user_id: int) -> AsyncIterator[None]:
        lock, waiting = self._locks.get(user_id, (asyncio.Lock(), 0))
        self._locks[user_id] = (lock, waiting + 1)
        try:
            async with lock:
                yield
        finally:
            lock, waiting = self._locks[user_id]
            if waiting == 1:
                del self._locks[user_id]
            else:
                self._locks[user_id] = (lock, waiting - 1)

    def __len__(self) -> int:
        return len(self._locks)


@dataclass
class Dispatcher:
    services: Services
    router: Router
    # Told of each update whose handling failed unexpectedly (for the metrics).
    on_failure: Callable[[], None] = lambda: None
    # Called right after an update's effects are committed (a fault-injection point for tests).
    after_commit: Callable[[], None] = lambda: None

    def __post_init__(self) -> None:
        self.services.menus = Menus.of(self.router)
        self.turns = UserTurns()
        # Updates that may use a database connection at once. Beyond the pool's size more
        # would only queue inside the pool, where a wait over 30 s fails the update; here they
        # queue without a limit, in arrival order.
        self._sessions_free = asyncio.Semaphore(CONCURRENT_SESSIONS)
        # Set when the process stops: the updates still waiting for their turn are not handled
        # (`handle` says None), to be given back to the inbox.
        self.closing = False

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return self.services.sessions

    async def handle(self, event: Incoming) -> list[Action] | None:
        """The actions that answer `event`; None when it was not handled (the process stops)."""
        async with self.turns.turn(event.sender.id), self._sessions_free:
            if self.closing:
                return None
            language = self.services.deployment.default_language
            try:
                signer = await self.services.button_signer()  # before the update's transaction
                # On SQLite, in this process's turn to write (`write_turn`).
                async with write_turn(self.sessions), self.sessions() as session, session.begin():
                    ctx = await self._context(session, event, signer)
                    language = ctx.lang
                    await self.router.route(ctx)
                self.after_commit()
                for work in ctx.afterwards:  # the update's transaction has committed
                    await work()
                return ctx.outbox.actions
            except _AlreadyHandled:
                log.info(
                    "update %s was handled already; its second handling undone", event.update_id
                )
                return []
            except VolbotError as error:
                return self._refusal(event, language, f"errors.{error.code}", error.params)
            except Exception as error:
                self.on_failure()
                if is_unavailable(error):
                    # Nothing was written; the user's next try works once it is back.
                    log.warning(
                        "update %s: the database is unavailable: %s", event.update_id, error
                    )
                    return self._refusal(event, language, "errors.unavailable", {})
                log.exception("update %s from user %s failed", event.update_id, event.sender.id)
                return self._refusal(event, language, "errors.unexpected", {})

    async def _context(
        self, session: AsyncSession, event: Incoming, signer: ButtonSigner
    ) -> Context:
        sender, now = event.sender, self.services.clock.now()
        # First: a second handler of the update waits here for the first to end.
        state = await settle_and_lock(
            session, event.update_id, sender.id, now, first_name=sender.first_name
        )
        if state is None:
            raise _AlreadyHandled
        return Context(
            event=event,
            session=session,
            state=state,
            volunteer=await volunteers.find_volunteer(session, event.sender.id),
            services=self.services,
            signer=signer,
            open_link=self.router.open_deep_link,
            opens_for_anyone=self.router.opens_for_anyone,
        )

    def _refusal(
        self, event: Incoming, language: str, key: str, params: dict[str, object]
    ) -> list[Action]:
        # Times in refusals are shown in the deployment's zone.
        services = self.services
        text = services.texts.get(language, key, **localized(params, services.deployment.zone))
        if event.press is None:
            return [SendMessage(chat_id=event.chat_id, text=text)]
        if len(text) <= CALLBACK_ANSWER_MAX_CHARS:
            return [AnswerButton(query_id=event.press.query_id, text=text, alert=True)]
        # Too long for a pop-up: stop the button's spinner and say it in the chat.
        return [AnswerButton(query_id=event.press.query_id), SendMessage(event.chat_id, text)]
