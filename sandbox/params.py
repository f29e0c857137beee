"""Bot API request parameters, read the way Telegram reads them.

Telegram accepts parameters in the query string, a JSON body, a urlencoded form or a multipart
form (https://core.telegram.org/bots/api#making-requests). Over forms every value is a string:
python-telegram-bot and aiogram JSON-encode complex fields (reply_markup, allowed_updates, ...)
and send booleans as "true"/"false" and integers as digits. aiogram sends every upload as a part
with a random name and the parameter as `attach://<name>`; python-telegram-bot names the part
after the parameter itself. `Params` hides all of that behind typed getters.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from sandbox.errors import MARKUP_UNPARSABLE, ApiError, bad_request, invalid_parameter

# Fields whose form-encoded string value is JSON (https://core.telegram.org/bots/api).
JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "commands",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "scope",
        "media",
    }
)
ATTACH_PREFIX = "attach://"
TRUE_STRINGS = frozenset({"true", "1", "yes", "on"})
FALSE_STRINGS = frozenset({"false", "0", "no", "off", ""})


@dataclass(frozen=True)
class UploadedPart:
    """A file sent in a multipart request."""

    filename: str
    mime_type: str
    content: bytes


class Params:
    """One request's parameters with typed, Telegram-worded access."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values: dict[str, Any] = dict(values)

    def __contains__(self, name: object) -> bool:
        return name in self.values and self.values[name] is not None

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None or isinstance(value, UploadedPart):
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, dict | list):
            return json.dumps(value)
        return str(value)

    def integer(self, name: str) -> int | None:
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        try:
            return int(str(value).strip())
        except ValueError:
            raise bad_request(invalid_parameter(name)) from None

    def number(self, name: str) -> float | None:
        value = self.values.get(name)
        if value is None:
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise bad_request(invalid_parameter(name)) from None
        if not math.isfinite(number):
            raise bad_request(invalid_parameter(name))
        return number

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if value is None:
            return False
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float):
            return value != 0
        lowered = str(value).strip().lower()
        if lowered in TRUE_STRINGS:
            return True
        if lowered in FALSE_STRINGS:
            return False
        raise bad_request(invalid_parameter(name))

    def obj(self, name: str) -> Any:
        """A JSON-valued field, decoded (form values arrive as JSON strings)."""
        value = self.values.get(name)
        if isinstance(value, str):
            return decode_json_field(name, value)
        return value

    def upload(self, name: str) -> UploadedPart | str | None:
        """A file parameter: the uploaded part (direct or via attach://), or a file_id/URL."""
        value = self.values.get(name)
        if isinstance(value, str) and value.startswith(ATTACH_PREFIX):
            part = self.values.get(value[len(ATTACH_PREFIX) :])
            if not isinstance(part, UploadedPart):
                raise bad_request(f"Bad Request: file {value} not found in the request")
            return part
        if value is None or isinstance(value, UploadedPart):
            return value
        return str(value)

    def loggable(self) -> dict[str, Any]:
        """The parameters with uploads summarised, for the call log."""
        return {
            key: (
                {"filename": v.filename, "mime_type": v.mime_type, "size": len(v.content)}
                if isinstance(v, UploadedPart)
                else v
            )
            for key, v in self.values.items()
        }


def decode_json_field(name: str, value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        if name == "reply_markup":
            raise bad_request(MARKUP_UNPARSABLE) from None
        raise bad_request(f"Bad Request: can't parse {name} JSON object") from None


async def read_params(request: web.Request) -> Params:
    """Merge the query string and the body (JSON, urlencoded or multipart) into `Params`."""
    values: dict[str, Any] = dict(request.query)
    content_type = request.content_type
    if content_type == "application/json":
        raw = await request.read()
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse JSON object") from None
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: JSON object expected")
            values.update(body)
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                values[key] = UploadedPart(
                    filename=value.filename or key,
                    mime_type=value.content_type or "application/octet-stream",
                    content=value.file.read(),
                )
            elif isinstance(value, bytes | bytearray):
                values[key] = bytes(value).decode("utf-8", errors="replace")
            else:
                values[key] = value
    for key in JSON_FIELDS & values.keys():
        if isinstance(values[key], str):
            values[key] = decode_json_field(key, values[key])
    return Params(values)
