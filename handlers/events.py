"""What the conversations see and say, independent of any Telegram framework.

Adapters in `bot/` turn framework updates into an `Incoming` event and carry out the `Action`s
a handler returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

# A message's text is 1-4096 characters after entities parsing (we send plain text, so as
# written): https://core.telegram.org/bots/api#sendmessage
TEXT_MAX = 4096


@dataclass(frozen=True)
class Sender:
    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True)
class Contact:
    phone_number: str
    user_id: int | None


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    # Shared as a live location (Telegram's `live_period`): the phone's own position as it
    # moves, not a point anyone may pick on the map as a static pin can be.
    live: bool = False


@dataclass(frozen=True)
class UploadedFile:
    file_id: str
    file_name: str | None
    mime_type: str | None
    size: int | None


@dataclass(frozen=True)
class ButtonPress:
    query_id: str
    data: str
    message_id: int | None


@dataclass(frozen=True)
class Incoming:
    """One update from one user. Exactly one of the payload fields is usually set."""

    update_id: int
    sender: Sender
    chat_id: int
    chat_type: str = "private"
    text: str | None = None
    press: ButtonPress | None = None
    contact: Contact | None = None
    location: Location | None = None
    file: UploadedFile | None = None
    # The largest size of a photo the user sent (Telegram's file id, reusable to send it on).
    photo_id: str | None = None
    caption: str | None = None  # the text sent with a photo or a file
    forwarded: bool = False  # forwarded from another chat (Telegram's `forward_origin`)
    # my_chat_member: True when the user blocked the bot (private) or the bot was removed from
    # the group or channel; False when it was unblocked or added.
    blocked: bool | None = None
    chat_title: str | None = None

    @property
    def command(self) -> str | None:
        """`start` for `/start payload` or `/start@volbot payload`; None for plain text."""
        if not self.text or not self.text.startswith("/"):
            return None
        head = self.text.split(maxsplit=1)[0][1:]
        return head.split("@", 1)[0].lower() or None

    @property
    def command_args(self) -> str:
        if self.command is None or self.text is None:
            return ""
        parts = self.text.split(maxsplit=1)
        return parts[1].strip() if len(parts) > 1 else ""


# ---- outgoing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class InlineButton:
    label: str
    callback_data: str | None = None
    url: str | None = None
    web_app: str | None = None  # an https address Telegram opens as a Mini App (private chats)


@dataclass(frozen=True)
class InlineKeyboard:
    rows: tuple[tuple[InlineButton, ...], ...]


@dataclass(frozen=True)
class ReplyButton:
    label: str
    request_contact: bool = False
    request_location: bool = False


@dataclass(frozen=True)
class ReplyKeyboard:
    rows: tuple[tuple[ReplyButton, ...], ...]
    one_time: bool = True


@dataclass(frozen=True)
class RemoveKeyboard:
    pass


Markup = InlineKeyboard | ReplyKeyboard | RemoveKeyboard


@dataclass(frozen=True)
class SendMessage:
    chat_id: int
    text: str
    markup: Markup | None = None


@dataclass(frozen=True)
class EditMessage:
    chat_id: int
    message_id: int
    text: str
    markup: InlineKeyboard | None = None


@dataclass(frozen=True)
class AnswerButton:
    query_id: str
    text: str | None = None
    alert: bool = False


@dataclass(frozen=True)
class SendDocument:
    chat_id: int
    filename: str
    content: bytes
    caption: str | None = None


@dataclass(frozen=True)
class SendPhoto:
    chat_id: int
    filename: str
    content: bytes
    caption: str | None = None


@dataclass(frozen=True)
class SendLocation:
    chat_id: int
    latitude: float
    longitude: float


@dataclass(frozen=True)
class SendNotice:
    """A broadcast's message: its text, or a photo (by file id) with the text as caption.
    `paid_broadcast` sends it on Telegram's paid broadcast budget (allow_paid_broadcast)."""

    chat_id: int
    text: str
    photo_id: str | None = None
    markup: InlineKeyboard | None = None
    paid_broadcast: bool = False


@dataclass(frozen=True)
class MenuCommand:
    """One entry of a command menu: `/command` and what it does (in the reader's language)."""

    command: str
    description: str


@dataclass(frozen=True)
class SetCommands:
    """Set a command menu: everyone's, in private chats, for users whose app speaks `language`
    (a Bot API two-letter code; "" for users of any language without a menu of its own); or, with
    `chat_id`, one person's own in their private chat (whatever their app's language)."""

    commands: tuple[MenuCommand, ...]
    chat_id: int | None = None
    language: str = ""


@dataclass(frozen=True)
class DeleteCommands:
    """Take one person's own menu away: their chat shows everyone's again."""

    chat_id: int


@dataclass(frozen=True)
class SetDescriptions:
    """The bot's description (shown in an empty chat: "what can this bot do?") and short
    description (its profile and shared links), for users whose app speaks `language`."""

    description: str
    short_description: str
    language: str = ""


@dataclass(frozen=True)
class SetMenuButton:
    """The menu button of every private chat: it opens the Mini App at `url` (https), labelled
    `label` (Telegram's default menu button takes one label for everyone)."""

    label: str
    url: str


# Actions that set the bot up (its menus and descriptions) rather than speak in a chat.
SETUP = (SetCommands, DeleteCommands, SetDescriptions, SetMenuButton)
Action = (
    SendMessage
    | EditMessage
    | AnswerButton
    | SendDocument
    | SendPhoto
    | SendLocation
    | SendNotice
    | SetCommands
    | DeleteCommands
    | SetDescriptions
    | SetMenuButton
)
# Actions that put a new message in a chat (what Telegram's flood limits count).
NEW_MESSAGES = (SendMessage, SendDocument, SendPhoto, SendLocation, SendNotice)


class AttemptKind(StrEnum):
    """What one try at an action came to (see `Attempt`)."""

    SENT = "sent"
    FLOOD = "flood"
    UNREACHABLE = "unreachable"
    TRANSIENT = "transient"
    UNCERTAIN = "uncertain"
    REFUSED = "refused"


@dataclass(frozen=True)
class Attempt:
    """What one try at an action came to, as a sender of many messages must tell them apart:

    * `sent` (with the message's id, if it made one);
    * `flood`: Telegram refused it for flood control; wait `retry_after` seconds;
    * `unreachable`: the user blocked the bot, deleted their account, or the chat is unknown;
    * `transient`: Telegram failed (5xx) or could not be reached, so it was not delivered;
    * `uncertain`: the request went out but no answer came (a timeout): it may have arrived;
    * `refused`: any other refusal (a bad request), which trying again will not mend.
    """

    kind: AttemptKind
    message_id: int | None = None
    retry_after: float | None = None
    reason: str = ""


@dataclass
class Outbox:
    """Actions a handler produced, in the order they must be carried out."""

    actions: list[Action] = field(default_factory=list)

    def add(self, action: Action) -> None:
        """Add an action; a text over Telegram's limit goes as several messages, cut between
        lines, the buttons on the last (long lists are paged: see `handlers.paging`; this is
        the net for any other text, which Telegram would refuse whole)."""
        if not isinstance(action, SendMessage | EditMessage) or len(action.text) <= TEXT_MAX:
            self.actions.append(action)
            return
        first, *rest = split_text(action.text)
        if not rest:
            self.actions.append(replace(action, text=first))
            return
        self.actions.append(replace(action, text=first, markup=None))
        self.actions += [SendMessage(action.chat_id, part) for part in rest[:-1]]
        self.actions.append(SendMessage(action.chat_id, rest[-1], action.markup))


def split_text(text: str, limit: int = TEXT_MAX) -> list[str]:
    """The text in parts of at most `limit` characters, cut at line breaks where it can."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # a line longer than a message is cut where it must be
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        if current and len(current) + 1 + len(line) > limit:
            parts.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current.strip():
        parts.append(current)
    return parts or [text[:limit]]
