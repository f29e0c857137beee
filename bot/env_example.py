"""`.env.example`, made from the settings model: every setting, its meaning (the field's
docstring) and its default, commented out, for an operator to copy to `.env` and fill in.
`volbot settings example` prints it; a test checks the committed file is what it prints."""

from __future__ import annotations

import textwrap
from datetime import time
from decimal import Decimal

from pydantic import SecretStr
from pydantic.fields import FieldInfo

from bot.settings import Settings

WIDTH = 100
HEADER = """\
# volbot's settings: copy this file to .env (in the folder volbot runs in) and uncomment what
# you set; the environment wins over .env. Each is shown with its default. Made by
# `volbot settings example > .env.example` from bot/settings.py: change it there.
"""


def env_example() -> str:
    """The whole file, in the order the settings are declared."""
    entries = [_entry(name, field) for name, field in Settings.model_fields.items()]
    return HEADER + "".join(f"\n{entry}" for entry in entries)


def _entry(name: str, field: FieldInfo) -> str:
    if not field.description:
        raise ValueError(f"the setting {name} has no docstring to describe it")
    text = " ".join(field.description.split())
    comment = textwrap.fill(text, WIDTH, initial_indent="# ", subsequent_indent="# ")
    default = "" if field.default_factory is not None else _written(field.default)
    return f"{comment}\n# {name.upper()}={default}\n"


def _written(value: object) -> str:
    """A default as it is written in the environment."""
    if isinstance(value, SecretStr):
        return value.get_secret_value()  # only ever an empty default
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, tuple):
        return ",".join(_written(part) for part in value)
    if isinstance(value, int | str | Decimal):
        return str(value)
    raise TypeError(f"no way to write a default of type {type(value).__name__}")
