"""The people's side of the sandbox: act as Telegram users and read what the bot showed them.

Every act enqueues one realistic Update for the bot (update ids count up from 1; message ids
count up per chat, shared with the bot's messages in that chat, as on Telegram) and returns
its update_id, so a caller can wait until the bot has handled exactly that update.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Any

from sandbox.records import Button, CallbackAnswer, ReplyButton, SentMessage
from sandbox.world import ChatRecord, UserRecord, World, unix

# A leading bot command, as Telegram marks it: /command or /command@botname.
# https://core.telegram.org/bots/features#commands (1-32 latin letters, digits, underscores)
COMMAND_PATTERN = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{1,32})?(?![A-Za-z0-9_@])")
STICKER_SIZE = 512  # https://core.telegram.org/stickers: one side is 512 px
# A live location is shared for 60 s to 24 h, or until stopped (0x7FFFFFFF): Location.live_period
# in https://core.telegram.org/bots/api#location
LIVE_PERIOD_MIN, LIVE_PERIOD_MAX, FOREVER = 60, 86_400, 0x7FFFFFFF
FORWARDED_FROM = "Someone"  # the sender of a forwarded message, as a hidden user


class _Own(Enum):
    OWN = "own"


OWN = _Own.OWN  # share_contact's default: the user's own contact card


def utf16_length(text: str) -> int:
    """Entity offsets and lengths count UTF-16 code units.

    https://core.telegram.org/bots/api#messageentity
    """
    return len(text.encode("utf-16-le")) // 2


def text_fields(text: str) -> dict[str, Any]:
    """The fields of a text message as a user sends it; a leading /command gets its entity."""
    if not text.strip():
        raise ValueError("Telegram sends no empty messages")
    fields: dict[str, Any] = {"text": text}
    entities = command_entities(text)
    if entities:
        fields["entities"] = entities
    return fields


def command_entities(text: str) -> list[dict[str, Any]]:
    match = COMMAND_PATTERN.match(text)
    if match is None:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_length(match.group(0))}]


class _ChatReader:
    """What the bot has shown in one chat."""

    world: World
    chat_id: int

    def messages(self) -> list[SentMessage]:
        """The bot's messages in this chat, oldest first, as they are now (deleted ones gone)."""
        return self.world.bot_messages(self.chat_id)

    def last_message(self) -> SentMessage | None:
        messages = self.messages()
        return messages[-1] if messages else None

    async def wait_for_message(
        self,
        *,
        after_message_id: int = 0,
        timeout: float = 10.0,  # noqa: ASYNC109 - a bounded wait is the point
    ) -> SentMessage:
        return await self.world.wait_for_message(
            self.chat_id, after_message_id=after_message_id, timeout=timeout
        )

    @property
    def _chat(self) -> ChatRecord:
        return self.world.chats[self.chat_id]

    def _message(
        self, chat: ChatRecord, sender: UserRecord, fields: dict[str, Any]
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self.world.new_message_id(chat),
            "from": sender.to_json(),
            "chat": chat.to_json(),
            "date": unix(self.world.now()),
            **fields,
        }
        chat.user_messages[message["message_id"]] = message
        return message


class SandboxUser(_ChatReader):
    """A Telegram user; their private chat with the bot has the user's id."""

    def __init__(self, world: World, user_id: int) -> None:
        self.world = world
        self.chat_id = user_id

    def __repr__(self) -> str:
        return f"SandboxUser({self.id}, {self.first_name!r})"

    @property
    def _record(self) -> UserRecord:
        return self.world.users[self.chat_id]

    @property
    def id(self) -> int:
        return self.chat_id

    @property
    def first_name(self) -> str:
        return self._record.first_name

    @property
    def phone_number(self) -> str | None:
        return self._record.phone_number

    @property
    def language_code(self) -> str | None:
        """Their Telegram app's language (an IETF tag), as updates carry it."""
        return self._record.language_code

    @property
    def blocked(self) -> bool:
        return self._record.blocked

    @property
    def reply_keyboard(self) -> list[list[ReplyButton]] | None:
        """The reply keyboard shown in the chat now, or None."""
        return self._chat.reply_keyboard

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        """The bot's answers to this user's button presses, oldest first."""
        return list(self._record.callback_answers)

    # --- acts -------------------------------------------------------------------------

    async def send(self, text: str) -> int:
        """A text message; a leading /command gets its bot_command entity.

        Text over 4096 characters is delivered whole, although a Telegram app would split it:
        tests use it to check that the bot refuses overlong input.
        """
        return await self._post(text_fields(text))

    async def press(self, label: str, *, message_id: int | None = None) -> int:
        """Press the inline button `label` on the newest bot message that has it.

        With `message_id`, a button the message showed before an edit removed it can be
        pressed too, as from an app that has not refreshed: the bot must cope with stale
        presses. The callback query carries the message as it is now.
        """
        candidates = [
            m for m in reversed(self.messages()) if message_id is None or m.message_id == message_id
        ]
        if message_id is not None and not candidates:
            raise LookupError(f"chat {self.id} has no bot message {message_id}")
        for message in candidates:
            button = message.find_button(label)
            if button is None and message_id is not None:
                button = self._stale_button(message_id, label)
            if button is None:
                continue
            if button.callback_data is None:
                opens = button.url or button.web_app
                raise ValueError(f"button {label!r} opens {opens!r}; it sends the bot nothing")
            return await self._callback(message, button.callback_data)
        available = [label for m in candidates for label in m.button_labels()]
        where = f"message {message_id}" if message_id is not None else f"chat {self.id}"
        raise LookupError(f"no inline button {label!r} in {where}; buttons: {available}")

    def _stale_button(self, message_id: int, label: str) -> Button | None:
        """A button an earlier version of the message had (the newest such one)."""
        stale = self._chat.stale_buttons.get(message_id, [])
        return next((b for b in reversed(stale) if b.label == label), None)

    async def press_data(self, data: str, *, message_id: int) -> int:
        """A callback query with any data, as if from a button on `message_id` (a forgery)."""
        message = next((m for m in self.messages() if m.message_id == message_id), None)
        if message is None:
            raise LookupError(f"chat {self.id} has no bot message {message_id}")
        return await self._callback(message, data)

    async def tap(self, label: str, *, location: tuple[float, float] | None = None) -> int:
        """Tap a reply keyboard button: its text, or this user's contact or a location."""
        keyboard = self.reply_keyboard
        if keyboard is None:
            raise LookupError(f"no reply keyboard is shown in chat {self.id}")
        button = next((b for row in keyboard for b in row if b.label == label), None)
        if button is None:
            labels = [b.label for row in keyboard for b in row]
            raise LookupError(f"no keyboard button {label!r}; buttons: {labels}")
        if button.request_contact:
            phone = self.phone_number
            if phone is None:
                raise ValueError(f"user {self.id} has no phone_number to share")
            acting = self.share_contact(phone)
        elif button.request_location:
            if location is None:
                raise ValueError(f"button {label!r} shares a location: pass location=(lat, lon)")
            acting = self.share_location(*location)
        else:
            acting = self.send(button.label)
        chat = self._chat
        one_time = chat.one_time_keyboard
        if one_time:
            # A one-time keyboard hides once used (see ReplyKeyboardMarkup in the Bot API). Hide
            # it before the update goes out, so that a keyboard in the bot's answer stays.
            self.world.set_reply_keyboard(chat, None, one_time=False)
        try:
            return await acting
        except BaseException:
            if one_time:
                self.world.set_reply_keyboard(chat, keyboard, one_time=True)
            raise

    async def share_contact(
        self,
        phone_number: str,
        *,
        user_id: int | _Own | None = OWN,
        first_name: str | None = None,
    ) -> int:
        """A contact; by default this user's own (user_id = own id), as a contact button sends."""
        record = self._record
        own = user_id is OWN or user_id == record.id
        contact: dict[str, Any] = {
            "phone_number": phone_number,
            "first_name": first_name or (record.first_name if own else "Contact"),
        }
        if own and record.last_name is not None:
            contact["last_name"] = record.last_name
        if own:
            contact["user_id"] = record.id
        elif isinstance(user_id, int):
            contact["user_id"] = user_id
        return await self._post({"contact": contact})

    async def share_location(
        self,
        latitude: float,
        longitude: float,
        *,
        live_period: int | None = None,
        forwarded: bool = False,
    ) -> int:
        """A location: a static pin (the phone's position or any point picked on the map), a
        live location with `live_period` (seconds it is shared for, as the phone sends it), or
        one `forwarded` from another chat (Telegram marks it with `forward_origin`)."""
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ValueError(f"no such place: {latitude}, {longitude}")
        location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        if live_period is not None:
            if not (LIVE_PERIOD_MIN <= live_period <= LIVE_PERIOD_MAX or live_period == FOREVER):
                raise ValueError(f"live_period {live_period} is not one Telegram allows")
            location["live_period"] = live_period
        fields: dict[str, Any] = {"location": location}
        if forwarded:
            fields["forward_origin"] = {
                "type": "hidden_user",
                "sender_user_name": FORWARDED_FROM,
                "date": unix(self.world.now()),
            }
        return await self._post(fields)

    async def upload(
        self,
        filename: str,
        content: bytes,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
    ) -> int:
        """A document the bot can getFile and download."""
        stored = self.world.store_file("document", content, filename, mime_type)
        fields: dict[str, Any] = {"document": stored.document_json()}
        if caption is not None:
            fields["caption"] = caption
        return await self._post(fields)

    async def send_photo(self, content: bytes, caption: str | None = None) -> int:
        stored = self.world.store_file("photo", content, None, "image/jpeg")
        fields: dict[str, Any] = {"photo": stored.photo_json()}
        if caption is not None:
            fields["caption"] = caption
        return await self._post(fields)

    async def send_sticker(self) -> int:
        """A message with only a sticker."""
        stored = self.world.store_file(
            "sticker", b"RIFF\x00\x00\x00\x00WEBP", "sticker.webp", "image/webp"
        )
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": STICKER_SIZE,
            "height": STICKER_SIZE,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
            "file_size": len(stored.content),
        }
        return await self._post({"sticker": sticker})

    async def block(self) -> int:
        """Block the bot: a my_chat_member update, member -> kicked; sends then get 403."""
        if self._record.blocked:
            raise ValueError(f"user {self.id} has already blocked the bot")
        self._record.blocked = True
        return await self._membership("member", "kicked")

    async def unblock(self) -> int:
        if not self._record.blocked:
            raise ValueError(f"user {self.id} has not blocked the bot")
        self._record.blocked = False
        return await self._membership("kicked", "member")

    # --- building updates -------------------------------------------------------------

    async def _post(self, fields: dict[str, Any]) -> int:
        if self._record.blocked:
            # In Telegram a user must unblock (restart) the bot before writing to it again.
            raise ValueError(f"user {self.id} has blocked the bot; unblock() first")
        message = self._message(self._chat, self._record, fields)
        return await self.world.enqueue("message", message)

    async def _callback(self, message: SentMessage, data: str) -> int:
        if self._record.blocked:
            raise ValueError(f"user {self.id} has blocked the bot; unblock() first")
        query = self.world.new_query(self.id, self.chat_id, message.message_id)
        payload = {
            "id": query.id,
            "from": self._record.to_json(),
            "message": self.world.bot_message_json(message),
            "chat_instance": self._chat.instance,
            "data": data,
        }
        return await self.world.enqueue("callback_query", payload)

    async def _membership(self, old: str, new: str) -> int:
        bot = self.world.bot_json()
        payload = {
            "chat": self._chat.to_json(),
            "from": self._record.to_json(),
            "date": unix(self.world.now()),
            "old_chat_member": _member(bot, old),
            "new_chat_member": _member(bot, new),
        }
        return await self.world.enqueue("my_chat_member", payload)


def _member(bot: dict[str, Any], status: str) -> dict[str, Any]:
    member: dict[str, Any] = {"user": bot, "status": status}
    if status == "kicked":
        member["until_date"] = 0  # ChatMemberBanned: 0 means forever
    return member


class SandboxGroup(_ChatReader):
    """A group or supergroup the bot is in; members can write in it."""

    def __init__(self, world: World, chat_id: int) -> None:
        self.world = world
        self.chat_id = chat_id

    @property
    def id(self) -> int:
        return self.chat_id

    @property
    def title(self) -> str | None:
        return self._chat.title

    async def send(self, user: SandboxUser, text: str) -> int:
        """`user` writes `text` in the group."""
        message = self._message(self._chat, self.world.users[user.id], text_fields(text))
        return await self.world.enqueue("message", message)

    async def add_bot(self, by: SandboxUser) -> int:
        """`by` adds the bot to the group: a my_chat_member update, left -> member."""
        return await self._membership(by, "left", "member")

    async def remove_bot(self, by: SandboxUser) -> int:
        return await self._membership(by, "member", "left")

    async def _membership(self, by: SandboxUser, old: str, new: str) -> int:
        bot = self.world.bot_json()
        payload = {
            "chat": self._chat.to_json(),
            "from": self.world.users[by.id].to_json(),
            "date": unix(self.world.now()),
            "old_chat_member": _member(bot, old),
            "new_chat_member": _member(bot, new),
        }
        return await self.world.enqueue("my_chat_member", payload)
