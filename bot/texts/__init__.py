"""The message catalogs: every user-facing text, one key per message, one file per language."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

CATALOG_DIR = Path(__file__).parent


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value).rstrip("\n")
    return flat


class Catalogs:
    """Looks texts up by language and key and fills in their named placeholders."""

    def __init__(self, messages: dict[str, dict[str, str]]) -> None:
        self.messages = messages
        self.languages = tuple(messages)

    @classmethod
    def load(cls, directory: Path = CATALOG_DIR) -> Catalogs:
        messages = {
            path.stem: _flatten(yaml.safe_load(path.read_text(encoding="utf-8")))
            for path in sorted(directory.glob("*.yaml"), key=lambda p: p.stem != "zh-CN")
        }
        return cls(messages)

    def get(self, language: str, key: str, /, **params: Any) -> str:
        catalog = self.messages.get(language) or next(iter(self.messages.values()))
        return catalog[key].format_map(params)


@cache
def catalogs() -> Catalogs:
    return Catalogs.load()
