"""The sandbox's Telegram: users, chats, messages, files and the queue of updates for the bot.

Both sides work on one `World`: the Bot API methods (the bot's side) and `SandboxUser` (the
people's side). Everything runs on one event loop, so plain data is enough; two conditions wake
whoever waits: `updates_changed` (getUpdates long polls, webhook delivery) and
`messages_changed` (tests waiting for the bot to say something).
"""

from __future__ import annotations

import asyncio
import itertools
import mimetypes
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sandbox.errors import CHAT_NOT_FOUND, bad_request
from sandbox.records import Button, CallbackAnswer, ReplyButton, SentDocument, SentMessage

# https://core.telegram.org/bots/api#update — every kind a bot can receive.
UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "message_reaction",
        "message_reaction_count",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
# https://core.telegram.org/bots/api#getupdates: "If not specified, ... all update types
# except chat_member, message_reaction, and message_reaction_count".
DEFAULT_ALLOWED_UPDATES = UPDATE_TYPES - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}
BOT_FIRST_NAME = "Volbot Sandbox"
# getChat answers these for every chat; the sandbox models no accent colours or reactions.
DEFAULT_ACCENT_COLOR_ID = 0
DEFAULT_MAX_REACTION_COUNT = 11
PHOTO_DEFAULT_SIZE = (800, 600)  # when the bytes are not a PNG whose header gives the size

FileKind = Literal["document", "photo", "sticker"]
ChatType = Literal["private", "group", "supergroup", "channel"]


def unix(moment: datetime) -> int:
    return int(moment.timestamp())


@dataclass
class UserRecord:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    phone_number: str | None = None
    blocked: bool = False
    callback_answers: list[CallbackAnswer] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                body[key] = value
        return body


@dataclass
class ChatRecord:
    id: int
    type: ChatType
    title: str | None = None
    user: UserRecord | None = None  # the other side of a private chat
    next_message_id: int = 1
    bot_messages: dict[int, SentMessage] = field(default_factory=dict)
    user_messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    reply_keyboard: list[list[ReplyButton]] | None = None
    one_time_keyboard: bool = False
    # Buttons that earlier versions of an edited message had: an app that has not refreshed
    # may still show them, so a user can press one on purpose (SandboxUser.press(message_id=)).
    stale_buttons: dict[int, list[Button]] = field(default_factory=dict)
    # When each message was created, and each bot send or edit, on the world's event counter:
    # what wait_for_message compares.
    created_seq: dict[int, int] = field(default_factory=dict)
    events: list[tuple[int, int]] = field(default_factory=list)

    @property
    def is_group(self) -> bool:
        return self.type != "private"

    @property
    def instance(self) -> str:
        """A stable `chat_instance` for callback queries from this chat."""
        return str((self.id * 2654435761) % (2**63))

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.user is not None:
            body["first_name"] = self.user.first_name
            if self.user.last_name is not None:
                body["last_name"] = self.user.last_name
            if self.user.username is not None:
                body["username"] = self.user.username
        else:
            body["title"] = self.title
        return body


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    kind: FileKind
    content: bytes
    filename: str | None
    mime_type: str | None

    def file_json(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
            "file_path": self.file_path,
        }

    def document_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
        }
        if self.filename is not None:
            body["file_name"] = self.filename
        if self.mime_type is not None:
            body["mime_type"] = self.mime_type
        return body

    def photo_json(self) -> list[dict[str, Any]]:
        width, height = image_size(self.content)
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "file_size": len(self.content),
                "width": width,
                "height": height,
            }
        ]


def image_size(content: bytes) -> tuple[int, int]:
    """Width and height from a PNG header; a fixed size for anything else."""
    if content.startswith(b"\x89PNG\r\n\x1a\n") and content[12:16] == b"IHDR":
        return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
    return PHOTO_DEFAULT_SIZE


@dataclass
class PendingQuery:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    answered: bool = False


class World:
    """All sandbox state; see the module docstring."""

    def __init__(self, *, bot_id: int, bot_username: str, now: Callable[[], datetime]) -> None:
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.now = now
        self.users: dict[int, UserRecord] = {}
        self.chats: dict[int, ChatRecord] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.queries: dict[str, PendingQuery] = {}
        self.updates: list[dict[str, Any]] = []  # received by nobody yet, oldest first
        self.allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self.sent: list[tuple[int, int]] = []  # (chat id, message id) of every bot send
        # Every send and edit of a bot message, as the message was right after it, in order.
        self.history: list[SentMessage] = []
        self.updates_changed = asyncio.Condition()
        self.messages_changed = asyncio.Condition()
        self.closing = False
        self.poll_generation = 0  # counts getUpdates requests; a newer one ends a waiting one
        self.waiting_polls = 0  # getUpdates requests waiting for updates right now
        self._next_update_id = 1
        self._seq = itertools.count(1)
        self._file_numbers = itertools.count(1)
        self._query_numbers = itertools.count(1)

    # --- people and chats -------------------------------------------------------------

    def bot_json(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": self.bot_username,
        }

    def ensure_user(self, user: UserRecord) -> UserRecord:
        existing = self.users.get(user.id)
        if existing is not None:
            if user.phone_number is not None:
                existing.phone_number = user.phone_number
            return existing
        self.users[user.id] = user
        self.chats[user.id] = ChatRecord(id=user.id, type="private", user=user)
        return user

    def ensure_group(self, chat_id: int, title: str, chat_type: ChatType) -> ChatRecord:
        if chat_id >= 0:
            raise ValueError("group and supergroup ids are negative")
        chat = self.chats.get(chat_id)
        if chat is None:
            chat = ChatRecord(id=chat_id, type=chat_type, title=title)
            self.chats[chat_id] = chat
        return chat

    def chat(self, chat_id: int) -> ChatRecord:
        chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request(CHAT_NOT_FOUND)
        return chat

    def new_message_id(self, chat: ChatRecord) -> int:
        # One sequence per chat for the user's and the bot's messages, as in Telegram.
        message_id = chat.next_message_id
        chat.next_message_id += 1
        chat.created_seq[message_id] = next(self._seq)
        return message_id

    # --- bot messages -----------------------------------------------------------------

    async def add_bot_message(self, message: SentMessage) -> None:
        chat = self.chats[message.chat_id]
        chat.bot_messages[message.message_id] = message
        # A send happens when its id is taken: "after message N" never includes N itself.
        chat.events.append((chat.created_seq[message.message_id], message.message_id))
        self.sent.append((message.chat_id, message.message_id))
        self.history.append(message)
        await self._notify(self.messages_changed)

    async def replace_bot_message(self, message: SentMessage, *, event: bool = True) -> None:
        """Store an edited (or deleted) message; `event` marks it new for wait_for_message."""
        chat = self.chats[message.chat_id]
        previous = chat.bot_messages.get(message.message_id)
        if previous is not None:
            stale = chat.stale_buttons.setdefault(message.message_id, [])
            stale.extend(button for row in previous.buttons for button in row)
        chat.bot_messages[message.message_id] = message
        if event:
            chat.events.append((next(self._seq), message.message_id))
            self.history.append(message)
        await self._notify(self.messages_changed)

    def set_reply_keyboard(
        self, chat: ChatRecord, rows: list[list[ReplyButton]] | None, *, one_time: bool
    ) -> None:
        chat.reply_keyboard = rows
        chat.one_time_keyboard = one_time

    def bot_message_json(self, message: SentMessage) -> dict[str, Any]:
        chat = self.chats[message.chat_id]
        body: dict[str, Any] = {
            "message_id": message.message_id,
            "from": self.bot_json(),
            "chat": chat.to_json(),
            "date": unix(message.date),
        }
        if message.edit_date is not None:
            body["edit_date"] = unix(message.edit_date)
        if message.kind == "text":
            body["text"] = message.text
        elif message.text is not None:
            body["caption"] = message.text
        stored = self.files.get(message.file_id) if message.file_id else None
        if message.kind == "document" and stored is not None:
            body["document"] = stored.document_json()
        elif message.kind == "photo" and stored is not None:
            body["photo"] = stored.photo_json()
        elif message.kind == "location" and message.location is not None:
            body["location"] = {"latitude": message.location[0], "longitude": message.location[1]}
        markup = message.reply_markup
        if markup is not None and "inline_keyboard" in markup:
            body["reply_markup"] = markup
        return body

    def bot_messages(self, chat_id: int) -> list[SentMessage]:
        chat = self.chats.get(chat_id)
        if chat is None:
            return []
        return [m for m in chat.bot_messages.values() if not m.deleted]

    def delivered(self, chat_id: int | None = None) -> list[SentMessage]:
        """Every message the bot sent, oldest first, in its current state (deleted ones too)."""
        return [
            self.chats[chat].bot_messages[message_id]
            for chat, message_id in self.sent
            if chat_id is None or chat == chat_id
        ]

    async def wait_for_message(
        self,
        chat_id: int,
        *,
        after_message_id: int = 0,
        timeout: float = 10.0,  # noqa: ASYNC109 - a bounded wait is the point
    ) -> SentMessage:
        """The first bot message sent or edited after message `after_message_id` appeared."""
        found: list[SentMessage] = []

        def ready() -> bool:
            message = self._first_event_after(chat_id, after_message_id)
            if message is not None:
                found.append(message)
            return message is not None or self.closing

        async with self.messages_changed:
            try:
                await asyncio.wait_for(self.messages_changed.wait_for(ready), timeout)
            except TimeoutError:
                recent = "; ".join(m.summary() for m in self.bot_messages(chat_id)[-5:])
                raise TimeoutError(
                    f"no bot message in chat {chat_id} after message {after_message_id} "
                    f"within {timeout} s; recent bot messages: {recent or 'none'}"
                ) from None
        if not found:
            raise RuntimeError("the sandbox stopped while waiting for a message")
        return found[-1]

    def _first_event_after(self, chat_id: int, after_message_id: int) -> SentMessage | None:
        chat = self.chats.get(chat_id)
        if chat is None:
            return None
        threshold = chat.created_seq.get(after_message_id)
        for seq, message_id in chat.events:
            newer = seq > threshold if threshold is not None else message_id > after_message_id
            message = chat.bot_messages[message_id]
            if newer and not message.deleted:
                return message
        return None

    # --- files ------------------------------------------------------------------------

    def store_file(
        self, kind: FileKind, content: bytes, filename: str | None, mime_type: str | None
    ) -> StoredFile:
        number = next(self._file_numbers)
        if mime_type is None and filename is not None:
            mime_type = mimetypes.guess_type(filename)[0]
        extension = _extension(filename, mime_type, kind)
        folder = {"document": "documents", "photo": "photos", "sticker": "stickers"}[kind]
        stored = StoredFile(
            # Telegram's ids are opaque base64url strings; these look alike and never repeat.
            file_id=f"{_FILE_ID_PREFIX[kind]}{number:06d}{secrets.token_urlsafe(24)}",
            file_unique_id=f"AgAD{number:06d}{secrets.token_urlsafe(6)}",
            file_path=f"{folder}/file_{number}{extension}",
            kind=kind,
            content=content,
            filename=filename,
            mime_type=mime_type,
        )
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    @staticmethod
    def document_view(stored: StoredFile) -> SentDocument:
        return SentDocument(
            filename=stored.filename or stored.file_path.rsplit("/", 1)[-1],
            content=stored.content,
            mime_type=stored.mime_type or "application/octet-stream",
        )

    # --- callback queries -------------------------------------------------------------

    def new_query(self, user_id: int, chat_id: int, message_id: int) -> PendingQuery:
        # Telegram's query ids are long decimal strings.
        query_id = str(self.bot_id * 10**9 + next(self._query_numbers) * 7919 + user_id % 7919)
        query = PendingQuery(id=query_id, user_id=user_id, chat_id=chat_id, message_id=message_id)
        self.queries[query_id] = query
        return query

    # --- updates ----------------------------------------------------------------------

    def number_updates_after(self, update_id: int) -> None:
        """Number the next updates after `update_id` (never lower than they would be): a bot
        whose database remembers the ids it handled (as a restarted sandbox's does) takes an id
        it has seen for a repeated delivery, and ignores it."""
        self._next_update_id = max(self._next_update_id, update_id + 1)

    async def enqueue(self, kind: str, payload: dict[str, Any]) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        self.updates.append({"update_id": update_id, kind: payload})
        await self._notify(self.updates_changed)
        return update_id

    def confirm(self, offset: int) -> None:
        """getUpdates `offset`: forget updates before it (a negative one keeps the last -offset)."""
        if offset < 0:
            self.updates = self.updates[offset:]
        else:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]

    def drop_pending(self) -> None:
        self.updates.clear()

    def set_allowed_updates(self, kinds: Iterable[str] | None) -> None:
        chosen = frozenset(kinds or ())
        self.allowed_updates = chosen & UPDATE_TYPES or DEFAULT_ALLOWED_UPDATES

    def available(self, limit: int) -> list[dict[str, Any]]:
        """Up to `limit` pending updates of allowed kinds, dropping the disallowed ones."""
        self.updates = [u for u in self.updates if update_kind(u) in self.allowed_updates]
        return self.updates[:limit]

    async def _notify(self, condition: asyncio.Condition) -> None:
        async with condition:
            condition.notify_all()

    async def wake_all(self) -> None:
        await self._notify(self.updates_changed)
        await self._notify(self.messages_changed)


_FILE_ID_PREFIX: dict[FileKind, str] = {
    "document": "BQACAgIAAxkBAA",
    "photo": "AgACAgIAAxkBAA",
    "sticker": "CAACAgIAAxkBAA",
}


def update_kind(update: dict[str, Any]) -> str:
    return next(key for key in update if key != "update_id")


def _extension(filename: str | None, mime_type: str | None, kind: FileKind) -> str:
    if filename and "." in filename:
        return "." + filename.rsplit(".", 1)[-1]
    if kind == "photo":
        return ".jpg"
    guessed = mimetypes.guess_extension(mime_type) if mime_type else None
    return guessed or ""
