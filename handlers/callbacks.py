"""Compact, signed callback data for inline buttons.

Telegram gives a button at most 64 bytes of callback data
(https://core.telegram.org/bots/api#inlinekeyboardbutton), and a client can send any bytes it
likes, so every button is `action|arg…|version|signature`, in ASCII: the signature (a truncated
HMAC over the user and the payload) proves the bot made this button for this user, and the version
names the conversation step it was made for, so a button from an old message is recognised as
stale. Anything else a client sends is a forged button, never an error.

Each kind of button is a `Button` subclass with typed fields; the router parses a press into one
(or refuses it) before any handler runs, so no handler reads raw arguments.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import MISSING, dataclass, fields
from enum import StrEnum
from typing import Any, ClassVar, Self, dataclass_transform, get_type_hints

CALLBACK_DATA_MAX_BYTES = 64
SEPARATOR = "|"
SIGNATURE_BYTES = 6  # 8 base64 characters: forging one takes ~2**47 tries per button
INTEGER = re.compile(r"-?[0-9]{1,19}")  # chat ids of groups are negative
VERSION = re.compile(r"[0-9]{1,9}")  # a conversation's step count


class ForgedButton(Exception):
    """The callback data was not made by this bot for this user."""


@dataclass(frozen=True)
class Press:
    action: str
    args: tuple[str, ...]
    version: int


class ButtonSigner:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def pack(self, user_id: int, version: int, action: str, *args: str | int) -> str:
        parts = [action, *(str(arg) for arg in args), str(version)]
        if any(SEPARATOR in part for part in parts):
            raise ValueError(f"callback parts may not contain {SEPARATOR!r}: {parts}")
        payload = SEPARATOR.join(parts)
        data = f"{payload}{SEPARATOR}{self._sign(user_id, payload)}"
        if len(data) > CALLBACK_DATA_MAX_BYTES or not data.isascii():
            raise ValueError(
                f"callback data over {CALLBACK_DATA_MAX_BYTES} bytes or not ASCII: {data!r}"
            )
        return data

    def unpack(self, user_id: int, data: str) -> Press:
        """The press `data` describes, or `ForgedButton` for anything this bot did not make for
        this user: whatever a client sends (any characters, any length) ends here or there."""
        payload, _, signature = data.rpartition(SEPARATOR)
        if (
            len(data) > CALLBACK_DATA_MAX_BYTES
            or not data.isascii()  # the bot makes ASCII only; compare_digest takes no more
            or not payload
            or not hmac.compare_digest(signature, self._sign(user_id, payload))
        ):
            raise ForgedButton(data[:CALLBACK_DATA_MAX_BYTES])
        parts = payload.split(SEPARATOR)
        if len(parts) < 2 or not VERSION.fullmatch(parts[-1]):
            raise ForgedButton(data)
        return Press(action=parts[0], args=tuple(parts[1:-1]), version=int(parts[-1]))

    def _sign(self, user_id: int, payload: str) -> str:
        digest = hmac.new(self._key, f"{user_id}{SEPARATOR}{payload}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()[:SIGNATURE_BYTES]).decode()


# ---- typed buttons ---------------------------------------------------------------------------


@dataclass_transform(frozen_default=True)
class Button:
    """One kind of inline button: its action on the wire and typed fields, packed in order.

    A subclass names its action and whether it is lasting, and declares its fields as a
    dataclass does::

        class AcceptOffer(Button, action="offer.yes", lasting=True):
            signup_id: int

    Fields may be `int`, `str`, `bool` (packed 1/0) or a `StrEnum`; a field with a default may
    be left out of a payload. Kinds that carry the same fields may share them through a family,
    a subclass without an action (`class OnRequest(Button): request_id: int`). `parse` turns a
    press's arguments back into the button, or raises
    `ForgedButton`, so a handler only ever sees well-formed fields. A step's buttons go stale
    when the user moves on; `lasting` ones (on activity cards, offers, /my) work from any old
    message, so their handlers check everything they rely on afresh.
    """

    action: ClassVar[str]
    lasting: ClassVar[bool]
    _types: ClassVar[dict[str, Any]]
    kinds: ClassVar[dict[str, type[Button]]] = {}

    def __init_subclass__(
        cls, *, action: str | None = None, lasting: bool = False, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        dataclass(frozen=True)(cls)
        if action is None:
            return  # a family: the fields its kinds share (`class OnShift(Button): shift_id: int`)
        if SEPARATOR in action:
            raise ValueError(f"a button action may not contain {SEPARATOR!r}: {action!r}")
        if action in Button.kinds:
            raise ValueError(f"two kinds of button for action {action!r}")
        cls.action = action
        cls.lasting = lasting
        Button.kinds[action] = cls

    def args(self) -> tuple[str, ...]:
        """The fields in order, as text; trailing fields left at their default are not sent
        (so a button's optional argument costs nothing, as it always has)."""
        declared = list(fields(self))  # type: ignore[arg-type]
        while declared and getattr(self, declared[-1].name) == declared[-1].default:
            declared.pop()
        return tuple(_pack_field(getattr(self, f.name)) for f in declared)

    @classmethod
    def _field_types(cls) -> dict[str, Any]:
        """The fields' types, read once (after the module that declares them has loaded)."""
        if "_types" not in cls.__dict__:
            cls._types = get_type_hints(cls)
        return cls._types

    def pack(self, signer: ButtonSigner, user_id: int, version: int) -> str:
        """The callback data of this button for `user_id` (lasting buttons ignore the step)."""
        return signer.pack(user_id, 0 if self.lasting else version, self.action, *self.args())

    @classmethod
    def parse(cls, args: tuple[str, ...]) -> Self:
        """The button a press's arguments describe; `ForgedButton` if they describe none."""
        declared = fields(cls)  # type: ignore[arg-type]
        required = sum(1 for f in declared if f.default is MISSING and f.default_factory is MISSING)
        if not required <= len(args) <= len(declared):
            raise ForgedButton(f"{cls.action}: {len(args)} arguments")
        hints = cls._field_types()
        values = {
            f.name: _parse_field(hints[f.name], arg)
            for f, arg in zip(declared[: len(args)], args, strict=True)
        }
        return cls(**values)


def _pack_field(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _parse_field(kind: type, text: str) -> object:
    try:
        if kind is bool:
            return {"1": True, "0": False}[text]
        if kind is int:
            if not INTEGER.fullmatch(text):
                raise ValueError(text)
            return int(text)
        if kind is str:
            return text
        if isinstance(kind, type) and issubclass(kind, StrEnum):
            return kind(text)
    except (KeyError, ValueError) as error:
        raise ForgedButton(text) from error
    raise TypeError(f"a button field of type {kind!r} cannot be packed")


# Families of the kinds that name one row: a kind says which family it is of, and its action.


class OnActivity(Button):
    activity_id: int


class OnShift(Button):
    shift_id: int


class OnSignup(Button):
    signup_id: int


class OnTeam(Button):
    team_id: int
