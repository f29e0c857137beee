"""Encryption of national ID numbers at rest.

Numbers are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under `ID_ENCRYPTION_KEY`, and a
keyed blind index (HMAC-SHA256) lets the database enforce "one volunteer per ID number" without
ever holding the number in a readable form.
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken


class IdCipher:
    def __init__(self, key: str) -> None:
        try:
            self._fernet = Fernet(key.encode())
        except (ValueError, TypeError):
            raise ValueError(
                "ID_ENCRYPTION_KEY must be a Fernet key (32 url-safe base64 bytes); "
                "make one with `volbot keygen`"
            ) from None
        self._index_key = hmac.new(key.encode(), b"volbot id blind index", hashlib.sha256).digest()

    @staticmethod
    def generate_key() -> str:
        return Fernet.generate_key().decode()

    def encrypt(self, number: str) -> bytes:
        return self._fernet.encrypt(number.encode())

    def decrypt(self, token: bytes) -> str:
        try:
            return self._fernet.decrypt(token).decode()
        except InvalidToken:
            raise ValueError(
                "this ID number was encrypted under another ID_ENCRYPTION_KEY"
            ) from None

    def blind_index(self, number: str) -> str:
        return hmac.new(self._index_key, number.encode(), hashlib.sha256).hexdigest()
