"""The bot's HTTP server: the Telegram webhook, `/healthz` and `/metrics`.

A webhook delivery is answered 200 only once the update is recorded in the database
(`models.inbox`), and handled from that record afterwards, so a process that dies right after
answering loses nothing: the record is taken up again (here, after a restart, or by another
process) when its lease runs out. A delivery without the configured secret is refused with 403
before anything is read or stored; one that cannot be recorded (the database is down) is
answered 503, and Telegram delivers it again later.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiohttp import web
from sqlalchemy import text

from bot.adapters.base import TelegramAdapter
from bot.metrics import CONTENT_TYPE, BotMetrics
from models import inbox
from models.db import is_unavailable

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# An update recorded this long ago and still not handled was left by a process that died.
LEFT_BEHIND = timedelta(seconds=30)
SWEEP_EVERY_S = 10.0


class WebServer:
    def __init__(
        self,
        adapter: TelegramAdapter,
        metrics: BotMetrics,
        *,
        webhook_path: str | None,
        secret: str,
        scheduler_alive: Callable[[], bool],
    ) -> None:
        self.adapter = adapter
        self.dispatcher = adapter.dispatcher
        self.metrics = metrics
        self.secret = secret
        self.scheduler_alive = scheduler_alive
        self._handling: set[asyncio.Task[None]] = set()
        self._accepting = True
        self._runner: web.AppRunner | None = None
        self._sweeping: asyncio.Task[None] | None = None
        self.app = web.Application()
        self.app.router.add_get("/healthz", self._health)
        self.app.router.add_get("/metrics", self._metrics)
        self.webhook = webhook_path is not None
        if webhook_path is not None:
            self.app.router.add_post(webhook_path, self._receive)

    async def start(self, host: str, port: int) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        if self.webhook:
            self._sweeping = asyncio.create_task(self._sweep_forever())
        log.info("HTTP server on %s:%s (webhook: %s)", host, port, self.webhook)

    async def stop_receiving(self, timeout_s: float) -> None:
        """Refuse new deliveries (503: Telegram tries again, maybe another process) and let the
        updates in hand finish, within `timeout_s`."""
        self._accepting = False
        if self._sweeping is not None:
            self._sweeping.cancel()
        if self._handling:
            _, late = await asyncio.wait(self._handling, timeout=timeout_s)
            if late:
                log.warning("%d updates still in hand at shutdown; they will be redone", len(late))

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # ---- the webhook -----------------------------------------------------------------------

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            return web.Response(status=403, text="wrong secret token")
        if not self._accepting:
            return web.Response(status=503, text="shutting down")
        try:
            payload = await request.json()
            update_id = int(payload["update_id"])
        except (ValueError, KeyError, TypeError):
            return web.Response(status=400, text="not a Telegram update")
        d = self.dispatcher
        try:
            async with d.sessions() as session, session.begin():
                new = await inbox.record(session, update_id, payload, now=d.services.clock.now())
        except Exception as error:
            if not is_unavailable(error):
                raise
            log.warning("update %s not recorded, the database is unavailable", update_id)
            return web.Response(status=503, text="database unavailable")
        if new:
            self._in_hand(self._handle(update_id))
        return web.Response(text="ok")

    def _in_hand(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._handling.add(task)
        task.add_done_callback(self._handling.discard)

    async def _handle(self, update_id: int) -> None:
        """Handle a recorded update, unless another process took it first."""
        d = self.dispatcher
        try:
            async with d.sessions() as session, session.begin():
                payload = await inbox.claim(session, update_id, now=d.services.clock.now())
            if payload is None:
                return
            await self.adapter.feed(payload)
            async with d.sessions() as session, session.begin():
                await inbox.handled(session, update_id)
        except Exception:
            log.exception("update %s: handling failed; it will be taken up again", update_id)

    async def _sweep_forever(self) -> None:
        """Take up updates other processes (or this one, before a restart) left unhandled, and
        forget the old handled ones."""
        d = self.dispatcher
        while True:
            await asyncio.sleep(SWEEP_EVERY_S)
            try:
                async with d.sessions() as session, session.begin():
                    now = d.services.clock.now()
                    left = await inbox.left_behind(session, now=now, older_than=LEFT_BEHIND)
                    await inbox.forget_old(session, now=now, older_than=LEFT_BEHIND)
                for update_id in left:
                    await self._handle(update_id)
            except Exception:
                log.exception("looking for updates left behind failed")

    # ---- health and metrics ------------------------------------------------------------------

    async def _health(self, _request: web.Request) -> web.Response:
        started = time.monotonic()
        database = "ok"
        try:
            async with self.dispatcher.sessions() as session:
                await asyncio.wait_for(session.execute(text("SELECT 1")), 2.0)
        except Exception as error:
            database = f"unreachable: {type(error).__name__}"
        scheduler = "ok" if self.scheduler_alive() else "stopped"
        healthy = database == "ok" and scheduler == "ok"
        body = {
            "status": "ok" if healthy else "unhealthy",
            "database": database,
            "scheduler": scheduler,
            "seconds": round(time.monotonic() - started, 3),
        }
        return web.json_response(body, status=200 if healthy else 503)

    async def _metrics(self, _request: web.Request) -> web.Response:
        body = await self.metrics.registry.render_async()
        return web.Response(body=body.encode(), headers={"Content-Type": CONTENT_TYPE})
