"""The Mini App's launch data check (handlers/dashboard/init_data.py), without HTTP."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

import pytest

from handlers.dashboard.init_data import Unauthorized, WebAppUser, check, sign

TOKEN = "123456:sandbox-token"
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
USER = {"id": 42, "first_name": "李雷", "language_code": "en"}


def _check(data: str, *, token: str = TOKEN, now: datetime = NOW) -> WebAppUser:
    return check(data, token, now=now, max_age=HOUR)


def test_telegrams_own_recipe_passes_and_names_the_user() -> None:
    # Signed here by the documented recipe, independently of `sign`.
    fields = {"auth_date": str(int(NOW.timestamp())), "user": '{"id":42,"first_name":"A"}'}
    check_string = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret = hmac.new(b"WebAppData", TOKEN.encode(), hashlib.sha256).digest()
    digest = hmac.new(secret, check_string.encode(), hashlib.sha256).hexdigest()
    user = check(urlencode({**fields, "hash": digest}), TOKEN, now=NOW, max_age=HOUR)
    assert (user.id, user.first_name, user.language_code) == (42, "A", None)


def test_signed_data_passes_with_a_third_party_signature_field() -> None:
    data = sign(USER, TOKEN, NOW - timedelta(minutes=59))
    user = check(data + "&signature=abc", TOKEN, now=NOW, max_age=HOUR)
    assert (user.id, user.first_name, user.language_code) == (42, "李雷", "en")


def _tampered() -> str:
    fields = dict(parse_qsl(sign(USER, TOKEN, NOW)))
    fields["user"] = fields["user"].replace("42", "43")
    return urlencode(fields)


def _without_hash() -> str:
    fields = dict(parse_qsl(sign(USER, TOKEN, NOW)))
    del fields["hash"]
    return urlencode(fields)


@pytest.mark.parametrize(
    ("data", "token", "now"),
    [
        pytest.param(_tampered(), TOKEN, NOW, id="wrong hash"),
        pytest.param(_without_hash(), TOKEN, NOW, id="missing hash"),
        pytest.param(sign(USER, TOKEN, NOW - HOUR - timedelta(seconds=1)), TOKEN, NOW, id="stale"),
        pytest.param(sign(USER, TOKEN, NOW + timedelta(minutes=2)), TOKEN, NOW, id="future"),
        pytest.param(sign(USER, "999:other-bot", NOW), TOKEN, NOW, id="wrong token"),
        pytest.param(sign(USER, TOKEN, NOW), "", NOW, id="no token configured"),
        pytest.param("", TOKEN, NOW, id="empty"),
        pytest.param(sign(USER, TOKEN, NOW) + "&user=x", TOKEN, NOW, id="field twice"),
        pytest.param("x" * 9000, TOKEN, NOW, id="too long"),
    ],
)
def test_anything_else_is_refused(data: str, token: str, now: datetime) -> None:
    with pytest.raises(Unauthorized):
        _check(data, token=token, now=now)


def test_a_minute_of_clock_skew_is_allowed() -> None:
    assert _check(sign(USER, TOKEN, NOW + timedelta(seconds=50))).id == 42
