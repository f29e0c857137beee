"""Webhook delivery to a small receiver on 127.0.0.1: secret header, order, retries."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from sandbox import BotApiSandbox
from tests.sandbox.conftest import Api

WAIT_S = 10
SECRET = "s3cret-Token_1"


@dataclass
class Receiver:
    """A stand-in bot webhook: answers with the queued statuses (then 200) and records posts."""

    statuses: list[int] = field(default_factory=list)
    replies: list[dict[str, Any]] = field(default_factory=list)
    received: list[tuple[dict[str, Any], str | None, int]] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        status = self.statuses.pop(0) if self.statuses else 200
        update = await request.json()
        self.received.append(
            (update, request.headers.get("X-Telegram-Bot-Api-Secret-Token"), status)
        )
        async with self.changed:
            self.changed.notify_all()
        if status == 200 and self.replies:
            return web.json_response(self.replies.pop(0))
        return web.Response(status=status)

    async def accepted(self, count: int) -> list[dict[str, Any]]:
        """Wait until `count` updates were answered 200; return them in arrival order."""

        def ok() -> list[dict[str, Any]]:
            return [update for update, _, status in self.received if status == 200]

        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(lambda: len(ok()) >= count), WAIT_S)
        return ok()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    receiver.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield receiver
    await runner.cleanup()


async def test_updates_are_posted_with_the_secret_in_order(
    sandbox: BotApiSandbox, api: Api, receiver: Receiver
) -> None:
    user = sandbox.user(42)
    status, body = await api.call("setWebhook", url=receiver.url, secret_token=SECRET)
    assert (status, body) == (200, {"ok": True, "result": True, "description": "Webhook was set"})
    first = await user.send("one")
    second = await user.send("two")
    updates = await receiver.accepted(2)
    assert [u["update_id"] for u in updates] == [first, second]
    assert [u["message"]["text"] for u in updates] == ["one", "two"]
    assert {secret for _, secret, _ in receiver.received} == {SECRET}
    info = await api.ok("getWebhookInfo")
    assert (info["url"], info["pending_update_count"], info["max_connections"]) == (
        receiver.url,
        0,
        40,
    )
    assert "last_error_message" not in info


async def test_a_failed_delivery_is_retried(
    sandbox: BotApiSandbox, api: Api, receiver: Receiver
) -> None:
    user = sandbox.user(42)
    receiver.statuses = [500]
    await api.ok("setWebhook", url=receiver.url)
    update_id = await user.send("try again")
    (update,) = await receiver.accepted(1)
    assert update["update_id"] == update_id
    assert [status for _, _, status in receiver.received] == [500, 200]
    assert [secret for _, secret, _ in receiver.received] == [None, None]
    info = await api.ok("getWebhookInfo")
    assert (
        info["last_error_message"] == "Wrong response from the webhook: 500 Internal Server Error"
    )
    assert info["pending_update_count"] == 0


async def test_an_unreachable_webhook_is_reported(sandbox: BotApiSandbox, api: Api) -> None:
    user = sandbox.user(42)
    # A port nothing listens on: bind one and close it again.
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    await api.ok("setWebhook", url=f"http://127.0.0.1:{port}/hook")
    await user.send("anyone?")
    await sandbox.webhook.wait_for_attempts(1, timeout=WAIT_S)
    info = await api.ok("getWebhookInfo")
    assert info["last_error_message"] == "Connection refused"
    assert info["pending_update_count"] == 1
    await api.ok("deleteWebhook", drop_pending_updates=True)
    assert await api.ok("getUpdates") == []


async def test_the_bot_may_answer_a_delivery_with_a_method(
    sandbox: BotApiSandbox, api: Api, receiver: Receiver
) -> None:
    user = sandbox.user(42)
    receiver.replies = [{"method": "sendMessage", "chat_id": 42, "text": "pong"}]
    await api.ok("setWebhook", url=receiver.url)
    await user.send("ping")
    reply = await user.wait_for_message(timeout=WAIT_S)
    assert reply.text == "pong"
    assert sandbox.calls[-1].method == "sendMessage"


async def test_allowed_updates_and_drop_pending(
    sandbox: BotApiSandbox, api: Api, receiver: Receiver
) -> None:
    user = sandbox.user(42)
    await user.send("stale")
    await api.ok(
        "setWebhook",
        url=receiver.url,
        allowed_updates=["message"],
        drop_pending_updates=True,
    )
    await user.block()  # my_chat_member: not allowed
    await user.unblock()
    await user.send("fresh")
    (update,) = await receiver.accepted(1)
    assert update["message"]["text"] == "fresh"
    info = await api.ok("getWebhookInfo")
    assert info["allowed_updates"] == ["message"]


async def test_only_local_webhooks(api: Api) -> None:
    status, description = await api.error("setWebhook", url="https://example.org/hook")
    assert status == 400 and description.startswith("Bad Request: bad webhook:")
    bad_secret = await api.error("setWebhook", url="http://127.0.0.1:9/h", secret_token="a b")
    assert bad_secret == (400, "Bad Request: secret token contains unallowed characters")
    _, body = await api.call("deleteWebhook")
    assert body["description"] == "Webhook is already deleted"
    assert (await api.ok("getWebhookInfo"))["url"] == ""
