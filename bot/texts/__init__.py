"""The message catalogs: every user-facing text, one key per message.

Each language is a folder (`en/`, `zh-CN/`) of YAML files, one per feature; their keys are merged
and a key defined twice is an error, so features can add texts without touching each other.

Placeholders are Python's `{name}` fields, with two formats of our own read by Babel in the
catalog's locale (its `time.locale` key): `{count:# place|# places}` picks the form the language's
plural rules ask for (the forms in CLDR order: zero, one, two, few, many, other — only those the
language has; `#` is the number), `{distance:n}` writes a number with the locale's grouping
(`2,100`), and a day or a moment (already in the deployment's zone) reads as people write it:
`{at:moment}` `1月10日（周六）09:00` / `Sat 10 Jan 09:00` (the catalog's `time.day` and
`time.moment` put the parts in order), `{at:day}`, `{at:clock}` `09:00`, `{on:date}` `2026年1月10日`
/ `10 January 2026`, `{month:month}` `2026年1月` / `January 2026`.
"""

from __future__ import annotations

import string
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml
from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from babel.numbers import format_decimal

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


PLURAL_ORDER = ("zero", "one", "two", "few", "many")
WRITTEN_TIMES = 4096  # the times (and days) each language keeps written, the latest used


class _Formatter(string.Formatter):
    """`str.format` plus plural forms, grouped numbers and days in one language's locale."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.texts = texts
        self.locale = locale = Locale.parse(texts["time.locale"])
        self.categories = [*(c for c in PLURAL_ORDER if c in locale.plural_form.tags), "other"]
        # The same few times are written over and over (a shift's start, for everyone on it or
        # looking at it), and Babel finds its pattern anew each time: a tenth of /my's CPU.
        self._written = lru_cache(maxsize=WRITTEN_TIMES)(self._write)

    def when(self, value: date, style: str) -> str:
        """A day (`day`, `date`, `month`) or, of a datetime, `moment` or `clock`."""
        # Aware datetimes of one instant are equal whatever their zone: the zone is in the key.
        return self._written(value, getattr(value, "tzinfo", None), style)

    def _write(self, value: date, _zone: object, style: str) -> str:
        locale = self.locale
        if style == "date":
            return format_date(value, "long", locale=locale)
        if style == "month":
            return format_skeleton("yMMMM", value, locale=locale)
        if style == "clock" and isinstance(value, datetime):
            return format_time(value, "short", locale=locale)
        day = self.vformat(
            self.texts["time.day"],
            (),
            {
                "date": format_skeleton("MMMd", value, locale=locale),
                "weekday": format_date(value, "EEE", locale=locale),
            },
        )
        if style == "day":
            return day
        if style == "moment" and isinstance(value, datetime):
            return self.vformat(
                self.texts["time.moment"], (), {"day": day, "time": self.when(value, "clock")}
            )
        raise ValueError(f"{style!r} is no way to write {value!r}")

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, int | float) and not isinstance(value, bool):
            if "|" in format_spec:
                forms = format_spec.split("|")
                if len(forms) != len(self.categories):
                    raise ValueError(f"{format_spec!r}: {self.locale} has {self.categories}")
                form = forms[self.categories.index(self.locale.plural_form(value))]
                return form.replace("#", format_decimal(value, locale=self.locale))
            if format_spec == "n":
                return format_decimal(value, locale=self.locale)
        if isinstance(value, date) and format_spec.isalpha():
            return self.when(value, format_spec)
        return format(value, format_spec)


class Catalogs:
    """Looks texts up by language and key and fills in their named placeholders."""

    def __init__(self, messages: dict[str, dict[str, str]]) -> None:
        self.messages = messages
        self.languages = tuple(messages)
        self.formatters = {language: _Formatter(texts) for language, texts in messages.items()}

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
        formatter = self._formatter(language)
        return formatter.vformat(formatter.texts[key], (), params)

    def section(self, language: str, prefix: str) -> dict[str, str]:
        """The section's texts as written (placeholders unfilled), keys without the prefix."""
        start = f"{prefix}."
        texts = self._formatter(language).texts
        return {key[len(start) :]: text for key, text in texts.items() if key.startswith(start)}

    def locale(self, language: str) -> Locale:
        """The Babel locale the language's texts are written for (dates, numbers, lists)."""
        return self._formatter(language).locale

    def when(self, language: str, value: date, style: str) -> str:
        """`value` as the catalogs' `{value:style}` writes it (`day`, `moment`, `clock`, ...)."""
        return self._formatter(language).when(value, style)

    def _formatter(self, language: str) -> _Formatter:
        return self.formatters.get(language, self.formatters[self.languages[0]])


@cache
def catalogs() -> Catalogs:
    return Catalogs.load()
