"""The Mini App dashboard on the bot's HTTP server (issue 18): the page and its assets under
`/app/`, its JSON API under `/app/api/`. The answers are `handlers/dashboard/`'s; this is the
aiohttp glue: who is asking (Telegram's signed `initData` in `Authorization: tma <initData>`,
refused 401 when forged, stale or missing), one database transaction per request, JSON out.

The assets are package data in `bot/webapp/static/`, served by name from a fixed list of types
(no path leaves the folder, nothing hidden, nothing unknown), the page with a strict
Content-Security-Policy: scripts only from here and the configured telegram-web-app.js, images
only from here and the configured tile server, requests only to here.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings
from handlers.dashboard import coordinator, reports, volunteer
from handlers.dashboard.access import ApiError, Caller, caller, language_for
from handlers.dashboard.init_data import Unauthorized, WebAppUser, check
from handlers.services import Services
from models.broadcasts.control import Control
from models.db import is_unavailable

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "webapp" / "static"
TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".webp": "image/webp",
    ".woff2": "font/woff2",
}
# Each part of an asset's path: no dot first (nothing hidden, no `..`), nothing but these.
PART = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}")
BODY_MAX = 256 * 1024
API_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}

Answer = Callable[[Services, AsyncSession, Caller, web.Request], Awaitable[Any]]


def _origin(url: str) -> str:
    """`https://host[:port]` of an absolute URL ("" for a path on this server); a tile
    template's subdomain placeholder (`{s}.tile.example.org`) allows any subdomain."""
    parts = urlsplit(url)
    host = re.sub(r"^\{s\}\.", "*.", parts.netloc)
    return f"{parts.scheme}://{host}" if parts.scheme and host else ""


def content_security_policy(settings: Settings) -> str:
    scripts = " ".join(filter(None, ["'self'", _origin(settings.webapp_telegram_js_url)]))
    images = " ".join(filter(None, ["'self' data:", _origin(settings.webapp_tile_url)]))
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {scripts}",
            "style-src 'self'",
            f"img-src {images}",
            "font-src 'self'",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'self' https://web.telegram.org",
        ]
    )


class Assets:
    """The page (its placeholders filled from the settings) and its files, under `/app/`."""

    def __init__(self, settings: Settings, folder: Path = STATIC) -> None:
        self.folder = folder
        self.page_headers = {
            "Content-Security-Policy": content_security_policy(settings),
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        }
        self.filled = {
            "{{TELEGRAM_JS_URL}}": html.escape(settings.webapp_telegram_js_url),
            "{{TILE_URL}}": html.escape(settings.webapp_tile_url),
        }

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/app", self._to_page)
        app.router.add_get("/app/", self._page)
        app.router.add_get("/app/static/{path:.+}", self._asset)

    async def _to_page(self, _request: web.Request) -> web.Response:
        raise web.HTTPPermanentRedirect("/app/")

    async def _page(self, _request: web.Request) -> web.Response:
        path = self.folder / "index.html"
        if not path.is_file():
            raise web.HTTPNotFound()
        page = await asyncio.to_thread(path.read_text, "utf-8")
        for placeholder, value in self.filled.items():
            page = page.replace(placeholder, value)
        return web.Response(
            text=page, content_type="text/html", charset="utf-8", headers=self.page_headers
        )

    async def _asset(self, request: web.Request) -> web.Response:
        parts = request.match_info["path"].split("/")
        path = self.folder.joinpath(*parts)
        kind = TYPES.get(path.suffix.lower())
        if kind is None or not all(PART.fullmatch(part) for part in parts) or not path.is_file():
            raise web.HTTPNotFound()
        if not path.resolve().is_relative_to(self.folder.resolve()):  # a link out of it
            raise web.HTTPNotFound()
        body = await asyncio.to_thread(path.read_bytes)
        headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
        return web.Response(body=body, content_type=kind, headers=headers)


class WebApp:
    """The dashboard's routes, added to the bot's aiohttp application."""

    def __init__(self, services: Services, settings: Settings) -> None:
        self.services = services
        self.token = settings.telegram_bot_token.get_secret_value()
        self.max_age = timedelta(seconds=settings.webapp_init_data_max_age)
        self.assets = Assets(settings)

    def add_routes(self, app: web.Application) -> None:
        self.assets.add_routes(app)
        router = app.router
        get = post = self._api
        router.add_get("/app/api/me", get(lambda s, db, who, _: volunteer.me(s, db, who)))
        router.add_get("/app/api/texts", self._texts)
        router.add_get("/app/api/activities", get(self._activities))
        router.add_get("/app/api/my/shifts", get(lambda s, db, w, _: volunteer.my_shifts(s, db, w)))
        router.add_get("/app/api/my/hours", get(lambda s, db, w, _: volunteer.my_hours(s, db, w)))
        router.add_get(
            "/app/api/coord/activities", get(lambda s, db, w, _: coordinator.activities(s, db, w))
        )
        router.add_get("/app/api/coord/shifts/{id:\\d{1,12}}/roster", get(self._roster))
        router.add_post("/app/api/coord/shifts/{id:\\d{1,12}}/hours/confirm", post(self._confirm))
        router.add_post("/app/api/coord/signups/{id:\\d{1,12}}/hours", post(self._change))
        router.add_get(
            "/app/api/coord/broadcasts", get(lambda s, db, w, _: coordinator.broadcasts(s, db, w))
        )
        router.add_post(
            "/app/api/coord/broadcasts/{id:\\d{1,12}}/{action:pause|resume}", post(self._control)
        )
        router.add_get("/app/api/coord/stats", get(self._stats))
        router.add_get("/app/api/coord/export", get(self._export))
        router.add_route("*", "/app/api/{path:.*}", self._unknown)

    # ---- the API ------------------------------------------------------------------------------

    async def _unknown(self, _request: web.Request) -> web.Response:
        return _json({"error": "not_found"}, 404)

    def _api(self, answer: Answer) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handle(request: web.Request) -> web.Response:
            return await self._answer(request, answer)

        return handle

    def _user(self, request: web.Request) -> WebAppUser:
        """Who Telegram says is asking (Unauthorized if it does not)."""
        return check(
            request.headers.get("Authorization", "").removeprefix("tma "),
            self.token,
            now=self.services.clock.now(),
            max_age=self.max_age,
        )

    async def _answer(
        self, request: web.Request, answer: Answer, user: WebAppUser | None = None
    ) -> web.Response:
        if user is None:
            try:
                user = self._user(request)
            except Unauthorized as why:
                log.info("dashboard request refused: %s", why)
                return _json({"error": "unauthorized"}, 401)
        services = self.services
        try:
            async with services.sessions() as session, session.begin():
                who = await caller(session, services, user)
                body = await answer(services, session, who, request)
        except ApiError as refusal:
            return _json(refusal.body(), refusal.status)
        except Exception as error:
            if not is_unavailable(error):
                raise
            return _json({"error": "unavailable"}, 503)
        if isinstance(body, tuple):  # a change, and the volunteers to tell once committed
            body, notices = body
            await coordinator.tell_volunteers(services, notices)
        if isinstance(body, reports.Download):  # XLSX takes CPU: not on the event loop
            content = await asyncio.to_thread(body.build)
            disposition = f'attachment; filename="{body.filename}"'
            headers = {**API_HEADERS, "Content-Disposition": disposition}
            return web.Response(body=content, content_type=body.content_type, headers=headers)
        return _json(body, 200)

    async def _texts(self, request: web.Request) -> web.Response:
        """The page's texts, whoever asks (the page must be able to say a link is not valid):
        in the user's language with valid launch data, else in `lang` (Telegram's language code)
        mapped as the chat maps it."""
        try:
            user = self._user(request)
        except Unauthorized:
            language = language_for(self.services, request.query.get("lang"))
            return _json(volunteer.texts(self.services, language), 200)
        return await self._answer(request, self._texts_of, user)

    async def _texts_of(
        self, services: Services, _session: AsyncSession, who: Caller, _request: web.Request
    ) -> dict[str, Any]:
        return volunteer.texts(services, who.language)

    async def _activities(
        self, services: Services, session: AsyncSession, who: Caller, request: web.Request
    ) -> dict[str, Any]:
        return await volunteer.activities(services, session, who, dict(request.query))

    async def _stats(
        self, services: Services, session: AsyncSession, who: Caller, request: web.Request
    ) -> dict[str, Any]:
        return await reports.figures(services, session, who, dict(request.query))

    async def _export(
        self, services: Services, session: AsyncSession, who: Caller, request: web.Request
    ) -> reports.Download:
        return await reports.download(services, session, who, dict(request.query))

    async def _roster(
        self, services: Services, session: AsyncSession, who: Caller, request: web.Request
    ) -> dict[str, Any]:
        return await coordinator.roster(services, session, who, _id(request))

    async def _confirm(
        self, services: Services, session: AsyncSession, who: Caller, request: web.Request
    ) -> object:
        body = await _body(request)
        return await coordinator.confirm_hours(services, session, who, _id(request), body)

    async def _change(
        self, services: Services, session: AsyncSession, who: Caller, request: web.Request
    ) -> object:
        body = await _body(request)
        return await coordinator.change_hours(services, session, who, _id(request), body)

    async def _control(
        self, services: Services, session: AsyncSession, who: Caller, request: web.Request
    ) -> dict[str, Any]:
        action: Control = "pause" if request.match_info["action"] == "pause" else "resume"
        return await coordinator.control_call(services, session, who, _id(request), action)


def _id(request: web.Request) -> int:
    """The id the path names (its route admits 1 to 12 digits only)."""
    return int(request.match_info["id"])


async def _body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object (400 for anything else, or one too big)."""
    if request.content_length is not None and request.content_length > BODY_MAX:
        raise ApiError(400, "body_too_large")
    raw = await request.content.read(BODY_MAX + 1)
    if len(raw) > BODY_MAX:
        raise ApiError(400, "body_too_large")
    try:
        body = json.loads(raw or b"null")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ApiError(400, "body_not_json")
    return body


def _json(body: object, status: int) -> web.Response:
    return web.json_response(
        body, status=status, headers=API_HEADERS, dumps=lambda b: json.dumps(b, ensure_ascii=False)
    )
