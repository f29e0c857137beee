"""The /sandbox/ control API: acting as users over HTTP, as another process would."""

from __future__ import annotations

import asyncio
from typing import Any

from sandbox import BotApiSandbox
from tests.sandbox.conftest import Api, inline

WAIT_S = 10


async def control(api: Api, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    async with api.http.post(f"{api.base_url}/sandbox/{path}", json=body) as response:
        return response.status, await response.json()


async def chat(api: Api, chat_id: int, **query: str) -> tuple[int, Any]:
    url = f"{api.base_url}/sandbox/chats/{chat_id}/messages"
    async with api.http.get(url, params=query) as response:
        return response.status, await response.json()


async def test_acting_as_a_user(sandbox: BotApiSandbox, api: Api) -> None:
    assert await control(api, "users/42", {"first_name": "Ann", "phone_number": "+861"}) == (
        200,
        {"ok": True, "user_id": 42},
    )
    assert await control(api, "users/42/send", {"text": "/start"}) == (
        200,
        {"ok": True, "update_id": 1},
    )
    await api.ok("sendMessage", chat_id=42, text="pick", reply_markup=inline([("A", "a")]))
    assert (await control(api, "users/42/press", {"label": "A"}))[1]["update_id"] == 2
    await control(api, "users/42/share_contact", {"phone_number": "+8613800138000"})
    await control(api, "users/42/share_location", {"latitude": 24.4, "longitude": 118.1})
    await control(api, "users/42/block")
    await control(api, "users/42/unblock")
    kinds = [next(k for k in u if k != "update_id") for u in await api.ok("getUpdates")]
    assert kinds == [
        "message",
        "callback_query",
        "message",
        "message",
        "my_chat_member",
        "my_chat_member",
    ]
    assert sandbox.user(42).first_name == "Ann"


async def test_reading_a_chat(sandbox: BotApiSandbox, api: Api) -> None:
    sandbox.user(42)
    await api.ok("sendMessage", chat_id=42, text="hello", reply_markup=inline([("A", "a")]))
    await api.ok("sendMessage", chat_id=42, text="menu", reply_markup={"keyboard": [["Help"]]})
    status, body = await chat(api, 42)
    assert status == 200
    first, second = body["messages"]
    assert (first["text"], first["buttons"][0][0]["label"]) == ("hello", "A")
    assert second["text"] == "menu"
    assert body["reply_keyboard"] == [["Help"]]


async def test_waiting_for_a_message_over_http(sandbox: BotApiSandbox, api: Api) -> None:
    sandbox.user(42)
    waiting = asyncio.create_task(chat(api, 42, after_message_id="0", timeout=str(WAIT_S)))
    await api.ok("sendMessage", chat_id=42, text="news")
    status, body = await asyncio.wait_for(waiting, WAIT_S)
    assert status == 200 and body["messages"][0]["text"] == "news"
    status, body = await chat(api, 42, after_message_id="1", timeout="0.05")
    assert status == 504 and "news" in body["error"]


async def test_control_errors(sandbox: BotApiSandbox, api: Api) -> None:
    sandbox.user(42)
    status, body = await control(api, "users/42/press", {"label": "Nope"})
    assert status == 404 and "Nope" in body["error"]
    status, body = await control(api, "users/42/send", {})
    assert status == 400 and "text" in body["error"]
    status, body = await control(api, "users/42/fly", {})
    assert status == 404
    status, body = await control(api, "users/42/unblock")
    assert status == 400


async def test_reading_the_menu_a_user_sees(sandbox: BotApiSandbox, api: Api) -> None:
    await control(api, "users/42", {"first_name": "Ann", "language_code": "en"})
    commands = [{"command": "help", "description": "Help"}]
    await api.ok("setMyCommands", commands=commands, language_code="en")
    async with api.http.get(f"{api.base_url}/sandbox/users/42/menu") as response:
        assert (response.status, await response.json()) == (
            200,
            {"ok": True, "commands": commands},
        )
