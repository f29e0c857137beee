"""Routing an event to the handler that serves it.

Handlers register on a `Router` by command, by button action, or by the conversation step the
user is at; feature routers are included into the root router (as aiogram's routers compose).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import TypeVar

from handlers.callbacks import ForgedButton, Press
from handlers.context import Context
from handlers.events import AnswerButton

Handler = Callable[[Context], Awaitable[None]]
ButtonHandler = Callable[[Context, Press], Awaitable[None]]
DeepLinkHandler = Callable[[Context, str], Awaitable[None]]
K = TypeVar("K")
V = TypeVar("V")

ANY_FLOW = "*"
# https://core.telegram.org/bots/features#deep-linking: up to 64 characters of A-Z a-z 0-9 _ -
DEEP_LINK_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class Router:
    def __init__(self) -> None:
        self.commands: dict[str, Handler] = {}
        self.buttons: dict[str, ButtonHandler] = {}
        self.lasting: set[str] = set()
        self.steps: dict[tuple[str, str], Handler] = {}
        self.deep_links: dict[str, DeepLinkHandler] = {}
        self.open_to_anyone: set[str] = set()
        self.membership: list[Handler] = []
        self.locations: Handler | None = None
        self.fallback: Handler | None = None

    def command(self, *names: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for name in names:
                _add(self.commands, name, handler)
            return handler

        return register

    def button(
        self, action: str, *, lasting: bool = False
    ) -> Callable[[ButtonHandler], ButtonHandler]:
        """A handler for presses of `action` buttons. A step's buttons go stale when the user
        moves on; `lasting` ones (on activity cards, offers, /my) work from any old message, so
        their handlers check everything they rely on afresh."""

        def register(handler: ButtonHandler) -> ButtonHandler:
            _add(self.buttons, action, handler)
            if lasting:
                self.lasting.add(action)
            return handler

        return register

    def step(self, flow: str, *steps: str) -> Callable[[Handler], Handler]:
        """A handler for messages (text, contact, file…) while the user is at these steps."""

        def register(handler: Handler) -> Handler:
            for step in steps:
                _add(self.steps, (flow, step), handler)
            return handler

        return register

    def deep_link(
        self, prefix: str, *, anyone: bool = False
    ) -> Callable[[DeepLinkHandler], DeepLinkHandler]:
        """A handler for `/start <prefix>_<rest>` links. Most links wait until the opener has
        registered (then open); those for `anyone` (a coordinator's invite) open at once."""

        def register(handler: DeepLinkHandler) -> DeepLinkHandler:
            _add(self.deep_links, prefix, handler)
            if anyone:
                self.open_to_anyone.add(prefix)
            return handler

        return register

    def on_membership(self, handler: Handler) -> Handler:
        self.membership.append(handler)
        return handler

    def on_location(self, handler: Handler) -> Handler:
        """The handler for a location shared outside any conversation step."""
        if self.locations is not None:
            raise ValueError("two handlers for shared locations")
        self.locations = handler
        return handler

    def otherwise(self, handler: Handler) -> Handler:
        self.fallback = handler
        return handler

    def include(self, other: Router) -> None:
        for name, handler in other.commands.items():
            _add(self.commands, name, handler)
        for action, button in other.buttons.items():
            _add(self.buttons, action, button)
        self.lasting |= other.lasting
        for key, step in other.steps.items():
            _add(self.steps, key, step)
        for prefix, link in other.deep_links.items():
            _add(self.deep_links, prefix, link)
        self.open_to_anyone |= other.open_to_anyone
        self.membership.extend(other.membership)
        if other.locations is not None:
            self.on_location(other.locations)
        if other.fallback is not None:
            self.fallback = other.fallback

    # ---- dispatch ---------------------------------------------------------------------------

    async def route(self, ctx: Context) -> None:
        event = ctx.event
        if event.blocked is not None:
            for handler in self.membership:
                await handler(ctx)
        elif event.press is not None:
            await self._route_press(ctx, event.press.data)
        elif event.chat_type != "private":
            return  # conversations happen in private chats; group messages are not for us
        elif event.command is not None:
            handler = self.commands.get(event.command)
            if handler is None:
                ctx.say(ctx.t("general.unknown_command", command=event.command[:32]))
            else:
                await handler(ctx)
        elif (step_handler := self._step_handler(ctx)) is not None:
            await step_handler(ctx)
        elif event.location is not None and self.locations is not None:
            await self.locations(ctx)
        elif self.fallback is not None:
            await self.fallback(ctx)

    def opens_for_anyone(self, payload: str) -> bool:
        return payload.partition("_")[0] in self.open_to_anyone

    async def open_deep_link(self, ctx: Context, payload: str) -> None:
        prefix, _, rest = payload.partition("_")
        handler = self.deep_links.get(prefix)
        if handler is None or not rest:
            ctx.say(ctx.t("general.link_invalid"))
        else:
            await handler(ctx, rest)

    def _step_handler(self, ctx: Context) -> Handler | None:
        flow, step = ctx.state.flow, ctx.state.step
        if flow is None or step is None:
            return None
        return self.steps.get((flow, step)) or self.steps.get((ANY_FLOW, step))

    async def _route_press(self, ctx: Context, data: str) -> None:
        try:
            press = ctx.signer.unpack(ctx.user_id, data)
        except ForgedButton:
            ctx.answer(ctx.t("general.button_invalid"), alert=True)
            return
        handler = self.buttons.get(press.action)
        if handler is None:
            ctx.answer(ctx.t("general.button_invalid"), alert=True)
        elif press.action not in self.lasting and press.version != ctx.state.version:
            ctx.answer(ctx.t("general.button_stale"), alert=True)
        else:
            await handler(ctx, press)
        # Telegram clients show a spinner on the button until the press is answered.
        if not any(isinstance(action, AnswerButton) for action in ctx.outbox.actions):
            ctx.answer()


def _add(table: dict[K, V], key: K, value: V) -> None:
    if key in table:
        raise ValueError(f"{key!r} is registered twice")
    table[key] = value
