"""python-telegram-bot's requests over one aiohttp session, with orjson.

PTB's own request class (httpx, with httpcore, h11 and anyio under it) cost about as much CPU
per update as SQLAlchemy did in a profile of the busy bot (docs/performance.md); aiohttp (which
the bot already uses for its web server, and aiogram for its requests) does the same work for a
fraction of it. Requests without files go as one JSON body (orjson), those with files as a
multipart form, as Telegram accepts either.

Errors keep aiohttp's as their cause: `may_have_arrived` tells a request that never left (no
connection made, none free in the pool in time) from one whose fate is unknown (a read timeout, a
dropped connection).
"""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import JSONDict, ODVInput
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.request import BaseRequest, RequestData

JSON_HEADERS = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """One pooled aiohttp session for all of a bot's requests (or, in a second instance, its
    long polls)."""

    __slots__ = ("_connect", "_media_write", "_pool", "_read", "_session", "_write")

    def __init__(
        self,
        *,
        pool: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool = pool
        self._read = read_timeout
        self._write = write_timeout
        self._connect = connect_timeout
        self._media_write = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            # Made here, on the running loop; PTB initialises before its first request.
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool), skip_auto_headers=("User-Agent",)
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    @staticmethod
    def parse_json_payload(payload: bytes) -> JSONDict:
        try:
            parsed: JSONDict = orjson.loads(payload)
        except orjson.JSONDecodeError as error:
            raise TelegramError("Invalid server response") from error
        return parsed

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized")
        files = request_data is not None and request_data.contains_files
        read = self._read if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = self._connect if isinstance(connect_timeout, DefaultValue) else connect_timeout
        # aiohttp has no write timeout of its own: a request's sending counts towards reading
        # its answer, so the longer of the two bounds both.
        write = self._write if isinstance(write_timeout, DefaultValue) else write_timeout
        if files and isinstance(write_timeout, DefaultValue):
            write = self._media_write
        pool = 0.0 if isinstance(pool_timeout, DefaultValue) else pool_timeout
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=_longest(connect, pool),  # aiohttp's includes waiting for a free connection
            sock_read=_longest(read, write),
        )
        options: dict[str, Any] = {"timeout": timeout}
        if request_data is not None:
            if files:
                options["data"] = _form(request_data)
            else:
                options["data"] = orjson.dumps(request_data.parameters)
                options["headers"] = JSON_HEADERS
        try:
            async with self._session.request(method, url, **options) as response:
                return response.status, await response.read()
        except (aiohttp.ConnectionTimeoutError, aiohttp.SocketTimeoutError) as error:
            raise TimedOut(f"aiohttp.{type(error).__name__}: {error}") from error
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error


def may_have_arrived(error: NetworkError) -> bool:
    """Whether a request that failed may have reached Telegram all the same: not when no
    connection was made (or none came free in time); yes after a read timeout or a dropped
    connection. An error without an aiohttp cause is Telegram's own 5xx answer: nothing was
    sent."""
    cause = error.__cause__
    if isinstance(cause, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
        return False
    return isinstance(cause, aiohttp.ClientError | TimeoutError)


def _form(request_data: RequestData) -> aiohttp.FormData:
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, field in request_data.multipart_data.items():
        filename, content, *mime = field
        form.add_field(
            name,
            content,
            filename=filename,
            content_type=mime[0] if mime else "application/octet-stream",
        )
    return form


def _longest(*timeouts: float | None) -> float | None:
    if any(timeout is None for timeout in timeouts):
        return None
    return max(t for t in timeouts if t is not None)
