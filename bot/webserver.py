"""The bot's HTTP server: the Telegram webhook, `/healthz`, `/metrics`, volunteers' calendar
feeds (`/calendar/<token>.ics`, in polling mode too) and the Mini App dashboard under `/app/`
(`bot/webapp.py`).

A webhook delivery is answered 200 only once the update is recorded in the database
(`models.inbox`), and handled from that record afterwards (`bot.intake`), so a process that dies
right after answering loses nothing: the record is taken up again (here, after a restart, or by
another process) when its lease runs out. A delivery without the configured secret is refused
with 403 before anything is read or stored; one whose update id is not Telegram's (a whole
number from 0 below 2**63) with 400; one that cannot be recorded (the database is down) is
answered 503, and Telegram delivers it again later.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Callable

from aiohttp import web
from sqlalchemy import text

from bot.adapters.base import TelegramAdapter
from bot.metrics import CONTENT_TYPE, BotMetrics
from bot.webapp import WebApp
from handlers.activities import calendar_feed
from models import inbox
from models.db import is_unavailable

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebServer:
    def __init__(
        self,
        adapter: TelegramAdapter,
        metrics: BotMetrics,
        *,
        webhook_path: str | None,
        secret: str,
        scheduler_alive: Callable[[], bool],
        webapp: WebApp | None = None,
    ) -> None:
        self.adapter = adapter
        self.dispatcher = adapter.dispatcher
        self.intake = adapter.intake
        self.metrics = metrics
        self.secret = secret
        self.scheduler_alive = scheduler_alive
        self._accepting = True
        self._runner: web.AppRunner | None = None
        self.app = web.Application()
        self.app.router.add_get("/healthz", self._health)
        self.app.router.add_get("/metrics", self._metrics)
        self.app.router.add_get("/calendar/{token}.ics", self._calendar)
        if webapp is not None:
            webapp.add_routes(self.app)
        self.webhook = webhook_path is not None
        if webhook_path is not None:
            self.app.router.add_post(webhook_path, self._receive)

    async def start(self, host: str, port: int) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        log.info("HTTP server on %s:%s (webhook: %s)", host, port, self.webhook)

    async def stop_receiving(self) -> None:
        """Refuse new deliveries (503: Telegram tries again, maybe another process)."""
        self._accepting = False

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
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or not inbox.valid_update_id(payload.get("update_id")):
            return web.Response(status=400, text="not a Telegram update")
        try:
            new = await self.intake.record([payload])
        except Exception as error:
            if not is_unavailable(error):
                raise
            log.warning("update %s not recorded, the database is unavailable", payload["update_id"])
            return web.Response(status=503, text="database unavailable")
        for update_id in new:
            self.intake.take(update_id)
        return web.Response(text="ok")

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
        body = await self.metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    # ---- calendar feeds ----------------------------------------------------------------------

    async def _calendar(self, request: web.Request) -> web.Response:
        """A volunteer's calendar; anything but a current address is one plain 404 (unknown,
        replaced, malformed alike), so the answer tells nothing about which."""
        services = self.dispatcher.services
        if not services.bot_username:  # its events' UIDs name the bot, known once it started
            return web.Response(status=503, text="starting", headers={"Retry-After": "10"})
        try:
            body = await calendar_feed.feed(services, request.match_info["token"])
        except Exception as error:
            if not is_unavailable(error):
                raise
            return web.Response(status=503, text="database unavailable")
        if body is None:
            return web.Response(status=404, text="not found")
        headers = {"Cache-Control": "private, no-cache", "X-Robots-Tag": "noindex"}
        return web.Response(
            body=body, content_type="text/calendar", charset="utf-8", headers=headers
        )
