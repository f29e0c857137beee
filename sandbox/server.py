"""A local Telegram Bot API: the HTTP server bots talk to, and the handle tests hold.

`BotApiSandbox` serves `/bot{token}/{method}` and `/file/bot{token}/{path}` on 127.0.0.1 the way
api.telegram.org does, so python-telegram-bot and aiogram run against it unchanged, with
Telegram's envelope (`{"ok": true, "result": ...}` or `{"ok": false, "error_code": N,
"description": "...", "parameters": {"retry_after": S}}`), its validation wording, its flood
limits (`sandbox.limits`) and injectable faults (`sandbox.faults`). People are played through
`sandbox.user(...)` (`sandbox.users`), in-process or over the /sandbox/ control API
(`sandbox.control`). Every request is logged in `calls`, with the address it came in on: a
sandbox may serve several (`add_address`), so a test can give each bot process its own and tell
their requests apart.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from sandbox import control
from sandbox.errors import (
    BLOCKED,
    ENTITY_TOO_LARGE,
    INJECTED_BAD_REQUEST,
    INTERNAL_ERROR,
    NOT_FOUND,
    UNAUTHORIZED,
    ApiError,
    bad_request,
    rate_limited,
)
from sandbox.faults import Fault, Faults
from sandbox.limits import Limits, RateLimiter
from sandbox.methods import DOCUMENT_UPLOAD_MAX_BYTES, METHODS, BotApi, Described, Method
from sandbox.params import Params, read_params
from sandbox.records import ApiCall, Button, CallbackAnswer, ReplyButton, SentDocument, SentMessage
from sandbox.users import SandboxGroup, SandboxUser
from sandbox.webhook import Webhook
from sandbox.world import ChatType, UserRecord, World

__all__ = [
    "DEFAULT_TOKEN",
    "ApiCall",
    "BotApiSandbox",
    "Button",
    "CallbackAnswer",
    "ReplyButton",
    "SentDocument",
    "SentMessage",
]

# Shaped like a real token (bot id, colon, a secret of [A-Za-z0-9_-]) so both libraries'
# token checks accept it; it opens nothing on Telegram.
DEFAULT_TOKEN = "123456789:SANDBOX-not-a-real-token-0123456789abc"
TOKEN_PATTERN = re.compile(r"(\d+):[A-Za-z0-9_-]+")
LOOPBACK_HOST = "127.0.0.1"
# Multipart overhead on top of the largest upload Telegram takes.
REQUEST_MAX_BYTES = DOCUMENT_UPLOAD_MAX_BYTES + 1024 * 1024
# Long polls and hanging faults are released at stop(), so in-flight requests end at once;
# this only bounds a handler that is somehow still running.
SHUTDOWN_TIMEOUT_S = 2.0


def _utc_now() -> datetime:
    return datetime.now(UTC)


class BotApiSandbox:
    """A Bot API server for one bot, with the people who chat with it."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "volbot_sandbox_bot",
        limits: Limits | None = None,
        now: Callable[[], datetime] | None = None,
        monotonic: Callable[[], float] | None = None,
    ) -> None:
        match = TOKEN_PATTERN.fullmatch(token)
        if match is None:
            raise ValueError("a bot token looks like '<bot id>:<secret>'")
        self.token = token
        self.bot_id = int(match.group(1))
        self.bot_username = bot_username
        self.limits = limits or Limits()
        self.monotonic = monotonic or time.monotonic
        self.world = World(bot_id=self.bot_id, bot_username=bot_username, now=now or _utc_now)
        self.faults = Faults()
        self.calls: list[ApiCall] = []
        self.webhook = Webhook(self.world, on_reply=self._webhook_reply)
        self.api = BotApi(self.world, RateLimiter(self.limits, self.monotonic), self.webhook)
        self.url: str | None = None
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()

    # --- people -----------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "Test",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh-hans",
        phone_number: str | None = None,
    ) -> SandboxUser:
        """The user `user_id`, created (with their private chat) on first use.

        An existing user keeps their profile; a `phone_number` given later is recorded.
        """
        if user_id <= 0:
            raise ValueError("user ids are positive")
        self.world.ensure_user(
            UserRecord(
                id=user_id,
                first_name=first_name,
                last_name=last_name,
                username=username,
                language_code=language_code,
                phone_number=phone_number,
            )
        )
        return SandboxUser(self.world, user_id)

    def group(self, chat_id: int, title: str, type: ChatType = "supergroup") -> SandboxGroup:
        """A group the bot is a member of (ids of groups are negative)."""
        self.world.ensure_group(chat_id, title, type)
        return SandboxGroup(self.world, chat_id)

    # --- reading ----------------------------------------------------------------------

    def delivered(self, chat_id: int | None = None) -> list[SentMessage]:
        """Every message the bot sent successfully, oldest first, in its current state."""
        return self.world.delivered(chat_id)

    def chat_messages(self, chat_id: int) -> list[SentMessage]:
        """The bot's messages in a chat as they are now (deleted ones left out)."""
        return self.world.bot_messages(chat_id)

    def menu(self, user_id: int) -> list[dict[str, str]]:
        """The command menu `user_id`'s app shows in their private chat (for their language)."""
        user = self.world.users.get(user_id)
        return self.api.menu(user_id, user.language_code if user is not None else None)

    def reply_keyboard(self, chat_id: int) -> list[list[str]] | None:
        chat = self.world.chats.get(chat_id)
        if chat is None or chat.reply_keyboard is None:
            return None
        return [[button.label for button in row] for row in chat.reply_keyboard]

    async def wait_for_message(
        self,
        chat_id: int,
        *,
        after_message_id: int = 0,
        timeout: float = 10.0,  # noqa: ASYNC109 - a bounded wait is the point
    ) -> SentMessage:
        """The first bot message sent or edited in the chat after `after_message_id` appeared.

        Raises TimeoutError naming the chat's recent messages.
        """
        return await self.world.wait_for_message(
            chat_id, after_message_id=after_message_id, timeout=timeout
        )

    async def wait_for_poll(
        self,
        *,
        timeout: float = 10.0,  # noqa: ASYNC109 - a bounded wait is the point
    ) -> None:
        """Return once a getUpdates long poll is waiting for updates (the bot is listening)."""
        condition = self.world.updates_changed
        async with condition:
            await asyncio.wait_for(
                condition.wait_for(lambda: self.world.waiting_polls > 0), timeout
            )

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot."""
        return list(self.world.updates)

    # --- serving ----------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(client_max_size=REQUEST_MAX_BYTES)
        app.add_routes(
            [
                web.route("*", "/bot{token}/{method}", self._handle_bot_request),
                web.get("/file/bot{token}/{file_path:.+}", self._handle_file),
                *control.routes(self),
            ]
        )
        return app

    async def start(self, host: str = LOOPBACK_HOST, port: int = 0) -> str:
        """Serve on `host` (a loopback address only) and return the base URL, no trailing slash."""
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError("the sandbox serves only on this machine (a loopback address)")
        if self._runner is not None:
            raise RuntimeError("the sandbox is already running")
        self.world.closing = False  # a sandbox may be started again after stop()
        self._stopping.clear()
        runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT_S)
        await runner.setup()
        self._runner = runner
        try:
            self.url = await self.add_address(host, port)
        except BaseException:
            self._runner = None  # e.g. the port is taken: nothing is left half started
            await runner.cleanup()
            raise
        return self.url

    async def add_address(self, host: str = LOOPBACK_HOST, port: int = 0) -> str:
        """Serve the same sandbox on one more address (loopback only) and return its base URL.

        Calls are logged with the address they came in on (`ApiCall.via`), so clients given
        different addresses — two bot processes sharing one sandbox — can be told apart.
        """
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError("the sandbox serves only on this machine (a loopback address)")
        if self._runner is None:
            raise RuntimeError("start() the sandbox first")
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound_port = self._runner.addresses[-1][1]
        return _base_url(host, bound_port)

    async def stop(self) -> None:
        """Answer every waiting request, stop webhook delivery and close the server."""
        self.world.closing = True
        self._stopping.set()
        await self.world.wake_all()
        await self.webhook.close()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    # --- requests ---------------------------------------------------------------------

    async def _handle_bot_request(self, request: web.Request) -> web.Response:
        arrived = self.monotonic()
        name = request.match_info["method"]
        method = METHODS.get(name.lower())
        params = Params({})
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, UNAUTHORIZED)
            params = await _read(request)
            if method is None:
                raise ApiError(404, NOT_FOUND)
            envelope = await self._call(method, params)
            status = 200
        except ApiError as error:
            envelope, status = error.envelope(), error.status
        self._log(method.name if method else name, params, status, envelope, arrived, _via(request))
        return web.json_response(envelope, status=status)

    async def _call(self, method: Method, params: Params) -> dict[str, Any]:
        fault = self.faults.take(method.name, _chat_id(params))
        if fault is not None:
            await self._inject(fault, method, params)
        result = await method.handler(self.api, params)
        if isinstance(result, Described):
            return {"ok": True, "result": result.result, "description": result.description}
        return {"ok": True, "result": result}

    async def _inject(self, fault: Fault, method: Method, params: Params) -> None:
        """Answer with `fault` instead of carrying the request out (always raises)."""
        if fault.kind == "429":
            raise rate_limited(fault.retry_after)
        if fault.kind == "403":
            raise ApiError(403, BLOCKED)
        if fault.kind == "400":
            raise bad_request(INJECTED_BAD_REQUEST)
        if fault.kind == "timeout":
            if fault.deliver:
                # The send happens; only the answer is lost.
                with contextlib.suppress(ApiError):
                    await method.handler(self.api, params)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), fault.hang_seconds)
        raise ApiError(500, INTERNAL_ERROR)

    def _log(
        self,
        method: str,
        params: Params,
        status: int,
        envelope: dict[str, Any],
        arrived: float,
        via: str | None = None,
    ) -> None:
        self.calls.append(
            ApiCall(
                method=method,
                chat_id=_chat_id(params),
                status=status,
                description=None if envelope.get("ok") else envelope.get("description"),
                time=arrived,
                params=params.loggable(),
                via=via,
            )
        )

    async def _webhook_reply(self, body: dict[str, Any]) -> None:
        """A method call the bot returned in its answer to a webhook delivery."""
        method = METHODS.get(str(body["method"]).lower())
        params = Params({key: value for key, value in body.items() if key != "method"})
        arrived = self.monotonic()
        if method is None:
            self._log(
                str(body["method"]), params, 404, ApiError(404, NOT_FOUND).envelope(), arrived
            )
            return
        try:
            envelope, status = await self._call(method, params), 200
        except ApiError as error:
            envelope, status = error.envelope(), error.status
        self._log(method.name, params, status, envelope, arrived)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, UNAUTHORIZED).envelope(), status=401)
        stored = self.world.files_by_path.get(request.match_info["file_path"])
        if stored is None:
            return web.json_response(ApiError(404, NOT_FOUND).envelope(), status=404)
        return web.Response(
            body=stored.content, content_type=stored.mime_type or "application/octet-stream"
        )


async def _read(request: web.Request) -> Params:
    try:
        return await read_params(request)
    except web.HTTPRequestEntityTooLarge:
        raise ApiError(413, ENTITY_TOO_LARGE) from None


def _base_url(host: str, port: int) -> str:
    return f"http://{host}:{port}"


def _via(request: web.Request) -> str | None:
    """The base URL of the sandbox address the request came in on."""
    transport = request.transport
    sockname = transport.get_extra_info("sockname") if transport is not None else None
    return _base_url(sockname[0], sockname[1]) if sockname else None


def _chat_id(params: Params) -> int | None:
    try:
        return params.integer("chat_id")
    except ApiError:
        return None
