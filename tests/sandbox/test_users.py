"""The people's side: each act's Update, and what a user sees of the bot's messages."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from sandbox import BotApiSandbox, ReplyButton
from tests.sandbox.conftest import NOW, Api, inline

WAIT_S = 10


async def updates(api: Api) -> list[dict[str, Any]]:
    """Every pending update, confirming them."""
    batch: list[dict[str, Any]] = await api.ok("getUpdates")
    if batch:
        await api.ok("getUpdates", offset=batch[-1]["update_id"] + 1, timeout=0)
    return batch


async def test_users_are_created_once(sandbox: BotApiSandbox) -> None:
    first = sandbox.user(42, "Ann", username="ann")
    again = sandbox.user(42, "Someone else", phone_number="+8613800138000")
    assert again.first_name == "Ann" and first.phone_number == "+8613800138000"
    with pytest.raises(ValueError):
        sandbox.user(-5)


async def test_a_text_message(sandbox: BotApiSandbox, api: Api) -> None:
    user = sandbox.user(42, "Ann", language_code="en")
    await user.send("hello")
    (update,) = await updates(api)
    assert update == {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "from": {"id": 42, "is_bot": False, "first_name": "Ann", "language_code": "en"},
            "chat": {"id": 42, "type": "private", "first_name": "Ann"},
            "date": int(NOW.timestamp()),
            "text": "hello",
        },
    }


@pytest.mark.parametrize(
    ("text", "length"),
    [("/start", 6), ("/start@volbot_sandbox_bot", 25), ("/help me", 5), ("hi /start", None)],
)
async def test_commands_get_their_entity(
    sandbox: BotApiSandbox, api: Api, text: str, length: int | None
) -> None:
    await sandbox.user(42).send(text)
    message = (await updates(api))[0]["message"]
    if length is None:
        assert "entities" not in message
    else:
        assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": length}]


async def test_pressing_an_inline_button(sandbox: BotApiSandbox, api: Api) -> None:
    user = sandbox.user(42, "Ann")
    keyboard = inline([("Yes", "answer|yes"), ("No", "answer|no")])
    sent = await api.ok("sendMessage", chat_id=42, text="Sure?", reply_markup=keyboard)
    update_id = await user.press("No")
    (update,) = await updates(api)
    query = update["callback_query"]
    assert update["update_id"] == update_id
    assert query["data"] == "answer|no"
    assert query["from"]["id"] == 42 and query["chat_instance"]
    assert query["message"] == sent
    assert isinstance(query["id"], str)


async def test_press_finds_the_newest_message_with_the_label(
    sandbox: BotApiSandbox, api: Api
) -> None:
    user = sandbox.user(42)
    old = await api.ok("sendMessage", chat_id=42, text="old", reply_markup=inline([("Go", "old")]))
    await api.ok("sendMessage", chat_id=42, text="new", reply_markup=inline([("Go", "new")]))
    await api.ok("sendMessage", chat_id=42, text="plain")
    await user.press("Go")
    await user.press("Go", message_id=old["message_id"])
    assert [u["callback_query"]["data"] for u in await updates(api)] == ["new", "old"]


async def test_press_explains_what_is_there(sandbox: BotApiSandbox, api: Api) -> None:
    user = sandbox.user(42)
    await api.ok(
        "sendMessage", chat_id=42, text="pick", reply_markup=inline([("A", "a"), ("B", "b")])
    )
    with pytest.raises(LookupError, match=r"'C'.*\['A', 'B'\]"):
        await user.press("C")
    with pytest.raises(LookupError, match="no bot message 99"):
        await user.press("A", message_id=99)
    site = {"inline_keyboard": [[{"text": "Site", "url": "https://example.org"}]]}
    await api.ok("sendMessage", chat_id=42, text="visit", reply_markup=site)
    with pytest.raises(ValueError, match="opens"):
        await user.press("Site")


async def test_a_stale_button_can_still_be_pressed_by_message_id(
    sandbox: BotApiSandbox, api: Api
) -> None:
    user = sandbox.user(42)
    sent = await api.ok(
        "sendMessage", chat_id=42, text="lang?", reply_markup=inline([("EN", "en")])
    )
    await api.ok("editMessageText", chat_id=42, message_id=sent["message_id"], text="English")
    with pytest.raises(LookupError):
        await user.press("EN")  # not on screen any more
    await user.press("EN", message_id=sent["message_id"])  # an app that has not refreshed
    query = (await updates(api))[0]["callback_query"]
    assert query["data"] == "en" and query["message"]["text"] == "English"


async def test_forged_button_data(sandbox: BotApiSandbox, api: Api) -> None:
    user = sandbox.user(42)
    sent = await api.ok("sendMessage", chat_id=42, text="x", reply_markup=inline([("A", "a")]))
    await user.press_data("admin|delete_all", message_id=sent["message_id"])
    assert (await updates(api))[0]["callback_query"]["data"] == "admin|delete_all"
    with pytest.raises(LookupError):
        await user.press_data("x", message_id=999)


async def test_callback_answers_are_recorded(sandbox: BotApiSandbox, api: Api) -> None:
    user = sandbox.user(42)
    await api.ok("sendMessage", chat_id=42, text="x", reply_markup=inline([("A", "a")]))
    await user.press("A")
    query_id = (await updates(api))[0]["callback_query"]["id"]
    await api.ok("answerCallbackQuery", callback_query_id=query_id, text="No!", show_alert=True)
    (answer,) = user.callback_answers
    assert (answer.query_id, answer.text, answer.show_alert) == (query_id, "No!", True)


REPLY_KEYBOARD = {
    "keyboard": [
        [{"text": "📱 Share my number", "request_contact": True}],
        [{"text": "📍 Where I am", "request_location": True}],
        ["Skip"],
    ],
    "resize_keyboard": True,
    "one_time_keyboard": True,
}


async def test_tapping_reply_keyboard_buttons(sandbox: BotApiSandbox, api: Api) -> None:
    user = sandbox.user(42, "Ann", phone_number="+8613800138000")
    assert user.reply_keyboard is None
    with pytest.raises(LookupError):
        await user.tap("Skip")
    await api.ok("sendMessage", chat_id=42, text="Phone?", reply_markup=REPLY_KEYBOARD)
    assert user.reply_keyboard == [
        [ReplyButton("📱 Share my number", request_contact=True)],
        [ReplyButton("📍 Where I am", request_location=True)],
        [ReplyButton("Skip")],
    ]
    # Reply keyboards are not inline buttons: the message itself shows none.
    last = user.last_message()
    assert last is not None and last.buttons == []

    await user.tap("📱 Share my number")
    contact = (await updates(api))[0]["message"]["contact"]
    assert contact == {"phone_number": "+8613800138000", "first_name": "Ann", "user_id": 42}
    assert user.reply_keyboard is None  # a one-time keyboard hides once used

    await api.ok("sendMessage", chat_id=42, text="Where?", reply_markup=REPLY_KEYBOARD)
    with pytest.raises(ValueError, match="location="):
        await user.tap("📍 Where I am")
    await user.tap("📍 Where I am", location=(24.48, 118.09))
    await api.ok("sendMessage", chat_id=42, text="Or skip", reply_markup=REPLY_KEYBOARD)
    with pytest.raises(LookupError, match="Skip"):
        await user.tap("Nope")
    await user.tap("Skip")
    messages = [u["message"] for u in await updates(api)]
    assert messages[0]["location"] == {"latitude": 24.48, "longitude": 118.09}
    assert messages[1]["text"] == "Skip"

    await api.ok("sendMessage", chat_id=42, text="Thanks", reply_markup={"remove_keyboard": True})
    assert user.reply_keyboard is None


async def test_a_static_a_live_and_a_forwarded_location(sandbox: BotApiSandbox, api: Api) -> None:
    user = sandbox.user(42, "Ann")
    await user.share_location(24.48, 118.09)
    await user.share_location(24.48, 118.09, live_period=900)
    await user.share_location(24.48, 118.09, forwarded=True)
    with pytest.raises(ValueError, match="live_period"):
        await user.share_location(24.48, 118.09, live_period=30)
    static, live, forwarded = [u["message"] for u in await updates(api)]
    assert static["location"] == {"latitude": 24.48, "longitude": 118.09}
    assert "forward_origin" not in static
    assert live["location"]["live_period"] == 900
    assert forwarded["forward_origin"]["type"] == "hidden_user"
    assert "live_period" not in forwarded["location"]


async def test_a_contact_button_needs_a_phone(sandbox: BotApiSandbox, api: Api) -> None:
    user = sandbox.user(42)
    await api.ok("sendMessage", chat_id=42, text="Phone?", reply_markup=REPLY_KEYBOARD)
    with pytest.raises(ValueError, match="phone_number"):
        await user.tap("📱 Share my number")


async def test_sharing_someone_elses_contact(sandbox: BotApiSandbox, api: Api) -> None:
    user = sandbox.user(42, "Ann")
    await user.share_contact("+8613900139000", user_id=7, first_name="Bo")
    await user.share_contact("+8613700137000", user_id=None)
    await user.share_contact("+8613600136000", user_id=42)
    contacts = [u["message"]["contact"] for u in await updates(api)]
    assert contacts == [
        {"phone_number": "+8613900139000", "first_name": "Bo", "user_id": 7},
        {"phone_number": "+8613700137000", "first_name": "Contact"},
        {"phone_number": "+8613600136000", "first_name": "Ann", "user_id": 42},
    ]


async def test_a_sticker_only_message(sandbox: BotApiSandbox, api: Api) -> None:
    await sandbox.user(42).send_sticker()
    message = (await updates(api))[0]["message"]
    assert "text" not in message
    assert message["sticker"]["type"] == "regular" and message["sticker"]["file_id"]


async def test_messages_show_the_current_state(sandbox: BotApiSandbox, api: Api) -> None:
    user = sandbox.user(42)
    assert user.last_message() is None
    one = await api.ok("sendMessage", chat_id=42, text="one", reply_markup=inline([("A", "a")]))
    two = await api.ok("sendMessage", chat_id=42, text="two")
    await api.ok("editMessageText", chat_id=42, message_id=one["message_id"], text="one!")
    await api.ok("deleteMessage", chat_id=42, message_id=two["message_id"])
    (message,) = user.messages()
    assert (message.text, message.buttons, message.edit_count, message.date) == ("one!", [], 1, NOW)
    assert [m.deleted for m in sandbox.delivered(42)] == [False, True]


async def test_waiting_for_the_bots_next_message(sandbox: BotApiSandbox, api: Api) -> None:
    user = sandbox.user(42)
    await user.send("hi")  # message 1
    waiting = asyncio.create_task(sandbox.wait_for_message(42, after_message_id=1, timeout=WAIT_S))
    sent = await api.ok("sendMessage", chat_id=42, text="hello", reply_markup=inline([("A", "a")]))
    assert (await waiting).text == "hello"

    # An edit made after a later message counts as news, too.
    update_id = await user.press("A")
    assert update_id == 2
    await user.send("and?")  # message 3
    edit = asyncio.create_task(user.wait_for_message(after_message_id=3, timeout=WAIT_S))
    await api.ok("editMessageText", chat_id=42, message_id=sent["message_id"], text="pressed")
    edited = await edit
    assert (edited.message_id, edited.text, edited.edit_count) == (2, "pressed", 1)


async def test_waiting_times_out_with_the_chat_in_the_message(
    sandbox: BotApiSandbox, api: Api
) -> None:
    sandbox.user(42)
    await api.ok("sendMessage", chat_id=42, text="the only one")
    with pytest.raises(TimeoutError, match="the only one"):
        await sandbox.wait_for_message(42, after_message_id=1, timeout=0.05)


async def test_group_members_write_in_the_group(sandbox: BotApiSandbox, api: Api) -> None:
    group = sandbox.group(-100200, "Haicang volunteers")
    ann = sandbox.user(42, "Ann")
    await group.send(ann, "/roster@volbot_sandbox_bot")
    message = (await updates(api))[0]["message"]
    assert message["chat"] == {"id": -100200, "type": "supergroup", "title": "Haicang volunteers"}
    assert message["from"]["id"] == 42
    assert message["entities"][0]["length"] == len("/roster@volbot_sandbox_bot")
    await api.ok("sendMessage", chat_id=-100200, text="roster")
    assert group.last_message() is not None and ann.last_message() is None
    with pytest.raises(ValueError):
        sandbox.group(5, "not a group id")
