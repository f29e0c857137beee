"""What the sandbox remembers and hands to tests: bot messages, buttons, answers, API calls.

`SentMessage` is immutable: an edit stores a new one, so a message a test is holding keeps
showing the state it had when the test read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

MessageKind = Literal["text", "document", "photo", "location"]


@dataclass(frozen=True)
class Button:
    """An inline keyboard button."""

    label: str
    callback_data: str | None = None
    url: str | None = None
    web_app: str | None = None  # the Mini App's address the button opens


@dataclass(frozen=True)
class ReplyButton:
    """A reply keyboard button (shown instead of the user's keyboard)."""

    label: str
    request_contact: bool = False
    request_location: bool = False


@dataclass(frozen=True)
class SentDocument:
    filename: str
    content: bytes
    mime_type: str


@dataclass(frozen=True)
class SentMessage:
    """A message the bot sent, in its current state (text is the caption for media)."""

    message_id: int
    chat_id: int
    date: datetime
    kind: MessageKind = "text"
    text: str | None = None
    buttons: list[list[Button]] = field(default_factory=list)
    document: SentDocument | None = None
    photo: bytes | None = None
    location: tuple[float, float] | None = None
    # The reply_markup as the bot sent it: an inline keyboard, a reply keyboard or a removal.
    reply_markup: dict[str, Any] | None = None
    file_id: str | None = None
    edit_count: int = 0
    edit_date: datetime | None = None
    deleted: bool = False

    def button_labels(self) -> list[str]:
        return [button.label for row in self.buttons for button in row]

    def find_button(self, label: str) -> Button | None:
        return next((b for row in self.buttons for b in row if b.label == label), None)

    def summary(self) -> str:
        """One line for error messages: id, text and buttons."""
        labels = self.button_labels()
        buttons = f" buttons={labels}" if labels else ""
        return f"#{self.message_id} {self.text!r}{buttons}"

    def to_json(self) -> dict[str, Any]:
        """A plain-JSON view for the control API."""
        body: dict[str, Any] = {
            "message_id": self.message_id,
            "chat_id": self.chat_id,
            "date": self.date.isoformat(),
            "kind": self.kind,
            "text": self.text,
            "buttons": [
                [
                    {
                        "label": b.label,
                        "callback_data": b.callback_data,
                        "url": b.url,
                        "web_app": b.web_app,
                    }
                    for b in row
                ]
                for row in self.buttons
            ],
            "edit_count": self.edit_count,
        }
        if self.document is not None:
            body["document"] = {
                "filename": self.document.filename,
                "mime_type": self.document.mime_type,
                "size": len(self.document.content),
            }
        if self.photo is not None:
            body["photo_size"] = len(self.photo)
        if self.location is not None:
            body["location"] = list(self.location)
        return body


@dataclass(frozen=True)
class CallbackAnswer:
    """The bot's answerCallbackQuery to one button press."""

    query_id: str
    text: str | None
    show_alert: bool
    url: str | None = None


@dataclass(frozen=True)
class ApiCall:
    """One Bot API request as the sandbox saw and answered it."""

    method: str
    chat_id: int | None
    status: int
    description: str | None
    time: float  # the sandbox's monotonic clock when the request arrived
    params: dict[str, Any]
    # The base URL of the sandbox address it came in on (see BotApiSandbox.add_address);
    # None for a method the bot returned in its answer to a webhook delivery.
    via: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200
