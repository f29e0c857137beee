"""Webhook mode with two `volbot run --webhook` processes behind one address on one PostgreSQL
database: the sandbox delivers updates to a round-robin proxy (a reverse proxy's upstream, as in
docs/deploy.md), so consecutive updates of one conversation reach different processes. A
registration and a sign-up complete; an update delivered twice is handled once; a request with a
wrong secret is refused and changes nothing; /healthz answers, and /metrics in Prometheus's
format, with the process's figures and which build runs.
"""

from __future__ import annotations

import importlib.metadata
import itertools
import platform
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.local.harness import Person, free_port
from models.activities.tables import Signup
from models.db import create_engine
from models.inbox import InboundUpdate
from models.registration.tables import Volunteer
from sandbox import BotApiSandbox
from tests.e2e import steps
from tests.e2e.broadcasts.broadcast_world import seed
from tests.e2e.processes import HandledInDatabase, bot_processes, healthy, until

pytestmark = pytest.mark.postgres

SECRET = "s3cret-token_for-tests-" + "x" * 16  # Telegram's characters, 32 or more
STARTUP_TIMEOUT_S = 60.0


@dataclass
class RoundRobin:
    """A reverse proxy's upstream: each delivery goes to the next process in turn."""

    backends: list[str]
    bodies: list[dict[str, Any]] = field(default_factory=list)
    served: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._next = itertools.cycle(self.backends)

    async def forward(self, request: web.Request) -> web.Response:
        backend = next(self._next)
        body = await request.read()
        self.bodies.append(await request.json())
        self.served[backend] = self.served.get(backend, 0) + 1
        async with (
            aiohttp.ClientSession() as session,
            session.post(backend, data=body, headers=request.headers) as answer,
        ):
            return web.Response(status=answer.status, body=await answer.read())


@asynccontextmanager
async def serving(proxy: RoundRobin, port: int) -> AsyncIterator[None]:
    app = web.Application()
    app.router.add_post("/telegram", proxy.forward)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield
    finally:
        await runner.cleanup()


async def inbound_rows(engine: AsyncEngine, update_id: int) -> int:
    async with engine.connect() as connection:
        count = await connection.scalar(
            select(func.count()).where(InboundUpdate.update_id == update_id)
        )
    return count or 0


@pytest.mark.parametrize("framework", ["ptb", "aiogram"])
async def test_two_webhook_processes_share_one_conversation(
    postgres_url: str, tmp_path: Path, framework: str
) -> None:
    sandbox = BotApiSandbox()
    await sandbox.start()
    engine = create_engine(postgres_url)
    proxy_port, ports = free_port(), {"a": free_port(), "b": free_port()}
    backends = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    proxy = RoundRobin([f"{url}/telegram" for url in backends.values()])
    settings = {
        "BOT_FRAMEWORK": framework,
        "WEBHOOK_URL": f"http://127.0.0.1:{proxy_port}/telegram",
        "WEBHOOK_SECRET": SECRET,
    }
    own = {name: {"HTTP_PORT": str(port)} for name, port in ports.items()}
    try:
        activity = await seed(engine, sandbox, [], datetime.now(UTC))
        async with (
            serving(proxy, proxy_port),
            bot_processes(sandbox, postgres_url, tmp_path, ("a", "b"), settings, own) as bots,
        ):
            await until(
                lambda: healthy(backends.values()),
                timeout=STARTUP_TIMEOUT_S,
                what="both processes to be healthy",
                bots=bots,
            )
            assert sandbox.webhook.active

            # A registration and a sign-up, their updates handled by both processes in turn.
            alice = Person(HandledInDatabase(engine), sandbox.user(1001, "Alice"))
            done = await steps.register(alice)
            assert "registered" in done.text.lower(), done.text
            card = await alice.send(f"/start act_{activity.link_token}")
            [sign_up] = [b for b in card.last.button_labels() if b.startswith("✍️ Sign up")]
            signed = await alice.press(sign_up)
            assert "You're signed up" in signed.text
            assert all(proxy.served.get(url, 0) >= 3 for url in proxy.backends), proxy.served
            assert await signups(engine) == {1001: "confirmed"}

            # Telegram delivers the /start again (its answer was lost, say): handled once.
            [again] = [b for b in proxy.bodies if _text(b) == f"/start act_{activity.link_token}"]
            before = len(alice.messages())
            status, _ = await post(proxy.backends[1], again, SECRET)
            assert status == 200
            mine = await alice.send("/my")  # handled after the repeat, by whichever process
            assert "Harbour festival" in mine.text
            assert len(alice.messages()) == before + len(mine.messages)
            assert await inbound_rows(engine, again["update_id"]) == 1

            # Someone who is not Telegram, without the secret: refused, nothing stored or sent.
            forged = {**again, "update_id": again["update_id"] + 1000}
            forged["message"] = {**again["message"], "text": "/delete_me"}
            for secret in ("wrong", ""):
                status, _ = await post(proxy.backends[0], forged, secret)
                assert status == 403
            assert await inbound_rows(engine, forged["update_id"]) == 0
            assert await signups(engine) == {1001: "confirmed"}

            # What Prometheus reads, parsed as the client library parses it.
            families = {
                family.name: family
                for family in text_string_to_metric_families(await get(f"{backends['a']}/metrics"))
            }
            assert sample(families, "process_resident_memory_bytes") > 0
            assert sample(families, "volbot_outbox_pending") == 0
            assert sample(families, "volbot_reminders_due") == 0
            assert sample(families, "volbot_updates_total", kind="message") >= 1
            [build] = families["volbot_build_info"].samples
            assert build.labels == {
                "version": importlib.metadata.version("volbot"),
                "python": platform.python_version(),
                "framework": framework,
                "database": "postgresql",
            }
    finally:
        await engine.dispose()
        await sandbox.stop()


def sample(families: dict[str, Metric], name: str, **labels: str) -> float:
    """The value of the one sample called `name` with exactly `labels`."""
    family = families[name.removesuffix("_total")]
    [value] = [s.value for s in family.samples if s.name == name and s.labels == labels]
    return value


def _text(update: dict[str, Any]) -> str | None:
    message = update.get("message")
    return message.get("text") if isinstance(message, dict) else None


async def post(url: str, update: dict[str, Any], secret: str) -> tuple[int, str]:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=update, headers=headers) as answer,
    ):
        return answer.status, await answer.text()


async def get(url: str) -> str:
    async with aiohttp.ClientSession() as session, session.get(url) as answer:
        assert answer.status == 200, await answer.text()
        return await answer.text()


async def signups(engine: AsyncEngine) -> dict[int | None, str]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(Volunteer.telegram_id, Signup.status).join(
                Signup, Signup.volunteer_id == Volunteer.id
            )
        )
        return {telegram_id: status for telegram_id, status in rows}
