"""Webhook delivery: POST each update to the bot's URL, one at a time and in order.

As Telegram does (https://core.telegram.org/bots/api#setwebhook), an update counts as delivered
only on a 2xx answer; on a failure (non-2xx, connection error, timeout) it stays first in the
queue and is tried again, after a short back-off that doubles up to a cap. The last failure is
reported by getWebhookInfo. The bot may answer a delivery with a method call in the response
body ("reply to a webhook"), which is carried out like a request.

The sandbox only ever connects to this machine: setWebhook refuses any other host.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from sandbox.world import World, unix

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_MAX_CONNECTIONS = 40  # https://core.telegram.org/bots/api#setwebhook
RETRY_INITIAL_S = 0.05
RETRY_MAX_S = 1.0
DELIVERY_TIMEOUT_S = 30.0
LOCAL_HOSTNAMES = frozenset({"localhost"})

ReplyHandler = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class WebhookConfig:
    url: str
    secret_token: str | None = None
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    allowed_updates: list[str] | None = None


def is_local_url(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    if parts.hostname in LOCAL_HOSTNAMES:
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


class Webhook:
    """The webhook setting and the task that delivers to it."""

    def __init__(self, world: World, on_reply: ReplyHandler) -> None:
        self.world = world
        self.on_reply = on_reply
        self.config: WebhookConfig | None = None
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.attempts = 0  # deliveries tried, successful or not
        self.delivered = 0  # deliveries the bot accepted
        self.attempted = asyncio.Condition()  # notified after every attempt
        self._task: asyncio.Task[None] | None = None

    @property
    def active(self) -> bool:
        return self.config is not None

    async def set(self, config: WebhookConfig) -> None:
        await self._stop_task()
        self.config = config
        self.last_error_date = None
        self.last_error_message = None
        self._task = asyncio.create_task(self._deliver_forever(config))

    async def delete(self) -> None:
        await self._stop_task()
        self.config = None

    async def close(self) -> None:
        await self._stop_task()

    async def wait_for_attempts(
        self,
        count: int,
        *,
        timeout: float = 10.0,  # noqa: ASYNC109 - a bounded wait is the point
    ) -> None:
        """Return once `count` deliveries have been tried since the sandbox started."""
        async with self.attempted:
            await asyncio.wait_for(self.attempted.wait_for(lambda: self.attempts >= count), timeout)

    def info(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "url": self.config.url if self.config else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.world.updates),
        }
        if self.config is not None:
            body["max_connections"] = self.config.max_connections
            body["ip_address"] = "127.0.0.1"
            if self.config.allowed_updates is not None:
                body["allowed_updates"] = self.config.allowed_updates
        if self.last_error_message is not None:
            body["last_error_date"] = self.last_error_date
            body["last_error_message"] = self.last_error_message
        return body

    async def _stop_task(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _deliver_forever(self, config: WebhookConfig) -> None:
        timeout = aiohttp.ClientTimeout(total=DELIVERY_TIMEOUT_S)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            failures = 0
            while True:
                update = await self._next_update()
                accepted = await self._post(session, config, update)
                if accepted:
                    self.world.confirm(update["update_id"] + 1)
                    self.delivered += 1
                self.attempts += 1
                async with self.attempted:
                    self.attempted.notify_all()
                if accepted:
                    failures = 0
                    continue
                failures += 1
                await asyncio.sleep(min(RETRY_MAX_S, RETRY_INITIAL_S * 2 ** (failures - 1)))

    async def _next_update(self) -> dict[str, Any]:
        condition = self.world.updates_changed
        async with condition:
            await condition.wait_for(lambda: bool(self.world.available(1)))
            return self.world.available(1)[0]

    async def _post(
        self, session: aiohttp.ClientSession, config: WebhookConfig, update: dict[str, Any]
    ) -> bool:
        headers = {SECRET_HEADER: config.secret_token} if config.secret_token else {}
        try:
            async with session.post(config.url, json=update, headers=headers) as response:
                if not 200 <= response.status < 300:
                    self._failed(
                        f"Wrong response from the webhook: {response.status} {response.reason}"
                    )
                    return False
                reply = await _json_reply(response)
        except aiohttp.ClientConnectorError:
            self._failed("Connection refused")
            return False
        except (aiohttp.ClientError, TimeoutError) as error:
            self._failed(f"Connection error: {type(error).__name__}")
            return False
        if reply is not None:
            await self.on_reply(reply)
        return True

    def _failed(self, message: str) -> None:
        self.last_error_date = unix(self.world.now())
        self.last_error_message = message


async def _json_reply(response: aiohttp.ClientResponse) -> dict[str, Any] | None:
    """A method call the bot put in its answer to a delivery, if any."""
    if response.content_type != "application/json":
        return None
    try:
        body = await response.json()
    except ValueError:
        return None
    if isinstance(body, dict) and isinstance(body.get("method"), str):
        return body
    return None
