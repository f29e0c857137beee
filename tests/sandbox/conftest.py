"""Fixtures for the sandbox's own tests: a started sandbox on a hand-driven clock, and a raw
HTTP client that speaks to it the way the bot libraries do (form fields, JSON-encoded complex
values, "true"/"false" booleans)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from sandbox import BotApiSandbox

NOW = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
HTTP_TIMEOUT_S = 15.0


class ManualMonotonic:
    """A monotonic clock that moves only when a test says so (drives the flood limits)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.value = start

    def __call__(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        self.value += seconds


def form_value(value: Any) -> str:
    """A parameter as python-telegram-bot puts it in a form."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


@dataclass
class Api:
    """Raw Bot API calls; every helper returns (HTTP status, decoded body)."""

    http: aiohttp.ClientSession
    base_url: str
    token: str

    def url(self, method: str, token: str | None = None) -> str:
        return f"{self.base_url}/bot{token or self.token}/{method}"

    async def call(self, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
        data = {key: form_value(value) for key, value in params.items() if value is not None}
        async with self.http.post(self.url(method), data=data) as response:
            return response.status, await response.json()

    async def call_json(self, method: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        async with self.http.post(self.url(method), json=body) as response:
            return response.status, await response.json()

    async def call_form(self, method: str, form: aiohttp.FormData) -> tuple[int, dict[str, Any]]:
        async with self.http.post(self.url(method), data=form) as response:
            return response.status, await response.json()

    async def ok(self, method: str, **params: Any) -> Any:
        status, body = await self.call(method, **params)
        assert status == 200 and body["ok"] is True, body
        return body["result"]

    async def error(self, method: str, **params: Any) -> tuple[int, str]:
        status, body = await self.call(method, **params)
        assert body["ok"] is False and body["error_code"] == status, body
        return status, body["description"]

    async def download(self, file_path: str, token: str | None = None) -> tuple[int, bytes]:
        url = f"{self.base_url}/file/bot{token or self.token}/{file_path}"
        async with self.http.get(url) as response:
            return response.status, await response.read()


@pytest.fixture
def monotonic() -> ManualMonotonic:
    return ManualMonotonic()


@pytest.fixture
async def sandbox(monotonic: ManualMonotonic) -> AsyncIterator[BotApiSandbox]:
    server = BotApiSandbox(now=lambda: NOW, monotonic=monotonic)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT_S)
    ) as session:
        yield session


@pytest.fixture
def api(sandbox: BotApiSandbox, http: aiohttp.ClientSession) -> Api:
    assert sandbox.url is not None
    return Api(http, sandbox.url, sandbox.token)


def inline(*rows: list[tuple[str, str]]) -> dict[str, Any]:
    """An inline keyboard of (label, callback_data) buttons."""
    return {
        "inline_keyboard": [
            [{"text": label, "callback_data": data} for label, data in row] for row in rows
        ]
    }
