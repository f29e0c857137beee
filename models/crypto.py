"""Encryption of national ID numbers at rest.

Numbers are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under `ID_ENCRYPTION_KEY`, and a
keyed blind index (HMAC-SHA256) lets the database enforce "one volunteer per ID number" without
ever holding the number in a readable form.

While the numbers are moved to a new key (`volbot keys rotate`, models/registration/id_keys.py)
the old keys are held too: numbers under any of them decrypt, and a number's index under each
is looked for, so that nobody registers twice meanwhile. A key is named by its fingerprint, an
HMAC of a constant under it: it tells keys apart and reveals nothing of them.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

FINGERPRINT_SHOWN = 12  # hex digits of a fingerprint shown to people


class _Key:
    def __init__(self, key: str, setting: str) -> None:
        try:
            self.fernet = Fernet(key.encode())
        except (ValueError, TypeError):
            raise ValueError(
                f"{setting} must hold Fernet keys (32 url-safe base64 bytes); "
                "make one with `volbot keygen`"
            ) from None
        self.index_key = hmac.new(key.encode(), b"volbot id blind index", hashlib.sha256).digest()
        self.fingerprint = hmac.new(
            key.encode(), b"volbot id key fingerprint", hashlib.sha256
        ).hexdigest()

    def index(self, number: str) -> str:
        return hmac.new(self.index_key, number.encode(), hashlib.sha256).hexdigest()


class IdCipher:
    """Encrypts and indexes under `key`; decrypts under it or any of `old_keys`."""

    def __init__(self, key: str, old_keys: Sequence[str] = ()) -> None:
        self._current = _Key(key, "ID_ENCRYPTION_KEY")
        self._old = tuple(_Key(old, "ID_ENCRYPTION_OLD_KEYS") for old in old_keys if old != key)
        self._fernet = MultiFernet([self._current.fernet, *(old.fernet for old in self._old)])

    @staticmethod
    def generate_key() -> str:
        return Fernet.generate_key().decode()

    @property
    def fingerprint(self) -> str:
        return self._current.fingerprint

    @property
    def old_fingerprints(self) -> tuple[str, ...]:
        return tuple(old.fingerprint for old in self._old)

    def encrypt(self, number: str) -> bytes:
        return self._current.fernet.encrypt(number.encode())

    def decrypt(self, token: bytes) -> str:
        try:
            return self._fernet.decrypt(token).decode()
        except InvalidToken:
            raise ValueError(
                "this ID number was encrypted under another ID_ENCRYPTION_KEY"
            ) from None

    def is_current(self, token: bytes) -> bool:
        """Whether `token` is under the current key (a rotation has nothing to do for it)."""
        return self.key_of(token) == self.fingerprint

    def key_of(self, token: bytes) -> str | None:
        """The fingerprint of the key, current or old, `token` is under (None: none of them)."""
        for key in (self._current, *self._old):
            try:
                key.fernet.decrypt(token)
            except InvalidToken:
                continue
            return key.fingerprint
        return None

    def blind_index(self, number: str) -> str:
        return self._current.index(number)

    def former_indexes(self, number: str) -> list[str]:
        """The number's index under each old key: a volunteer not yet moved to the new key
        still has one of these."""
        return [old.index(number) for old in self._old]


def shown(fingerprint: str) -> str:
    """A fingerprint as people are shown it."""
    return fingerprint[:FINGERPRINT_SHOWN]
