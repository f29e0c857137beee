"""Routing an event to the handler that serves it.

Handlers register on a `Router` by command, by kind of button, or by the conversation step the
user is at; journey routers are included into the root router (as aiogram's routers compose).
A registration may name the role its handler needs (`role=Role.COORDINATOR`), or admit registered
volunteers only (`registered=True`): the router checks it on the server before the handler runs,
whatever the button or command claims, and a refusal is a domain error (`NotAllowed`) that the
dispatcher turns into a polite reply (a pop-up for a button, a message otherwise).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypedDict, TypeVar, Unpack

from handlers.callbacks import Button, ForgedButton
from handlers.context import Context
from handlers.events import AnswerButton
from handlers.flows import Flow
from models.errors import NotAllowed
from models.teams import roles
from models.teams.tables import Role

Handler = Callable[[Context], Awaitable[None]]
DeepLinkHandler = Callable[[Context, str], Awaitable[None]]
PressHandler = Callable[[Context, Any], Awaitable[None]]
B = TypeVar("B", bound=Button)
K = TypeVar("K")
V = TypeVar("V")

ANY_FLOW = "*"
# https://core.telegram.org/bots/features#deep-linking: up to 64 characters of A-Z a-z 0-9 _ -
DEEP_LINK_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class GuardOptions(TypedDict, total=False):
    """What `command`, `button` and `step` accept to guard their handler (see `Guard`)."""

    role: Role | tuple[Role, ...]
    refusal: str
    registered: bool


@dataclass(frozen=True)
class Guard:
    """Who may use a handler: anyone (no role), registered volunteers (`registered`), or holders
    of `role` (or of one of several: `(Role.COORDINATOR, Role.ORGANISER)`); `refusal` names
    the message (an `errors.` catalog key) that refuses everyone else (by default
    `not_registered`, or the role's own)."""

    role: Role | tuple[Role, ...] | None = None
    refusal: str | None = None
    registered: bool = False

    async def check(self, ctx: Context) -> None:
        if self.registered and ctx.volunteer is None:
            raise NotAllowed(self.refusal or "not_registered")
        if self.role is not None:
            await roles.require(
                ctx.session, ctx.user_id, self.role, ctx.deployment.admin_ids, self.refusal
            )


@dataclass(frozen=True)
class Route:
    handler: Handler
    guard: Guard
    # A command's place in the command menu of those its guard admits (lower first; see
    # `handlers.menus`); None keeps it out of the menus (/start, /delete_me…).
    menu: int | None = None


@dataclass(frozen=True)
class ButtonRoute:
    kind: type[Button]
    handler: PressHandler
    guard: Guard


class Router:
    def __init__(self) -> None:
        self.commands: dict[str, Route] = {}
        self.buttons: dict[str, ButtonRoute] = {}
        self.steps: dict[tuple[str, str], Route] = {}
        self.deep_links: dict[str, DeepLinkHandler] = {}
        self.open_to_anyone: set[str] = set()
        self.membership: list[Handler] = []
        self.locations: Handler | None = None
        self.fallback: Handler | None = None

    @classmethod
    def including(cls, *modules: Any) -> Router:
        """A router with the routers of these modules (a journey's)."""
        router = cls()
        for module in modules:
            router.include(module.router)
        return router

    def command(
        self, *names: str, menu: int | None = None, **guard: Unpack[GuardOptions]
    ) -> Callable[[Handler], Handler]:
        """A handler for these commands; with `menu`, their place in the command menu of those
        the guard admits (its description is the catalogs' `menu.<command>`)."""

        def register(handler: Handler) -> Handler:
            for name in names:
                _add(self.commands, name, Route(handler, Guard(**guard), menu))
            return handler

        return register

    def button(
        self, *kinds: type[B], **guard: Unpack[GuardOptions]
    ) -> Callable[
        [Callable[[Context, B], Awaitable[None]]], Callable[[Context, B], Awaitable[None]]
    ]:
        """A handler for presses of these kinds of buttons (one, or a family's kinds that the
        handler treats alike), given the button parsed from the press."""

        def register(
            handler: Callable[[Context, B], Awaitable[None]],
        ) -> Callable[[Context, B], Awaitable[None]]:
            for kind in kinds:
                _add(self.buttons, kind.action, ButtonRoute(kind, handler, Guard(**guard)))
            return handler

        return register

    def step(
        self, flow: Flow | str, *steps: str, **guard: Unpack[GuardOptions]
    ) -> Callable[[Handler], Handler]:
        """A handler for messages (text, contact, file…) while the user is at these steps of
        `flow` (or, with `ANY_FLOW`, of whichever flow asks them)."""
        if isinstance(flow, str) and flow != ANY_FLOW:
            raise ValueError(f"steps belong to a declared Flow, not {flow!r}")
        name = flow.name if isinstance(flow, Flow) else flow

        def register(handler: Handler) -> Handler:
            for step in steps:
                _add(self.steps, (name, str(step)), Route(handler, Guard(**guard)))
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
            route = self.commands.get(event.command)
            if route is None:
                ctx.say(ctx.t("general.unknown_command", command=event.command[:32]))
            else:
                await route.guard.check(ctx)
                await route.handler(ctx)
        elif (step := self.step_route(ctx)) is not None:
            await step.guard.check(ctx)
            await step.handler(ctx)
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

    def step_route(self, ctx: Context) -> Route | None:
        flow, step = ctx.state.flow, ctx.state.step
        if flow is None or step is None:
            return None
        return self.steps.get((flow, step)) or self.steps.get((ANY_FLOW, step))

    async def _route_press(self, ctx: Context, data: str) -> None:
        try:
            press = ctx.signer.unpack(ctx.user_id, data)
            route = self.buttons.get(press.action)
            if route is None:
                raise ForgedButton(press.action)
            button = route.kind.parse(press.args)
        except ForgedButton:
            # Not made by this bot for this user, or for no button it has now: one refusal.
            ctx.answer(ctx.t("general.button_invalid"), alert=True)
            return
        if not route.kind.lasting and press.version != ctx.state.version:
            ctx.answer(ctx.t("general.button_stale"), alert=True)
        else:
            await route.guard.check(ctx)
            await route.handler(ctx, button)
        # Telegram clients show a spinner on the button until the press is answered.
        if not any(isinstance(action, AnswerButton) for action in ctx.outbox.actions):
            ctx.answer()


def _add(table: dict[K, V], key: K, value: V) -> None:
    if key in table:
        raise ValueError(f"{key!r} is registered twice")
    table[key] = value
