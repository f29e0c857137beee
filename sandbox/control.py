"""A thin HTTP API under /sandbox/ to act as users from another process.

JSON in, JSON out; each route calls the same `SandboxUser` method a test would:

    POST /sandbox/users/{id}                 {"first_name", "last_name", "username",
                                              "language_code", "phone_number"}  create
    POST /sandbox/users/{id}/send            {"text"}
    POST /sandbox/users/{id}/press           {"label", "message_id"?}
    POST /sandbox/users/{id}/press_data      {"data", "message_id"}
    POST /sandbox/users/{id}/tap             {"label", "location"?: [lat, lon]}
    POST /sandbox/users/{id}/share_contact   {"phone_number", "user_id"?}
    POST /sandbox/users/{id}/share_location  {"latitude", "longitude", "live_period"?,
                                              "forwarded"?}
    POST /sandbox/users/{id}/block, /unblock
    GET  /sandbox/chats/{id}/messages[?after_message_id=N&timeout=S]
    GET  /sandbox/users/{id}/menu            the commands their app shows (their language)

Acting answers {"ok": true, "update_id": N}; a user acting for the first time is created with
defaults. Errors answer {"ok": false, "error": "..."}: 404 for something not found (a button,
a message), 400 for an act that cannot be done, 504 when a wait times out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiohttp import web

from sandbox.records import SentMessage
from sandbox.users import SandboxUser

JsonBody = dict[str, Any]
Act = Callable[[SandboxUser, JsonBody], Awaitable[int]]
DEFAULT_WAIT_S = 10.0


class UserDirectory(Protocol):
    def user(
        self,
        user_id: int,
        first_name: str = ...,
        *,
        last_name: str | None = ...,
        username: str | None = ...,
        language_code: str | None = ...,
        phone_number: str | None = ...,
    ) -> SandboxUser: ...

    def chat_messages(self, chat_id: int) -> list[SentMessage]: ...

    async def wait_for_message(
        self,
        chat_id: int,
        *,
        after_message_id: int = 0,
        timeout: float = 10.0,  # noqa: ASYNC109 - a bounded wait is the point
    ) -> SentMessage: ...

    def reply_keyboard(self, chat_id: int) -> list[list[str]] | None: ...

    def menu(self, user_id: int) -> list[dict[str, str]]: ...


def _location(body: JsonBody) -> tuple[float, float] | None:
    value = body.get("location")
    if value is None:
        return None
    latitude, longitude = value
    return float(latitude), float(longitude)


ACTS: dict[str, Act] = {
    "send": lambda user, body: user.send(str(body["text"])),
    "press": lambda user, body: user.press(
        str(body["label"]),
        message_id=int(body["message_id"]) if body.get("message_id") is not None else None,
    ),
    "press_data": lambda user, body: user.press_data(
        str(body["data"]), message_id=int(body["message_id"])
    ),
    "tap": lambda user, body: user.tap(str(body["label"]), location=_location(body)),
    "share_contact": lambda user, body: user.share_contact(
        str(body["phone_number"]),
        **({"user_id": body["user_id"]} if "user_id" in body else {}),
    ),
    "share_location": lambda user, body: user.share_location(
        float(body["latitude"]),
        float(body["longitude"]),
        live_period=int(body["live_period"]) if body.get("live_period") is not None else None,
        forwarded=bool(body.get("forwarded", False)),
    ),
    "block": lambda user, body: user.block(),
    "unblock": lambda user, body: user.unblock(),
}
PROFILE_FIELDS = ("last_name", "username", "language_code", "phone_number")


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=status)


async def _body(request: web.Request) -> JsonBody:
    if not request.can_read_body:
        return {}
    body = await request.json()
    if not isinstance(body, dict):
        raise ValueError("a JSON object is expected")
    return body


def routes(directory: UserDirectory) -> list[web.RouteDef]:
    async def create(request: web.Request) -> web.Response:
        try:
            user_id = int(request.match_info["user_id"])
            body = await _body(request)
        except ValueError as error:
            return _error(400, str(error))
        profile = {key: str(body[key]) for key in PROFILE_FIELDS if body.get(key) is not None}
        user = directory.user(user_id, str(body.get("first_name", "Test")), **profile)
        return web.json_response({"ok": True, "user_id": user.id})

    async def act(request: web.Request) -> web.Response:
        name = request.match_info["act"]
        perform = ACTS.get(name)
        if perform is None:
            return _error(404, f"no act {name!r}; acts: {sorted(ACTS)}")
        try:
            user = directory.user(int(request.match_info["user_id"]))
            update_id = await perform(user, await _body(request))
        except KeyError as error:
            return _error(400, f"missing field {error}")
        except LookupError as error:
            return _error(404, str(error))
        except (ValueError, TypeError) as error:
            return _error(400, str(error))
        return web.json_response({"ok": True, "update_id": update_id})

    async def messages(request: web.Request) -> web.Response:
        try:
            chat_id = int(request.match_info["chat_id"])
            after = request.query.get("after_message_id")
            timeout = float(request.query.get("timeout", DEFAULT_WAIT_S))
            if after is not None:
                await directory.wait_for_message(
                    chat_id, after_message_id=int(after), timeout=timeout
                )
        except ValueError as error:
            return _error(400, str(error))
        except TimeoutError as error:
            return _error(504, str(error))
        return web.json_response(
            {
                "ok": True,
                "messages": [m.to_json() for m in directory.chat_messages(chat_id)],
                "reply_keyboard": directory.reply_keyboard(chat_id),
            }
        )

    async def menu(request: web.Request) -> web.Response:
        commands = directory.menu(int(request.match_info["user_id"]))
        return web.json_response({"ok": True, "commands": commands})

    return [
        web.get(r"/sandbox/users/{user_id:-?\d+}/menu", menu),
        web.post(r"/sandbox/users/{user_id:-?\d+}", create),
        web.post(r"/sandbox/users/{user_id:-?\d+}/{act}", act),
        web.get(r"/sandbox/chats/{chat_id:-?\d+}/messages", messages),
    ]
