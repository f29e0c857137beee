"""reply_markup: validated the way Telegram validates it, and turned into buttons.

https://core.telegram.org/bots/api#inlinekeyboardmarkup and #replykeyboardmarkup. An inline
button must carry exactly one action; callback_data is 1-64 bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sandbox.errors import (
    BUTTON_DATA_INVALID,
    BUTTON_TEXT_INVALID,
    BUTTON_TEXT_MISSING,
    MARKUP_UNPARSABLE,
    TEXT_BUTTONS_UNALLOWED,
    bad_request,
)
from sandbox.records import Button, ReplyButton

CALLBACK_DATA_MAX_BYTES = 64  # https://core.telegram.org/bots/api#inlinekeyboardbutton
# https://core.telegram.org/bots/api#inlinekeyboardbutton: "Exactly one of the optional fields
# must be used to specify type of the button."
INLINE_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
INLINE_ROWS_INVALID = (
    'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
)
INLINE_BUTTON_NOT_OBJECT = (
    "Bad Request: can't parse inline keyboard button: InlineKeyboardButton should be an Object"
)
# Telegram's wording for a button with two actions is unconfirmed; this one says what is wrong.
INLINE_BUTTON_TWO_ACTIONS = (
    "Bad Request: can't parse inline keyboard button: exactly one of the optional fields "
    "must be used"
)
BUTTON_URL_INVALID = "Bad Request: BUTTON_URL_INVALID"
KEYBOARD_ROWS_INVALID = (
    'Bad Request: field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays'
)
KEYBOARD_BUTTON_TEXT_MISSING = "Bad Request: can't parse keyboard button: Can't find field \"text\""
INLINE_KEYBOARD_EXPECTED = "Bad Request: inline keyboard expected"
# Undocumented in the Bot API; reported by bot authors against the live API (python-telegram-bot
# #5104, pyTelegramBotAPI #511, tginfo/Telegram-Limits #228): at most 100 inline buttons, past
# which a send or edit is refused with this.
INLINE_KEYBOARD_BUTTONS_MAX = 100
REPLY_MARKUP_TOO_LONG = "Bad Request: reply markup is too long"


@dataclass(frozen=True)
class Markup:
    """A parsed reply_markup. `raw` is what the bot sent, normalised (no null fields)."""

    raw: dict[str, Any] | None = None
    inline: list[list[Button]] = field(default_factory=list)
    keyboard: list[list[ReplyButton]] | None = None  # a reply keyboard to show
    one_time: bool = False
    remove_keyboard: bool = False

    @property
    def is_inline(self) -> bool:
        return self.raw is not None and "inline_keyboard" in self.raw


def parse_markup(value: Any) -> Markup:
    if value is None:
        return Markup()
    if not isinstance(value, dict):
        raise bad_request(MARKUP_UNPARSABLE)
    if "inline_keyboard" in value:
        rows, buttons = _inline_keyboard(value["inline_keyboard"])
        return Markup(raw={"inline_keyboard": rows}, inline=buttons)
    if "keyboard" in value:
        keyboard = _reply_keyboard(value["keyboard"])
        return Markup(
            raw=_without_nulls(value),
            keyboard=keyboard,
            one_time=_truthy(value, "one_time_keyboard"),
        )
    if _truthy(value, "remove_keyboard"):
        return Markup(raw=_without_nulls(value), remove_keyboard=True)
    if _truthy(value, "force_reply"):
        return Markup(raw=_without_nulls(value))
    raise bad_request(MARKUP_UNPARSABLE)


def parse_inline_only(value: Any) -> Markup:
    """Edits take only an inline keyboard."""
    markup = parse_markup(value)
    if markup.raw is not None and not markup.is_inline:
        raise bad_request(INLINE_KEYBOARD_EXPECTED)
    return markup


def _inline_keyboard(value: Any) -> tuple[list[list[dict[str, Any]]], list[list[Button]]]:
    if not isinstance(value, list) or not all(isinstance(row, list) for row in value):
        raise bad_request(INLINE_ROWS_INVALID)
    raw_rows: list[list[dict[str, Any]]] = []
    rows: list[list[Button]] = []
    for row in value:
        raw_row: list[dict[str, Any]] = []
        buttons: list[Button] = []
        for item in row:
            raw_button, button = _inline_button(item)
            raw_row.append(raw_button)
            buttons.append(button)
        raw_rows.append(raw_row)
        rows.append(buttons)
    if sum(len(row) for row in rows) > INLINE_KEYBOARD_BUTTONS_MAX:
        raise bad_request(REPLY_MARKUP_TOO_LONG)
    return raw_rows, rows


def _inline_button(item: Any) -> tuple[dict[str, Any], Button]:
    if not isinstance(item, dict):
        raise bad_request(INLINE_BUTTON_NOT_OBJECT)
    raw = _without_nulls(item)
    if "text" not in raw:
        raise bad_request(BUTTON_TEXT_MISSING)
    text = str(raw["text"])
    if not text.strip():
        raise bad_request(BUTTON_TEXT_INVALID)
    callback_data = raw.get("callback_data")
    if callback_data == "":
        # Telegram treats an empty callback_data as absent, leaving a bare text button.
        del raw["callback_data"]
        callback_data = None
    actions = [name for name in INLINE_ACTIONS if name in raw]
    if not actions:
        raise bad_request(TEXT_BUTTONS_UNALLOWED)
    if len(actions) > 1:
        raise bad_request(INLINE_BUTTON_TWO_ACTIONS)
    if callback_data is not None:
        callback_data = str(callback_data)
        if len(callback_data.encode("utf-8")) > CALLBACK_DATA_MAX_BYTES:
            raise bad_request(BUTTON_DATA_INVALID)
    url = raw.get("url")
    if url is not None and not str(url).strip():
        raise bad_request(BUTTON_URL_INVALID)
    button = Button(
        label=text,
        callback_data=callback_data,
        url=str(url) if url is not None else None,
        web_app=web_app_url(raw["web_app"]) if "web_app" in raw else None,
    )
    return raw, button


def web_app_url(value: Any) -> str:
    """A WebAppInfo's address: Telegram opens only https Mini Apps
    (https://core.telegram.org/bots/api#webappinfo "An HTTPS URL of a Web App")."""
    url = value.get("url") if isinstance(value, dict) else None
    if not isinstance(url, str) or not url.startswith("https://") or len(url) <= len("https://"):
        raise bad_request(BUTTON_URL_INVALID)
    return url


def _reply_keyboard(value: Any) -> list[list[ReplyButton]]:
    if not isinstance(value, list) or not all(isinstance(row, list) for row in value):
        raise bad_request(KEYBOARD_ROWS_INVALID)
    return [[_reply_button(item) for item in row] for row in value]


def _reply_button(item: Any) -> ReplyButton:
    # A reply keyboard button may be a bare string: its text.
    # https://core.telegram.org/bots/api#replykeyboardmarkup
    if isinstance(item, str):
        return ReplyButton(label=item)
    if not isinstance(item, dict) or "text" not in item:
        raise bad_request(KEYBOARD_BUTTON_TEXT_MISSING)
    return ReplyButton(
        label=str(item["text"]),
        request_contact=_truthy(item, "request_contact"),
        request_location=_truthy(item, "request_location"),
    )


def _truthy(value: dict[str, Any], key: str) -> bool:
    flag = value.get(key)
    if isinstance(flag, str):
        return flag.lower() == "true"
    return bool(flag)


def _without_nulls(value: dict[str, Any]) -> dict[str, Any]:
    return {key: item for key, item in value.items() if item is not None}
