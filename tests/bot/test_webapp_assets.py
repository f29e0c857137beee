"""The dashboard's page and files (bot/webapp.py `Assets`): served by name from their folder
only, with their content types, and the page with a strict Content-Security-Policy naming the
configured telegram-web-app.js and tile server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.settings import Settings
from bot.webapp import Assets, content_security_policy

PAGE = '<meta content="{{TILE_URL}}"><script src="{{TELEGRAM_JS_URL}}"></script>'


@pytest.fixture
async def base(tmp_path: Path) -> AsyncIterator[str]:
    static = tmp_path / "static"
    (static / "vendor" / "leaflet").mkdir(parents=True)
    (static / "index.html").write_text(PAGE, encoding="utf-8")
    (static / "app.js").write_text("export {}", encoding="utf-8")
    (static / "vendor" / "leaflet" / "leaflet.css").write_text("a{}", encoding="utf-8")
    (static / ".hidden.js").write_text("secret", encoding="utf-8")
    (static / "notes.txt").write_text("unknown kind", encoding="utf-8")
    (tmp_path / "outside.js").write_text("secret", encoding="utf-8")
    (static / "link.js").symlink_to(tmp_path / "outside.js")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        webapp_telegram_js_url="https://telegram.org/js/telegram-web-app.js",
        webapp_tile_url="https://tiles.example.org/{z}/{x}/{y}.png?a=1&b=2",
    )
    app = web.Application()
    Assets(settings, static).add_routes(app)
    server = TestServer(app)
    await server.start_server()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        await server.close()


async def get(url: str) -> tuple[int, str, str, dict[str, str]]:
    async with aiohttp.ClientSession() as http, http.get(url, allow_redirects=False) as answer:
        body = await answer.text() if answer.status == 200 else ""
        return answer.status, answer.content_type, body, dict(answer.headers)


async def test_the_page_names_the_configured_script_and_tiles(base: str) -> None:
    status, kind, page, headers = await get(f"{base}/app/")
    assert (status, kind) == (200, "text/html")
    assert page == (
        '<meta content="https://tiles.example.org/{z}/{x}/{y}.png?a=1&amp;b=2">'
        '<script src="https://telegram.org/js/telegram-web-app.js"></script>'
    )
    policy = dict(part.split(" ", 1) for part in headers["Content-Security-Policy"].split("; "))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self' https://telegram.org"
    assert policy["img-src"] == "'self' data: https://tiles.example.org"
    assert policy["connect-src"] == "'self'"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert (await get(f"{base}/app"))[3]["Location"] == "/app/"


async def test_files_by_name_with_their_types(base: str) -> None:
    assert (await get(f"{base}/app/static/app.js"))[:3] == (200, "text/javascript", "export {}")
    css = await get(f"{base}/app/static/vendor/leaflet/leaflet.css")
    assert css[:2] == (200, "text/css")


@pytest.mark.parametrize(
    "path",
    [
        "../outside.js",
        "%2e%2e/outside.js",
        "vendor/../../outside.js",
        "vendor/%2e%2e/%2e%2e/outside.js",
        "..%2foutside.js",
        ".hidden.js",
        "notes.txt",
        "missing.js",
        "vendor",
        "link.js",
        "vendor//leaflet/leaflet.css",
    ],
)
async def test_nothing_else(base: str, path: str) -> None:
    assert (await get(f"{base}/app/static/{path}"))[0] == 404


def test_a_tile_template_with_subdomains_allows_them() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        webapp_telegram_js_url="/app/static/telegram-web-app-standin.js",
        webapp_tile_url="https://{s}.tile.example.org/{z}/{x}/{y}.png",
    )
    policy = content_security_policy(settings)
    assert "script-src 'self';" in policy
    assert "img-src 'self' data: https://*.tile.example.org;" in policy
