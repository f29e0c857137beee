"""Telegram's signed launch data of a Mini App (`initData`): who opened it, checked on the
server before anything else, as https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app
says.

The page sends the raw query string it was given; its fields except `hash` (and the
third-party `signature`) sorted by key, as `key=value` lines, are signed with HMAC-SHA256 under
the key HMAC-SHA256("WebAppData", bot token). Only a signature made with this bot's token
passes, and only for `max_age` after `auth_date` (a leaked link stops working), never for a
date in the future beyond a minute of clock skew.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode

SKEW = timedelta(minutes=1)
MAX_LENGTH = 8192  # Telegram's are well under 1 KB; a longer one is not Telegram's


class Unauthorized(Exception):
    """The launch data is not Telegram's for this bot, or no longer valid (why: for the log)."""


@dataclass(frozen=True)
class WebAppUser:
    """The person who opened the Mini App, as Telegram vouches for them."""

    id: int
    first_name: str
    language_code: str | None
    auth_date: datetime


def _secret(token: str) -> bytes:
    return hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()


def _check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields))


def _signature(fields: dict[str, str], token: str) -> str:
    data = _check_string(fields).encode()
    return hmac.new(_secret(token), data, hashlib.sha256).hexdigest()


def sign(user: dict[str, object], token: str, auth_date: datetime) -> str:
    """Launch data as Telegram would give it for `user` (the sandbox's and the tests' stand-in
    for Telegram: they hold the bot's token)."""
    fields = {
        "auth_date": str(int(auth_date.timestamp())),
        "query_id": "sandbox",
        "user": json.dumps(user, ensure_ascii=False, separators=(",", ":")),
    }
    return urlencode({**fields, "hash": _signature(fields, token)})


def check(init_data: str, token: str, *, now: datetime, max_age: timedelta) -> WebAppUser:
    """The user the launch data names, if Telegram signed it for this bot within `max_age` of
    `now`; else Unauthorized."""
    if not token or not init_data or len(init_data) > MAX_LENGTH:
        raise Unauthorized("empty or too long")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError as error:
        raise Unauthorized("not a query string") from error
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise Unauthorized("a field given twice")
    given = fields.pop("hash", "")
    fields.pop("signature", None)  # Ed25519, for third parties; the hash covers the rest
    if not hmac.compare_digest(given.encode(), _signature(fields, token).encode()):
        raise Unauthorized("wrong hash")
    try:
        auth_date = datetime.fromtimestamp(int(fields["auth_date"]), now.tzinfo)
        user = json.loads(fields["user"])
        user_id = int(user["id"])
    except (KeyError, ValueError, TypeError, OverflowError) as error:
        raise Unauthorized("no auth_date or user") from error
    if auth_date > now + SKEW:
        raise Unauthorized("auth_date in the future")
    if now - auth_date > max_age:
        raise Unauthorized("stale")
    language = user.get("language_code")
    return WebAppUser(
        id=user_id,
        first_name=str(user.get("first_name", "")),
        language_code=language if isinstance(language, str) else None,
        auth_date=auth_date,
    )
