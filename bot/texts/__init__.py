"""The message catalogs: every user-facing text, one key per message.

Each language is a folder (`en/`, `zh-CN/`) of YAML files, one per feature; their keys are merged
and a key defined twice is an error, so features can add texts without touching each other.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

CATALOG_DIR = Path(__file__).parent


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        if not isinstance(key, str):  # YAML reads a bare `yes:` or `no:` key as a boolean
            raise ValueError(f"catalog key {prefix}{key!r} is not text; quote it")
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value).rstrip("\n")
    return flat


def _load_language(folder: Path) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in sorted(folder.glob("*.yaml")):
        texts = _flatten(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
        twice = merged.keys() & texts.keys()
        if twice:
            raise ValueError(f"{path}: keys defined in another file too: {sorted(twice)}")
        merged.update(texts)
    return merged


class Catalogs:
    """Looks texts up by language and key and fills in their named placeholders."""

    def __init__(self, messages: dict[str, dict[str, str]]) -> None:
        self.messages = messages
        self.languages = tuple(messages)

    @classmethod
    def load(cls, directory: Path = CATALOG_DIR) -> Catalogs:
        folders = sorted(
            (
                path
                for path in directory.iterdir()
                if path.is_dir() and not path.name.startswith("_")
            ),
            key=lambda p: p.name != "zh-CN",
        )
        return cls({folder.name: _load_language(folder) for folder in folders})

    def get(self, language: str, key: str, /, **params: Any) -> str:
        catalog = self.messages.get(language) or next(iter(self.messages.values()))
        return catalog[key].format_map(params)


@cache
def catalogs() -> Catalogs:
    return Catalogs.load()
