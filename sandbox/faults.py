"""Fault injection: make chosen Bot API requests fail the way Telegram sometimes does.

`sandbox.faults.add("sendMessage", kind="429", chat_id=42)` makes the next matching request
answer 429 instead of being carried out. Kinds:

* "429": flood control, `Too Many Requests: retry after N` with `parameters.retry_after`.
* "403": `Forbidden: bot was blocked by the user`.
* "400": `Bad Request: injected fault`.
* "500": `Internal Server Error`.
* "timeout": the request is held `hang_seconds` and then answered 500, so a client with a
  shorter timeout gives up first. With `deliver=True` the request is carried out first (the
  message appears in the chat) and then held: "a send that timed out may still have arrived".

A fault with no method matches every method except the ones that receive updates (getUpdates
and the webhook methods): otherwise a fault meant for the bot's sends would hit its polling loop
first. Name the method to fault those.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

FaultKind = Literal["429", "403", "400", "500", "timeout"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
# Methods a method-less fault leaves alone; see the module docstring.
UPDATE_METHODS = frozenset({"getupdates", "setwebhook", "deletewebhook", "getwebhookinfo"})


@dataclass
class Fault:
    """One injected fault; `remaining` counts down as matching requests take it."""

    kind: FaultKind
    method: str | None = None
    chat_id: int | None = None
    remaining: int = 1
    retry_after: int = 1
    hang_seconds: float = 2.0
    deliver: bool = False

    def matches(self, method: str, chat_id: int | None) -> bool:
        if self.method is None:
            if method.lower() in UPDATE_METHODS:
                return False
        elif self.method.lower() != method.lower():
            return False
        return self.chat_id is None or self.chat_id == chat_id


@dataclass
class Faults:
    """The pending faults, taken first-added first."""

    pending: list[Fault] = field(default_factory=list)

    def add(
        self,
        method: str | None = None,
        *,
        kind: FaultKind,
        chat_id: int | None = None,
        count: int = 1,
        retry_after: int = 1,
        hang_seconds: float = 2.0,
        deliver: bool = False,
    ) -> Fault:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; choose one of {FAULT_KINDS}")
        if count < 1:
            raise ValueError("count must be at least 1")
        if retry_after < 1:
            raise ValueError("retry_after must be at least 1 (Telegram sends whole seconds)")
        if deliver and kind != "timeout":
            raise ValueError("deliver=True only makes sense with kind='timeout'")
        fault = Fault(
            kind=kind,
            method=method,
            chat_id=chat_id,
            remaining=count,
            retry_after=retry_after,
            hang_seconds=hang_seconds,
            deliver=deliver,
        )
        self.pending.append(fault)
        return fault

    def clear(self) -> None:
        self.pending.clear()

    def take(self, method: str, chat_id: int | None) -> Fault | None:
        """The first fault matching this request, counted as used; None when there is none."""
        for fault in self.pending:
            if fault.matches(method, chat_id):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self.pending.remove(fault)
                return fault
        return None
