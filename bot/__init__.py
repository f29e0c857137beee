"""The bot's running side: settings, wiring, the Telegram adapters, the HTTP server, the CLI."""

from __future__ import annotations

import importlib.metadata
from functools import cache


@cache
def version() -> str:
    """volbot's version, as pyproject.toml's [project] gives it (the one place it is written)."""
    try:
        return importlib.metadata.version("volbot")
    except importlib.metadata.PackageNotFoundError:  # a checkout that was never installed
        return "0+unknown"
