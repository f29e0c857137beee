"""Refusals: each check Telegram makes, answered 400 with Telegram's wording."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from sandbox import BotApiSandbox
from tests.sandbox.conftest import Api, inline

USER = 42


@pytest.fixture(autouse=True)
def _user(sandbox: BotApiSandbox) -> None:
    sandbox.user(USER)


def button(**fields: Any) -> dict[str, Any]:
    return {"inline_keyboard": [[fields]]}


REFUSED_SENDS: list[tuple[str, dict[str, Any], str]] = [
    ("unknown chat", {"chat_id": 999, "text": "hi"}, "Bad Request: chat not found"),
    ("a username", {"chat_id": "@someone", "text": "hi"}, "Bad Request: chat not found"),
    ("no chat", {"text": "hi"}, "Bad Request: chat_id is empty"),
    ("no text", {"chat_id": USER}, "Bad Request: message text is empty"),
    ("empty text", {"chat_id": USER, "text": ""}, "Bad Request: message text is empty"),
    ("blank text", {"chat_id": USER, "text": " \n "}, "Bad Request: message text is empty"),
    ("4097 characters", {"chat_id": USER, "text": "x" * 4097}, "Bad Request: message is too long"),
    (
        "65-byte callback_data",
        {"chat_id": USER, "text": "t", "reply_markup": button(text="A", callback_data="d" * 65)},
        "Bad Request: BUTTON_DATA_INVALID",
    ),
    (
        "22 CJK characters of callback_data (66 bytes)",
        {"chat_id": USER, "text": "t", "reply_markup": button(text="A", callback_data="志" * 22)},
        "Bad Request: BUTTON_DATA_INVALID",
    ),
    (
        "a text-only inline button",
        {"chat_id": USER, "text": "t", "reply_markup": button(text="A")},
        "Bad Request: can't parse inline keyboard button: "
        "Text buttons are unallowed in the inline keyboard",
    ),
    (
        "empty callback_data",
        {"chat_id": USER, "text": "t", "reply_markup": button(text="A", callback_data="")},
        "Bad Request: can't parse inline keyboard button: "
        "Text buttons are unallowed in the inline keyboard",
    ),
    (
        "an empty button label",
        {"chat_id": USER, "text": "t", "reply_markup": button(text="", callback_data="a")},
        "Bad Request: BUTTON_TEXT_INVALID",
    ),
    (
        "a button without a label",
        {"chat_id": USER, "text": "t", "reply_markup": button(callback_data="a")},
        "Bad Request: can't parse inline keyboard button: Can't find field \"text\"",
    ),
    (
        "a markup that is not an object",
        {"chat_id": USER, "text": "t", "reply_markup": "[1, 2]"},
        "Bad Request: can't parse reply keyboard markup JSON object",
    ),
]


@pytest.mark.parametrize(
    ("params", "description"),
    [case[1:] for case in REFUSED_SENDS],
    ids=[case[0] for case in REFUSED_SENDS],
)
async def test_send_message_refusals(
    sandbox: BotApiSandbox, api: Api, params: dict[str, Any], description: str
) -> None:
    assert await api.error("sendMessage", **params) == (400, description)
    assert sandbox.delivered() == []


async def test_the_limits_themselves_are_allowed(api: Api) -> None:
    await api.ok("sendMessage", chat_id=USER, text="x" * 4096)
    # Telegram counts characters, not UTF-16 units: 4096 emoji are 8192 units and still fit.
    await api.ok("sendMessage", chat_id=USER, text="😀" * 4096)
    markup = button(text="A", callback_data="志" * 21 + "d")  # 64 bytes
    await api.ok("sendMessage", chat_id=USER, text="t", reply_markup=markup)
    url_button = button(text="Site", url="https://example.org")
    await api.ok("sendMessage", chat_id=USER, text="t", reply_markup=url_button)


async def test_an_inline_keyboard_over_100_buttons_is_refused(api: Api) -> None:
    def keyboard(count: int) -> dict[str, object]:
        return {
            "inline_keyboard": [[{"text": str(i), "callback_data": str(i)}] for i in range(count)]
        }

    await api.ok("sendMessage", chat_id=USER, text="t", reply_markup=keyboard(100))
    assert await api.error("sendMessage", chat_id=USER, text="t", reply_markup=keyboard(101)) == (
        400,
        "Bad Request: reply markup is too long",
    )


async def test_a_caption_over_1024_characters_is_refused(api: Api) -> None:
    stored = await api.ok(
        "sendDocument", chat_id=USER, document=await _uploaded_file_id(api), caption="c" * 1024
    )
    assert stored["caption"] == "c" * 1024
    assert await api.error(
        "sendDocument", chat_id=USER, document=stored["document"]["file_id"], caption="c" * 1025
    ) == (400, "Bad Request: message caption is too long")


async def _uploaded_file_id(api: Api) -> str:
    form = aiohttp.FormData()
    form.add_field("chat_id", str(USER))
    form.add_field("document", b"data", filename="a.txt")
    status, body = await api.call_form("sendDocument", form)
    assert status == 200, body
    return str(body["result"]["document"]["file_id"])


async def test_edits(sandbox: BotApiSandbox, api: Api) -> None:
    user = sandbox.user(USER)
    sent = await api.ok("sendMessage", chat_id=USER, text="one", reply_markup=inline([("A", "a")]))
    message_id = sent["message_id"]

    assert await api.error("editMessageText", chat_id=USER, message_id=999, text="x") == (
        400,
        "Bad Request: message to edit not found",
    )
    same = {"chat_id": USER, "message_id": message_id, "text": "one"}
    assert await api.error("editMessageText", **same, reply_markup=inline([("A", "a")])) == (
        400,
        "Bad Request: message is not modified: specified new message content and reply markup "
        "are exactly the same as a current content and reply markup of the message",
    )
    assert await api.error("editMessageText", **same | {"text": ""}) == (
        400,
        "Bad Request: message text is empty",
    )

    # The same text without the keyboard is a change: it removes the keyboard.
    edited = await api.ok("editMessageText", **same)
    assert "reply_markup" not in edited and edited["edit_date"] > 0
    edited = await api.ok(
        "editMessageReplyMarkup",
        chat_id=USER,
        message_id=message_id,
        reply_markup=inline([("B", "b")]),
    )
    assert edited["reply_markup"] == inline([("B", "b")])
    assert await api.error(
        "editMessageReplyMarkup",
        chat_id=USER,
        message_id=message_id,
        reply_markup=inline([("B", "b")]),
    ) == (
        400,
        "Bad Request: message is not modified: specified new message content and reply "
        "markup are exactly the same as a current content and reply markup of the message",
    )
    reply_keyboard = {"keyboard": [["Yes"]]}
    assert await api.error(
        "editMessageText", **same | {"text": "two"}, reply_markup=reply_keyboard
    ) == (400, "Bad Request: inline keyboard expected")

    (message,) = user.messages()
    assert (message.text, message.button_labels(), message.edit_count) == ("one", ["B"], 2)


async def test_a_user_message_cannot_be_edited(sandbox: BotApiSandbox, api: Api) -> None:
    await sandbox.user(USER).send("mine")
    assert await api.error("editMessageText", chat_id=USER, message_id=1, text="x") == (
        400,
        "Bad Request: message can't be edited",
    )


async def test_deletes(sandbox: BotApiSandbox, api: Api) -> None:
    user = sandbox.user(USER)
    await user.send("a message the bot may delete")
    sent = await api.ok("sendMessage", chat_id=USER, text="bye")
    assert await api.ok("deleteMessage", chat_id=USER, message_id=sent["message_id"]) is True
    assert user.messages() == []
    assert sandbox.delivered()[0].deleted
    not_found = (400, "Bad Request: message to delete not found")
    assert (
        await api.error("deleteMessage", chat_id=USER, message_id=sent["message_id"]) == not_found
    )
    assert await api.error("deleteMessage", chat_id=USER, message_id=77) == not_found
    assert await api.ok("deleteMessage", chat_id=USER, message_id=1) is True


async def test_callback_answers(sandbox: BotApiSandbox, api: Api) -> None:
    user = sandbox.user(USER)
    await api.ok("sendMessage", chat_id=USER, text="t", reply_markup=inline([("A", "a")]))
    await user.press("A")
    query_id = (await api.ok("getUpdates"))[0]["callback_query"]["id"]
    invalid = (
        400,
        "Bad Request: query is too old and response timeout expired or query ID is invalid",
    )

    assert await api.error("answerCallbackQuery", callback_query_id="123") == invalid
    assert await api.error("answerCallbackQuery", callback_query_id=query_id, text="x" * 201) == (
        400,
        "Bad Request: MESSAGE_TOO_LONG",
    )
    # The refused answer did not use the query up.
    assert await api.ok("answerCallbackQuery", callback_query_id=query_id, text="x" * 200)
    assert await api.error("answerCallbackQuery", callback_query_id=query_id) == invalid
    assert [answer.text for answer in user.callback_answers] == ["x" * 200]


async def test_files_must_exist(api: Api) -> None:
    assert await api.error("sendDocument", chat_id=USER) == (
        400,
        "Bad Request: there is no document in the request",
    )
    assert await api.error("sendDocument", chat_id=USER, document="nope") == (
        400,
        "Bad Request: wrong file identifier/HTTP URL specified",
    )
    assert await api.error("sendPhoto", chat_id=USER, photo="https://example.org/a.jpg") == (
        400,
        "Bad Request: failed to get HTTP URL content",
    )
    assert await api.error("getFile", file_id="nope") == (400, "Bad Request: invalid file_id")
    document_id = await _uploaded_file_id(api)
    assert await api.error("sendPhoto", chat_id=USER, photo=document_id) == (
        400,
        "Bad Request: can't use file of type Document as Photo",
    )


async def test_groups_exist_once_created(sandbox: BotApiSandbox, api: Api) -> None:
    assert await api.error("sendMessage", chat_id=-100555, text="hi") == (
        400,
        "Bad Request: chat not found",
    )
    group = sandbox.group(-100555, "Team")
    await api.ok("sendMessage", chat_id=-100555, text="hi all")
    assert [m.text for m in group.messages()] == ["hi all"]
