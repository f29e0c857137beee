"""The Bot API methods the sandbox implements, each checked the way Telegram checks it.

Limits cited here come from https://core.telegram.org/bots/api (the method's own section) unless
a comment says otherwise. Every handler takes the request's `Params` and returns the `result`
of Telegram's envelope, or raises `ApiError`.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from sandbox import errors
from sandbox.errors import ApiError, bad_request
from sandbox.limits import RateLimiter
from sandbox.markup import Markup, parse_inline_only, parse_markup, web_app_url
from sandbox.params import Params, UploadedPart
from sandbox.records import CallbackAnswer, SentMessage
from sandbox.webhook import DEFAULT_MAX_CONNECTIONS, Webhook, WebhookConfig, is_local_url
from sandbox.world import (
    DEFAULT_ACCENT_COLOR_ID,
    DEFAULT_MAX_REACTION_COUNT,
    ChatRecord,
    FileKind,
    StoredFile,
    World,
)

# Texts are measured in characters (code points), not UTF-16 units: live probes show Telegram
# accepts 4096 astral characters (8192 UTF-16 units) and refuses 4097.
MESSAGE_TEXT_MAX = 4096  # https://core.telegram.org/bots/api#sendmessage
CAPTION_MAX = 1024  # https://core.telegram.org/bots/api#senddocument
CALLBACK_ANSWER_TEXT_MAX = 200  # https://core.telegram.org/bots/api#answercallbackquery
GET_UPDATES_LIMIT_MAX = 100  # https://core.telegram.org/bots/api#getupdates
DOWNLOAD_MAX_BYTES = 20 * 1024 * 1024  # https://core.telegram.org/bots/api#getfile
DOCUMENT_UPLOAD_MAX_BYTES = 50 * 1024 * 1024  # https://core.telegram.org/bots/api#sending-files
PHOTO_UPLOAD_MAX_BYTES = 10 * 1024 * 1024  # https://core.telegram.org/bots/api#sendphoto
DELETE_WINDOW = timedelta(hours=48)  # https://core.telegram.org/bots/api#deletemessage
COMMANDS_MAX = 100  # https://core.telegram.org/bots/api#setmycommands
COMMAND_PATTERN = re.compile(r"[a-z0-9_]{1,32}")  # https://core.telegram.org/bots/api#botcommand
COMMAND_DESCRIPTION_MAX = 256
DESCRIPTION_MAX = 512  # https://core.telegram.org/bots/api#setmydescription
SHORT_DESCRIPTION_MAX = 120  # https://core.telegram.org/bots/api#setmyshortdescription
# "A two-letter ISO 639-1 language code" (empty: for users with no dedicated commands/texts).
LANGUAGE_CODE = re.compile(r"[a-z]{2}")
# https://core.telegram.org/bots/api#botcommandscope: the scopes' types and who reads each.
SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
SECRET_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")  # #setwebhook
MAX_CONNECTIONS_RANGE = range(1, 101)  # #setwebhook: 1-100
# https://core.telegram.org/bots/api#sendchataction
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


@dataclass(frozen=True)
class Described:
    """A result Telegram sends with a `description` beside it (setWebhook, deleteWebhook)."""

    result: Any
    description: str


Handler = Callable[["BotApi", Params], Awaitable[Any]]


@dataclass(frozen=True)
class Method:
    name: str  # as Telegram spells it
    handler: Handler


class BotApi:
    """The bot's side of the sandbox."""

    def __init__(self, world: World, limiter: RateLimiter, webhook: Webhook) -> None:
        self.world = world
        self.limiter = limiter
        self.webhook = webhook
        # By (scope as canonical JSON, language code or ""), as set.
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        # By language code ("": the one for users with no dedicated one).
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        # setChatMenuButton: by private chat id (None: the default for every private chat).
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}

    # --- shared checks ----------------------------------------------------------------

    def _chat(self, params: Params) -> ChatRecord:
        if "chat_id" not in params:
            raise bad_request(errors.CHAT_ID_EMPTY)
        try:
            chat_id = params.integer("chat_id")
        except ApiError:
            # "@channelusername" and other strings: the sandbox knows no public usernames.
            raise bad_request(errors.CHAT_NOT_FOUND) from None
        assert chat_id is not None
        return self.world.chat(chat_id)

    def _check_not_blocked(self, chat: ChatRecord) -> None:
        if chat.user is not None and chat.user.blocked:
            raise ApiError(403, errors.BLOCKED)

    def _admit(self, chat: ChatRecord, params: Params) -> None:
        """The last check before a send: blocked users, then flood control."""
        self._check_not_blocked(chat)
        retry_after = self.limiter.acquire(
            chat.id, is_group=chat.is_group, paid_broadcast=params.flag("allow_paid_broadcast")
        )
        if retry_after is not None:
            raise errors.rate_limited(retry_after)

    @staticmethod
    def _message_text(params: Params) -> str:
        text = params.text("text")
        if text is None or not text.strip():
            raise bad_request(errors.TEXT_EMPTY)
        if len(text) > MESSAGE_TEXT_MAX:
            raise bad_request(errors.TEXT_TOO_LONG)
        return text

    @staticmethod
    def _caption(params: Params) -> str | None:
        caption = params.text("caption")
        if caption is not None and len(caption) > CAPTION_MAX:
            raise bad_request(errors.CAPTION_TOO_LONG)
        return caption or None

    def _message_id(self, params: Params) -> int:
        message_id = params.integer("message_id")
        if message_id is None:
            raise bad_request(errors.MESSAGE_ID_MISSING)
        return message_id

    async def _deliver(self, chat: ChatRecord, message: SentMessage, markup: Markup) -> Any:
        if markup.keyboard is not None:
            self.world.set_reply_keyboard(chat, markup.keyboard, one_time=markup.one_time)
        elif markup.remove_keyboard:
            self.world.set_reply_keyboard(chat, None, one_time=False)
        await self.world.add_bot_message(message)
        return self.world.bot_message_json(message)

    def _new_message(self, chat: ChatRecord, markup: Markup, **fields: Any) -> SentMessage:
        return SentMessage(
            message_id=self.world.new_message_id(chat),
            chat_id=chat.id,
            date=self.world.now(),
            buttons=markup.inline,
            reply_markup=markup.raw,
            **fields,
        )

    # --- identity and updates ---------------------------------------------------------

    async def get_me(self, params: Params) -> Any:
        return {
            **self.world.bot_json(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def get_updates(self, params: Params) -> Any:
        if self.webhook.active:
            raise ApiError(409, errors.WEBHOOK_ACTIVE)
        offset = params.integer("offset") or 0
        limit = min(max(params.integer("limit") or GET_UPDATES_LIMIT_MAX, 1), GET_UPDATES_LIMIT_MAX)
        timeout = max(params.number("timeout") or 0.0, 0.0)
        if "allowed_updates" in params:
            self.world.set_allowed_updates(_string_list(params.obj("allowed_updates")))
        if offset:
            self.world.confirm(offset)
        world = self.world
        condition = world.updates_changed
        async with condition:
            # A new getUpdates ends any other that is still waiting, as on Telegram.
            world.poll_generation += 1
            generation = world.poll_generation
            condition.notify_all()
            if timeout > 0 and not world.available(limit):

                def answerable() -> bool:
                    return (
                        bool(world.available(limit))
                        or world.closing
                        or world.poll_generation != generation
                        or self.webhook.active
                    )

                world.waiting_polls += 1
                condition.notify_all()  # for wait_for_poll()
                try:
                    await _wait(condition, answerable, timeout)
                finally:
                    world.waiting_polls -= 1
            if world.poll_generation != generation:
                raise ApiError(409, errors.OTHER_GET_UPDATES)
            if self.webhook.active:
                raise ApiError(409, errors.WEBHOOK_ACTIVE)
            return world.available(limit)

    async def set_webhook(self, params: Params) -> Any:
        url = params.text("url") or ""
        if not url:
            return await self.delete_webhook(params)
        if not is_local_url(url):
            raise bad_request(errors.WEBHOOK_URL_INVALID)
        secret = params.text("secret_token")
        if secret is not None and not SECRET_TOKEN_PATTERN.fullmatch(secret):
            raise bad_request(errors.SECRET_TOKEN_INVALID)
        max_connections = params.integer("max_connections") or DEFAULT_MAX_CONNECTIONS
        if max_connections not in MAX_CONNECTIONS_RANGE:
            raise bad_request(errors.invalid_parameter("max_connections"))
        allowed = None
        if "allowed_updates" in params:
            allowed = _string_list(params.obj("allowed_updates"))
            self.world.set_allowed_updates(allowed)
        if params.flag("drop_pending_updates"):
            self.world.drop_pending()
        await self.webhook.set(
            WebhookConfig(
                url=url,
                secret_token=secret,
                max_connections=max_connections,
                allowed_updates=allowed,
            )
        )
        await self.world.wake_all()  # a waiting getUpdates must now answer 409
        return Described(True, "Webhook was set")

    async def delete_webhook(self, params: Params) -> Any:
        was_set = self.webhook.active
        await self.webhook.delete()
        if params.flag("drop_pending_updates"):
            self.world.drop_pending()
        return Described(True, "Webhook was deleted" if was_set else "Webhook is already deleted")

    async def get_webhook_info(self, params: Params) -> Any:
        return self.webhook.info()

    # --- sending ----------------------------------------------------------------------

    async def send_message(self, params: Params) -> Any:
        chat = self._chat(params)
        text = self._message_text(params)
        markup = parse_markup(params.obj("reply_markup"))
        self._admit(chat, params)
        return await self._deliver(chat, self._new_message(chat, markup, text=text), markup)

    async def send_document(self, params: Params) -> Any:
        return await self._send_file(params, "document", DOCUMENT_UPLOAD_MAX_BYTES)

    async def send_photo(self, params: Params) -> Any:
        return await self._send_file(params, "photo", PHOTO_UPLOAD_MAX_BYTES)

    async def _send_file(self, params: Params, kind: FileKind, max_bytes: int) -> Any:
        chat = self._chat(params)
        stored = self._file_to_send(params, kind, max_bytes)
        caption = self._caption(params)
        markup = parse_markup(params.obj("reply_markup"))
        self._admit(chat, params)
        if kind == "document":
            fields: dict[str, Any] = {"document": self.world.document_view(stored)}
        else:
            fields = {"photo": stored.content}
        message = self._new_message(
            chat, markup, kind=kind, text=caption, file_id=stored.file_id, **fields
        )
        return await self._deliver(chat, message, markup)

    def _file_to_send(self, params: Params, kind: FileKind, max_bytes: int) -> StoredFile:
        value = params.upload(kind)
        if value is None:
            raise bad_request(errors.FILE_MISSING if kind == "document" else errors.PHOTO_MISSING)
        if isinstance(value, UploadedPart):
            if len(value.content) > max_bytes:
                raise ApiError(413, errors.ENTITY_TOO_LARGE)
            filename = value.filename if kind == "document" else None
            mime: str | None = value.mime_type if kind == "document" else "image/jpeg"
            if mime == "application/octet-stream":
                mime = None  # let the file name decide, as Telegram does
            return self.world.store_file(kind, value.content, filename, mime)
        if value.startswith(("http://", "https://")):
            # The sandbox reaches no network; it cannot fetch what Telegram would.
            raise bad_request(errors.URL_FETCH_UNSUPPORTED)
        stored = self.world.files.get(value)
        if stored is None:
            raise bad_request(errors.FILE_REFERENCE_INVALID)
        if stored.kind != kind:
            raise bad_request(
                f"Bad Request: can't use file of type {stored.kind.title()} as {kind.title()}"
            )
        return stored

    async def send_location(self, params: Params) -> Any:
        chat = self._chat(params)
        latitude = params.number("latitude")
        longitude = params.number("longitude")
        if latitude is None or longitude is None:
            raise bad_request(errors.LOCATION_INVALID)
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise bad_request(errors.LOCATION_INVALID)
        markup = parse_markup(params.obj("reply_markup"))
        self._admit(chat, params)
        message = self._new_message(chat, markup, kind="location", location=(latitude, longitude))
        return await self._deliver(chat, message, markup)

    async def send_chat_action(self, params: Params) -> Any:
        chat = self._chat(params)
        if params.text("action") not in CHAT_ACTIONS:
            raise bad_request(errors.ACTION_INVALID)
        self._check_not_blocked(chat)
        return True

    # --- changing sent messages -------------------------------------------------------

    def _message_to_edit(self, params: Params) -> tuple[ChatRecord, SentMessage]:
        if "inline_message_id" in params:
            # The sandbox has no inline mode, so no inline message can exist.
            raise bad_request(errors.MESSAGE_TO_EDIT_NOT_FOUND)
        chat = self._chat(params)
        message_id = self._message_id(params)
        message = chat.bot_messages.get(message_id)
        if message is None or message.deleted:
            if message_id in chat.user_messages:
                raise bad_request(errors.MESSAGE_CANT_BE_EDITED)
            raise bad_request(errors.MESSAGE_TO_EDIT_NOT_FOUND)
        return chat, message

    async def edit_message_text(self, params: Params) -> Any:
        text = self._message_text(params)
        markup = parse_inline_only(params.obj("reply_markup"))
        chat, message = self._message_to_edit(params)
        if message.kind != "text":
            raise bad_request(errors.NO_TEXT_TO_EDIT)
        self._check_not_blocked(chat)
        # Without reply_markup an edit removes the inline keyboard.
        if message.text == text and _inline_raw(message) == markup.raw:
            raise bad_request(errors.MESSAGE_NOT_MODIFIED)
        return await self._store_edit(message, text=text, markup=markup)

    async def edit_message_reply_markup(self, params: Params) -> Any:
        markup = parse_inline_only(params.obj("reply_markup"))
        chat, message = self._message_to_edit(params)
        self._check_not_blocked(chat)
        if _inline_raw(message) == markup.raw:
            raise bad_request(errors.MESSAGE_NOT_MODIFIED)
        return await self._store_edit(message, text=message.text, markup=markup)

    async def _store_edit(self, message: SentMessage, *, text: str | None, markup: Markup) -> Any:
        edited = replace(
            message,
            text=text,
            buttons=markup.inline,
            reply_markup=markup.raw,
            edit_count=message.edit_count + 1,
            edit_date=self.world.now(),
        )
        await self.world.replace_bot_message(edited)
        return self.world.bot_message_json(edited)

    async def delete_message(self, params: Params) -> Any:
        chat = self._chat(params)
        message_id = self._message_id(params)
        message = chat.bot_messages.get(message_id)
        if message is not None and not message.deleted:
            if self.world.now() - message.date >= DELETE_WINDOW:
                raise bad_request(errors.MESSAGE_CANT_BE_DELETED)
            await self.world.replace_bot_message(replace(message, deleted=True), event=False)
            return True
        if chat.user_messages.pop(message_id, None) is not None:
            return True
        raise bad_request(errors.MESSAGE_TO_DELETE_NOT_FOUND)

    async def answer_callback_query(self, params: Params) -> Any:
        query = self.world.queries.get(params.text("callback_query_id") or "")
        if query is None or query.answered:
            raise bad_request(errors.QUERY_INVALID)
        text = params.text("text")
        if text is not None and len(text) > CALLBACK_ANSWER_TEXT_MAX:
            raise bad_request(errors.CALLBACK_TEXT_TOO_LONG)
        query.answered = True
        self.world.users[query.user_id].callback_answers.append(
            CallbackAnswer(
                query_id=query.id,
                text=text or None,
                show_alert=params.flag("show_alert"),
                url=params.text("url"),
            )
        )
        return True

    # --- files, chats, commands -------------------------------------------------------

    async def get_file(self, params: Params) -> Any:
        stored = self.world.files.get(params.text("file_id") or "")
        if stored is None:
            raise bad_request(errors.FILE_ID_INVALID)
        if len(stored.content) > DOWNLOAD_MAX_BYTES:
            raise bad_request(errors.FILE_TOO_BIG)
        return stored.file_json()

    async def get_chat(self, params: Params) -> Any:
        chat = self._chat(params)
        return {
            **chat.to_json(),
            "accent_color_id": DEFAULT_ACCENT_COLOR_ID,
            "max_reaction_count": DEFAULT_MAX_REACTION_COUNT,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def set_my_commands(self, params: Params) -> Any:
        commands = params.obj("commands")
        if not isinstance(commands, list):
            raise bad_request(errors.invalid_parameter("commands"))
        if len(commands) > COMMANDS_MAX:
            raise bad_request("Bad Request: too many commands specified")
        cleaned = [_bot_command(item) for item in commands]
        self.commands[_commands_key(params)] = cleaned
        return True

    async def get_my_commands(self, params: Params) -> Any:
        return self.commands.get(_commands_key(params), [])

    async def delete_my_commands(self, params: Params) -> Any:
        self.commands.pop(_commands_key(params), None)
        return True

    def commands_in_chat(self, chat_id: int) -> list[dict[str, str]] | None:
        """The commands set for one private chat (any language), or None if none are."""
        for (scope, _), commands in self.commands.items():
            if json.loads(scope) == {"type": "chat", "chat_id": chat_id}:
                return commands
        return None

    def menu(self, chat_id: int, language_code: str | None) -> list[dict[str, str]]:
        """The commands a user's app shows in their private chat with the bot: the narrowest
        scope that has any, and in it their language's before the one for everyone
        (https://core.telegram.org/bots/api#determining-list-of-commands)."""
        language = (language_code or "").split("-", 1)[0].lower()
        for scope in ({"type": "chat", "chat_id": chat_id}, {"type": "all_private_chats"}, {}):
            for code in (language, ""):
                found = self.commands.get((json.dumps(scope, sort_keys=True), code))
                if found:
                    return found
        return []

    async def set_my_description(self, params: Params) -> Any:
        _store_text(self.descriptions, params, "description", DESCRIPTION_MAX)
        return True

    async def get_my_description(self, params: Params) -> Any:
        return {"description": _read_text(self.descriptions, params)}

    async def set_my_short_description(self, params: Params) -> Any:
        _store_text(self.short_descriptions, params, "short_description", SHORT_DESCRIPTION_MAX)
        return True

    async def get_my_short_description(self, params: Params) -> Any:
        return {"short_description": _read_text(self.short_descriptions, params)}

    async def set_chat_menu_button(self, params: Params) -> Any:
        """https://core.telegram.org/bots/api#setchatmenubutton: one chat's, or (no chat_id)
        the default; `commands`, `default`, or `web_app` opening an https Mini App."""
        chat_id = self._chat(params).id if "chat_id" in params else None
        button = params.obj("menu_button") or {"type": "default"}
        kind = button.get("type") if isinstance(button, dict) else None
        if kind == "web_app":
            if not str(button.get("text") or "").strip():
                raise bad_request(errors.BUTTON_TEXT_INVALID)
            url = web_app_url(button.get("web_app"))
            button = {"type": "web_app", "text": str(button["text"]), "web_app": {"url": url}}
        elif kind in ("commands", "default"):
            button = {"type": kind}
        else:
            raise bad_request(errors.invalid_parameter("menu_button"))
        self.menu_buttons[chat_id] = button
        return True

    async def get_chat_menu_button(self, params: Params) -> Any:
        chat_id = self._chat(params).id if "chat_id" in params else None
        return self.menu_button(chat_id)

    def menu_button(self, chat_id: int | None) -> dict[str, Any]:
        """The menu button a private chat shows: its own, else the default (commands)."""
        found = self.menu_buttons.get(chat_id) or self.menu_buttons.get(None)
        if found is None or found["type"] == "default":
            return {"type": "commands"}
        return found

    async def close(self, params: Params) -> Any:
        return True

    async def log_out(self, params: Params) -> Any:
        return True


def _inline_raw(message: SentMessage) -> dict[str, Any] | None:
    markup = message.reply_markup
    return markup if markup is not None and "inline_keyboard" in markup else None


def _string_list(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad_request(errors.invalid_parameter("allowed_updates"))
    return [str(item) for item in value]


def _bot_command(item: Any) -> dict[str, str]:
    if not isinstance(item, dict):
        raise bad_request(errors.invalid_parameter("commands"))
    command = str(item.get("command", "")).lstrip("/")
    description = str(item.get("description", ""))
    if not COMMAND_PATTERN.fullmatch(command):
        raise bad_request(errors.COMMAND_INVALID)
    if not description.strip() or len(description) > COMMAND_DESCRIPTION_MAX:
        raise bad_request(errors.COMMAND_DESCRIPTION_INVALID)
    return {"command": command, "description": description}


def _commands_key(params: Params) -> tuple[str, str]:
    """The scope (the default scope as {}, so both spellings are one) and language code."""
    scope = params.obj("scope") or {}
    if not isinstance(scope, dict) or scope.get("type", "default") not in SCOPE_TYPES:
        raise bad_request(errors.SCOPE_INVALID)
    if scope.get("type") == "default":
        scope = {}
    return json.dumps(scope, sort_keys=True), _language_code(params)


def _language_code(params: Params) -> str:
    code = params.text("language_code") or ""
    if code and not LANGUAGE_CODE.fullmatch(code):
        raise bad_request(errors.LANGUAGE_CODE_INVALID)
    return code


def _store_text(texts: dict[str, str], params: Params, name: str, limit: int) -> None:
    """Set (or, with an empty text, remove) a description for the request's language."""
    text = params.text(name) or ""
    if len(text) > limit:
        raise bad_request(errors.DESCRIPTION_TOO_LONG)
    code = _language_code(params)
    if text:
        texts[code] = text
    else:
        texts.pop(code, None)


def _read_text(texts: dict[str, str], params: Params) -> str:
    return texts.get(_language_code(params), "")


async def _wait(
    condition: asyncio.Condition, predicate: Callable[[], bool], seconds: float
) -> None:
    """Wait (holding `condition`) until `predicate` or `seconds` pass; running out is no error."""
    try:
        await asyncio.wait_for(condition.wait_for(predicate), seconds)
    except TimeoutError:
        pass


METHODS: dict[str, Method] = {
    method.name.lower(): method
    for method in (
        Method("getMe", BotApi.get_me),
        Method("getUpdates", BotApi.get_updates),
        Method("setWebhook", BotApi.set_webhook),
        Method("deleteWebhook", BotApi.delete_webhook),
        Method("getWebhookInfo", BotApi.get_webhook_info),
        Method("sendMessage", BotApi.send_message),
        Method("sendDocument", BotApi.send_document),
        Method("sendPhoto", BotApi.send_photo),
        Method("sendLocation", BotApi.send_location),
        Method("sendChatAction", BotApi.send_chat_action),
        Method("editMessageText", BotApi.edit_message_text),
        Method("editMessageReplyMarkup", BotApi.edit_message_reply_markup),
        Method("deleteMessage", BotApi.delete_message),
        Method("answerCallbackQuery", BotApi.answer_callback_query),
        Method("getFile", BotApi.get_file),
        Method("getChat", BotApi.get_chat),
        Method("setMyCommands", BotApi.set_my_commands),
        Method("getMyCommands", BotApi.get_my_commands),
        Method("deleteMyCommands", BotApi.delete_my_commands),
        Method("setMyDescription", BotApi.set_my_description),
        Method("getMyDescription", BotApi.get_my_description),
        Method("setMyShortDescription", BotApi.set_my_short_description),
        Method("getMyShortDescription", BotApi.get_my_short_description),
        Method("setChatMenuButton", BotApi.set_chat_menu_button),
        Method("getChatMenuButton", BotApi.get_chat_menu_button),
        Method("close", BotApi.close),
        Method("logOut", BotApi.log_out),
    )
}
