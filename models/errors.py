"""Domain errors. Each carries a `code` (a message-catalog key under `errors.`) and the named
values its message needs; handlers turn them into replies.

    VolbotError
    ├── InvalidInput          the user typed something we cannot accept
    ├── NotAllowed            the user may not do this
    └── Conflict              the world is not in a state where this can happen
"""

from __future__ import annotations

from typing import Any


class VolbotError(Exception):
    code = "unexpected"

    def __init__(self, code: str | None = None, **params: Any) -> None:
        self.code = code or self.code
        self.params = params
        super().__init__(self.code, params)

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from code and params (a worker process hands its errors back pickled).
        return (_rebuild, (type(self), self.code, self.params))


def _rebuild(kind: type[VolbotError], code: str, params: dict[str, Any]) -> VolbotError:
    return kind(code, **params)


class InvalidInput(VolbotError):
    code = "invalid_input"


class NotAllowed(VolbotError):
    code = "not_allowed"


class Conflict(VolbotError):
    code = "conflict"
