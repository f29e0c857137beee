"""Multi-step conversations, each declared in one place.

A `Flow` names its steps, the steps it may start at and, for each step, the steps an answer may
lead to (as python-telegram-bot's `ConversationHandler` lists its states). Each step's question
registers with `@flow.asks(step)`; the router's `step(flow, …)` handlers take what the user
types there. `Context.go` refuses a move the declaration does not list, so the declaration
cannot drift from the code, and a test checks that every step has a question and a handler.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from handlers.context import Context

Asker = Callable[["Context"], Awaitable[None]]


class UndeclaredMove(RuntimeError):
    """A handler moved to a step its flow's declaration does not allow from where the user is."""


class Flow:
    """A conversation: its name (stored in each user's state), its steps and their moves."""

    declared: ClassVar[dict[str, Flow]] = {}

    def __init__(
        self,
        name: str,
        steps: type[StrEnum] | Collection[str],
        *,
        starts: Collection[str],
        moves: Mapping[str, Collection[str]],
    ) -> None:
        if name in Flow.declared:
            raise ValueError(f"two flows named {name!r}")
        self.name = name
        self.steps: tuple[str, ...] = tuple(str(step) for step in steps)
        self.starts = frozenset(str(step) for step in starts)
        self.moves = {str(step): frozenset(str(s) for s in to) for step, to in moves.items()}
        unknown = (self.starts | set(self.moves).union(*self.moves.values())) - set(self.steps)
        if unknown:
            raise ValueError(f"flow {name!r}: moves name unknown steps {sorted(unknown)}")
        self.askers: dict[str, Asker] = {}
        Flow.declared[name] = self

    def asks(self, *steps: str) -> Callable[[Asker], Asker]:
        """The function that puts the question of these steps."""

        def register(asker: Asker) -> Asker:
            for step in steps:
                if str(step) not in self.steps:
                    raise ValueError(f"flow {self.name!r} has no step {step!r}")
                self.askers[str(step)] = asker
            return asker

        return register

    async def ask(self, ctx: Context, step: str) -> None:
        """Move to `step` and put its question."""
        ctx.go(self, step)
        await self.askers[str(step)](ctx)

    async def begin(self, ctx: Context, step: str, **data: object) -> None:
        """Start the flow afresh at `step`, with `data` (the ids it works on) in the state."""
        ctx.finish()
        ctx.state.data = dict(data)
        await self.ask(ctx, step)

    async def ask_again(self, ctx: Context) -> None:
        """Put the question of the step the user is at again (the buttons on screen stay
        valid: the step does not change)."""
        await self.askers[str(ctx.state.step)](ctx)

    def check_move(self, current_flow: str | None, current_step: str | None, step: str) -> None:
        step = str(step)
        if step not in self.steps:
            raise UndeclaredMove(f"flow {self.name!r} has no step {step!r}")
        if current_flow == self.name and current_step is not None:
            allowed = self.moves.get(current_step, frozenset()) | {current_step}
        else:
            allowed = self.starts
        if step not in allowed:
            raise UndeclaredMove(
                f"flow {self.name!r}: no move from {current_flow}.{current_step} to {step!r}"
            )
