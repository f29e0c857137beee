"""Compact, signed callback data for inline buttons.

Telegram gives a button at most 64 bytes of callback data
(https://core.telegram.org/bots/api#inlinekeyboardbutton), and a client can send any bytes it
likes, so every button is `action|arg…|version|signature`: the signature (a truncated HMAC over
the user and the payload) proves the bot made this button for this user, and the version names the
conversation step it was made for, so a button from an old message is recognised as stale.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

CALLBACK_DATA_MAX_BYTES = 64
SEPARATOR = "|"
SIGNATURE_BYTES = 6  # 8 base64 characters: forging one takes ~2**47 tries per button


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
        if len(data.encode()) > CALLBACK_DATA_MAX_BYTES:
            raise ValueError(f"callback data over {CALLBACK_DATA_MAX_BYTES} bytes: {data!r}")
        return data

    def unpack(self, user_id: int, data: str) -> Press:
        payload, _, signature = data.rpartition(SEPARATOR)
        if not payload or not hmac.compare_digest(signature, self._sign(user_id, payload)):
            raise ForgedButton(data)
        action, *args, version = payload.split(SEPARATOR)
        if not version.isdigit():
            raise ForgedButton(data)
        return Press(action=action, args=tuple(args), version=int(version))

    def _sign(self, user_id: int, payload: str) -> str:
        digest = hmac.new(self._key, f"{user_id}{SEPARATOR}{payload}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()[:SIGNATURE_BYTES]).decode()
