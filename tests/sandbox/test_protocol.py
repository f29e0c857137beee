"""The wire: Telegram's envelope, tokens, method names, and every way parameters arrive."""

from __future__ import annotations

import json

import aiohttp
import pytest
from aiogram.utils.token import validate_token

from sandbox import DEFAULT_TOKEN, BotApiSandbox
from tests.sandbox.conftest import NOW, Api, ManualMonotonic, inline


async def test_get_me_answers_in_the_envelope(api: Api) -> None:
    status, body = await api.call("getMe")
    assert status == 200
    assert body == {
        "ok": True,
        "result": {
            "id": 123456789,
            "is_bot": True,
            "first_name": "Volbot Sandbox",
            "username": "volbot_sandbox_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        },
    }


async def test_a_wrong_token_is_unauthorized(api: Api) -> None:
    async with api.http.post(api.url("getMe", token="1:wrong")) as response:
        assert response.status == 401
        assert await response.json() == {
            "ok": False,
            "error_code": 401,
            "description": "Unauthorized",
        }


async def test_an_unknown_method_is_not_found(api: Api) -> None:
    status, body = await api.call("sendTelepathy", chat_id=1)
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})


async def test_method_names_are_case_insensitive_and_logged_as_telegram_spells_them(
    sandbox: BotApiSandbox, api: Api
) -> None:
    sandbox.user(42)
    assert (await api.ok("GETME"))["username"] == "volbot_sandbox_bot"
    await api.ok("sendmessage", chat_id=42, text="hi")
    assert [call.method for call in sandbox.calls] == ["getMe", "sendMessage"]


async def test_parameters_in_the_query_string_of_a_get(sandbox: BotApiSandbox, api: Api) -> None:
    sandbox.user(42)
    url = api.url("sendMessage")
    async with api.http.get(url, params={"chat_id": "42", "text": "from a GET"}) as response:
        body = await response.json()
    assert response.status == 200 and body["result"]["text"] == "from a GET"


async def test_a_json_body_with_typed_values(sandbox: BotApiSandbox, api: Api) -> None:
    user = sandbox.user(42)
    status, body = await api.call_json(
        "sendMessage",
        {"chat_id": 42, "text": "json", "reply_markup": inline([("A", "a")])},
    )
    assert status == 200
    assert body["result"]["reply_markup"] == inline([("A", "a")])
    last = user.last_message()
    assert last is not None and last.button_labels() == ["A"]


async def test_a_json_body_with_json_encoded_complex_fields(
    sandbox: BotApiSandbox, api: Api
) -> None:
    sandbox.user(42)
    status, body = await api.call_json(
        "sendMessage",
        {"chat_id": "42", "text": "x", "reply_markup": json.dumps(inline([("B", "b")]))},
    )
    assert status == 200 and body["result"]["reply_markup"] == inline([("B", "b")])


async def test_a_multipart_form_carries_fields_and_files(sandbox: BotApiSandbox, api: Api) -> None:
    sandbox.user(42)
    form = aiohttp.FormData()
    form.add_field("chat_id", "42")
    form.add_field("caption", "the list")
    form.add_field("reply_markup", json.dumps(inline([("Open", "open")])))
    form.add_field("document", b"a,b\n", filename="list.csv", content_type="text/csv")
    status, body = await api.call_form("sendDocument", form)
    assert status == 200, body
    result = body["result"]
    assert result["caption"] == "the list"
    assert result["document"]["file_name"] == "list.csv"
    assert result["reply_markup"] == inline([("Open", "open")])


async def test_booleans_and_integers_arrive_as_strings(sandbox: BotApiSandbox, api: Api) -> None:
    user = sandbox.user(42)
    message = await api.ok("sendMessage", chat_id="42", text="press")
    await user.press_data("x", message_id=message["message_id"])
    update = (await api.ok("getUpdates"))[0]
    await api.ok(
        "answerCallbackQuery",
        callback_query_id=update["callback_query"]["id"],
        text="done",
        show_alert="true",
    )
    assert user.callback_answers[0].show_alert is True


async def test_messages_are_realistic(sandbox: BotApiSandbox, api: Api) -> None:
    sandbox.user(42, "Ann", last_name="Lee", username="ann")
    result = await api.ok("sendMessage", chat_id=42, text="hello")
    assert result == {
        "message_id": 1,
        "from": {
            "id": 123456789,
            "is_bot": True,
            "first_name": "Volbot Sandbox",
            "username": "volbot_sandbox_bot",
        },
        "chat": {
            "id": 42,
            "type": "private",
            "first_name": "Ann",
            "last_name": "Lee",
            "username": "ann",
        },
        "date": int(NOW.timestamp()),
        "text": "hello",
    }


async def test_every_call_is_logged(
    sandbox: BotApiSandbox, api: Api, monotonic: ManualMonotonic
) -> None:
    sandbox.user(42)
    await api.ok("sendMessage", chat_id=42, text="one")
    monotonic.advance(5)
    await api.error("sendMessage", chat_id=42, text="")
    first, second = sandbox.calls
    assert (first.method, first.chat_id, first.status, first.description) == (
        "sendMessage",
        42,
        200,
        None,
    )
    assert first.params == {"chat_id": "42", "text": "one"}
    assert second.status == 400 and second.description == "Bad Request: message text is empty"
    assert second.time - first.time == 5
    assert [m.text for m in sandbox.delivered()] == ["one"]


async def test_one_sandbox_on_two_addresses_logs_which_each_call_came_in_on(
    sandbox: BotApiSandbox, api: Api
) -> None:
    sandbox.user(42)
    second = Api(api.http, await sandbox.add_address(), api.token)
    assert second.base_url != api.base_url
    await api.ok("sendMessage", chat_id=42, text="one")
    await second.ok("sendMessage", chat_id=42, text="two")
    assert [(call.via, call.params["text"]) for call in sandbox.calls] == [
        (api.base_url, "one"),
        (second.base_url, "two"),
    ]
    assert [m.text for m in sandbox.delivered(42)] == ["one", "two"]  # one world behind both


async def test_another_address_is_loopback_only_and_needs_a_started_sandbox(
    sandbox: BotApiSandbox,
) -> None:
    with pytest.raises(ValueError, match="loopback"):
        await sandbox.add_address("0.0.0.0")
    with pytest.raises(RuntimeError, match="start"):
        await BotApiSandbox().add_address()


async def test_the_default_token_passes_both_libraries_checks() -> None:
    assert validate_token(DEFAULT_TOKEN)
    BotApiSandbox(token="42:" + "x" * 35)  # any digits:secret shape is accepted


async def test_get_chat_describes_a_known_chat(sandbox: BotApiSandbox, api: Api) -> None:
    sandbox.user(42, "Ann")
    sandbox.group(-100123, "Volunteers")
    assert (await api.ok("getChat", chat_id=42))["first_name"] == "Ann"
    group = await api.ok("getChat", chat_id=-100123)
    assert (group["type"], group["title"]) == ("supergroup", "Volunteers")
    assert await api.error("getChat", chat_id=7) == (400, "Bad Request: chat not found")


async def test_commands_are_kept_per_scope_and_language(api: Api) -> None:
    commands = [{"command": "start", "description": "Begin"}]
    assert await api.ok("setMyCommands", commands=commands) is True
    assert await api.ok("getMyCommands") == commands
    assert await api.ok("getMyCommands", language_code="en") == []
    chats = {"type": "all_private_chats"}
    await api.ok(
        "setMyCommands", commands=[{"command": "help", "description": "Help"}], scope=chats
    )
    assert (await api.ok("getMyCommands", scope=chats))[0]["command"] == "help"
    assert await api.ok("deleteMyCommands") is True
    assert await api.ok("getMyCommands") == []
    bad = [{"command": "Start Now", "description": "x"}]
    assert await api.error("setMyCommands", commands=bad) == (
        400,
        "Bad Request: BOT_COMMAND_INVALID",
    )


async def test_the_menu_a_user_sees_is_the_narrowest_scope_in_their_language(
    sandbox: BotApiSandbox, api: Api
) -> None:
    sandbox.user(42, language_code="en-GB")
    sandbox.user(43, language_code="zh-hans")
    everyone = [{"command": "help", "description": "Help"}]
    english = [{"command": "help", "description": "Help in English"}]
    own = [{"command": "manage", "description": "Manage"}]
    await api.ok("setMyCommands", commands=everyone)
    await api.ok("setMyCommands", commands=english, language_code="en")
    assert sandbox.menu(42) == english and sandbox.menu(43) == everyone
    await api.ok("setMyCommands", commands=own, scope={"type": "chat", "chat_id": 42})
    assert sandbox.menu(42) == own and sandbox.api.commands_in_chat(42) == own
    assert await api.ok("deleteMyCommands", scope={"type": "chat", "chat_id": 42}) is True
    assert sandbox.menu(42) == english and sandbox.api.commands_in_chat(42) is None
    assert await api.error("setMyCommands", commands=own, language_code="en-GB") == (
        400,
        "Bad Request: LANG_CODE_INVALID",
    )
    assert await api.error("setMyCommands", commands=own, scope={"type": "everyone"}) == (
        400,
        "Bad Request: BOT_COMMAND_SCOPE_INVALID",
    )


async def test_descriptions_are_kept_per_language_within_telegrams_limits(api: Api) -> None:
    assert await api.ok("setMyDescription", description="What I do") is True
    assert await api.ok("setMyDescription", description="我能做什么", language_code="zh") is True
    assert await api.ok("getMyDescription", language_code="zh") == {"description": "我能做什么"}
    assert await api.ok("getMyDescription") == {"description": "What I do"}
    assert await api.ok("getMyDescription", language_code="fr") == {"description": ""}
    assert await api.ok("setMyShortDescription", short_description="Sign up") is True
    assert await api.ok("getMyShortDescription") == {"short_description": "Sign up"}
    too_long = (400, "Bad Request: BOT_DESCRIPTION_INVALID")
    assert await api.error("setMyDescription", description="x" * 513) == too_long
    assert await api.error("setMyShortDescription", short_description="x" * 121) == too_long
    assert await api.ok("setMyDescription", description="x" * 512) is True
    assert await api.ok("setMyDescription", language_code="zh") is True  # empty: removed
    assert await api.ok("getMyDescription", language_code="zh") == {"description": ""}


async def test_chat_action_location_close_and_log_out(sandbox: BotApiSandbox, api: Api) -> None:
    user = sandbox.user(42)
    assert await api.ok("sendChatAction", chat_id=42, action="typing") is True
    assert await api.error("sendChatAction", chat_id=42, action="dancing") == (
        400,
        "Bad Request: wrong parameter action in request",
    )
    location = await api.ok("sendLocation", chat_id=42, latitude=24.48, longitude=118.09)
    assert location["location"] == {"latitude": 24.48, "longitude": 118.09}
    last = user.last_message()
    assert last is not None and last.location == (24.48, 118.09)
    assert await api.ok("close") is True
    assert await api.ok("logOut") is True


async def test_mini_app_buttons_and_the_menu_button_open_https_only(
    sandbox: BotApiSandbox, api: Api
) -> None:
    user = sandbox.user(42)
    app = {"url": "https://bot.example.org/app/"}
    markup = {"inline_keyboard": [[{"text": "Open", "web_app": app}]]}
    await api.ok("sendMessage", chat_id=42, text="Dashboard", reply_markup=markup)
    [button] = user.last_message().buttons[0]  # type: ignore[union-attr]
    assert (button.label, button.web_app, button.callback_data) == (
        "Open",
        "https://bot.example.org/app/",
        None,
    )
    with pytest.raises(ValueError, match=r"opens 'https://bot\.example\.org/app/'"):
        await user.press("Open")
    plain = {"inline_keyboard": [[{"text": "Open", "web_app": {"url": "http://127.0.0.1/app/"}}]]}
    invalid = (400, "Bad Request: BUTTON_URL_INVALID")
    assert await api.error("sendMessage", chat_id=42, text="x", reply_markup=plain) == invalid

    assert await api.ok("getChatMenuButton", chat_id=42) == {"type": "commands"}
    web_app = {"type": "web_app", "text": "Dashboard", "web_app": app}
    assert await api.ok("setChatMenuButton", menu_button=web_app) is True
    assert await api.ok("getChatMenuButton", chat_id=42) == web_app
    assert await api.ok("setChatMenuButton", chat_id=42, menu_button={"type": "commands"})
    assert sandbox.api.menu_button(42) == {"type": "commands"}
    assert sandbox.api.menu_button(43) == web_app
    for bad in (
        {"type": "web_app", "text": "Dashboard", "web_app": {"url": "http://x/app/"}},
        {"type": "web_app", "text": " ", "web_app": app},
        {"type": "everything"},
    ):
        assert (await api.error("setChatMenuButton", menu_button=bad))[0] == 400
