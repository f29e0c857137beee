"""Bot API errors as the sandbox answers them, worded as Telegram words them.

Telegram's descriptions are what bots (and the libraries' exception classes) match on, so each
string here is copied from what the real Bot API returns; where Telegram's wording could not be
confirmed the comment says so.
"""

from __future__ import annotations

from typing import Any

UNAUTHORIZED = "Unauthorized"
NOT_FOUND = "Not Found"
INTERNAL_ERROR = "Internal Server Error"

CHAT_NOT_FOUND = "Bad Request: chat not found"
CHAT_ID_EMPTY = "Bad Request: chat_id is empty"
TEXT_EMPTY = "Bad Request: message text is empty"
TEXT_TOO_LONG = "Bad Request: message is too long"
CAPTION_TOO_LONG = "Bad Request: message caption is too long"
BUTTON_DATA_INVALID = "Bad Request: BUTTON_DATA_INVALID"
# An inline button needs exactly one action field; a bare text button (or one whose
# callback_data is "") is refused with this. Seen from the live API in client bug reports.
TEXT_BUTTONS_UNALLOWED = (
    "Bad Request: can't parse inline keyboard button: "
    "Text buttons are unallowed in the inline keyboard"
)
BUTTON_TEXT_MISSING = "Bad Request: can't parse inline keyboard button: Can't find field \"text\""
# An empty button label: Telegram's exact wording for this case is unconfirmed; this is the
# MTProto error name it passes through for an invalid button text.
BUTTON_TEXT_INVALID = "Bad Request: BUTTON_TEXT_INVALID"
MARKUP_UNPARSABLE = "Bad Request: can't parse reply keyboard markup JSON object"
MESSAGE_TO_EDIT_NOT_FOUND = "Bad Request: message to edit not found"
MESSAGE_CANT_BE_EDITED = "Bad Request: message can't be edited"
NO_TEXT_TO_EDIT = "Bad Request: there is no text in the message to edit"
MESSAGE_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
MESSAGE_TO_DELETE_NOT_FOUND = "Bad Request: message to delete not found"
MESSAGE_CANT_BE_DELETED = "Bad Request: message can't be deleted for everyone"
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
CALLBACK_TEXT_TOO_LONG = "Bad Request: MESSAGE_TOO_LONG"
FILE_ID_INVALID = "Bad Request: invalid file_id"
FILE_REFERENCE_INVALID = "Bad Request: wrong file identifier/HTTP URL specified"
MESSAGE_ID_MISSING = "Bad Request: message identifier is not specified"
ENTITY_TOO_LARGE = "Request Entity Too Large"
FILE_TOO_BIG = "Bad Request: file is too big"
URL_FETCH_UNSUPPORTED = "Bad Request: failed to get HTTP URL content"
FILE_MISSING = "Bad Request: there is no document in the request"
PHOTO_MISSING = "Bad Request: there is no photo in the request"
ACTION_INVALID = "Bad Request: wrong parameter action in request"
COMMAND_INVALID = "Bad Request: BOT_COMMAND_INVALID"
COMMAND_DESCRIPTION_INVALID = "Bad Request: command description is empty"
LANGUAGE_CODE_INVALID = "Bad Request: LANG_CODE_INVALID"
DESCRIPTION_TOO_LONG = "Bad Request: BOT_DESCRIPTION_INVALID"
SCOPE_INVALID = "Bad Request: BOT_COMMAND_SCOPE_INVALID"
LOCATION_INVALID = "Bad Request: wrong latitude or longitude specified"
# Not Telegram's case (it needs public HTTPS): the sandbox only ever connects to this machine.
WEBHOOK_URL_INVALID = (
    "Bad Request: bad webhook: the sandbox delivers webhooks only to http(s) URLs on "
    "127.0.0.1, ::1 or localhost"
)
SECRET_TOKEN_INVALID = "Bad Request: secret token contains unallowed characters"

BLOCKED = "Forbidden: bot was blocked by the user"

WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
OTHER_GET_UPDATES = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)

INJECTED_BAD_REQUEST = "Bad Request: injected fault"


def too_many_requests(retry_after: int) -> str:
    return f"Too Many Requests: retry after {retry_after}"


def invalid_parameter(name: str) -> str:
    return f"Bad Request: invalid {name} specified"


class ApiError(Exception):
    """A Bot API error answer: HTTP status, Telegram's description, and `retry_after` for 429."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def envelope(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(description: str) -> ApiError:
    return ApiError(400, description)


def rate_limited(retry_after: int) -> ApiError:
    return ApiError(429, too_many_requests(retry_after), retry_after=retry_after)
