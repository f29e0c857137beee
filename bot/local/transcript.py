"""The transcript file (docs/sandbox-scripts.md): read, checked whole before anything plays, and
its `settings:` validated by the deployment's own settings model.

A malformed file is a `ScriptError` (exit 2); what a transcript finds while playing is the
player's business (bot/local/script.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import yaml
from pydantic import ValidationError

from bot.settings import Settings, settings_error

ACTIONS = (
    "send",
    "press",
    "tap",
    "share_contact",
    "share_location",
    "upload",
    "block",
    "wait",
    "open_link",
    "add_to_group",
    "save",
)
CHECKS = ("expect", "expect_any", "expect_button", "expect_alert", "expect_edit", "expect_none")
# The checks whose value is a regular expression.
PATTERNS = frozenset({"expect", "expect_any", "expect_button", "expect_alert", "expect_edit"})
REGEXES = PATTERNS | {"open_link", "save"}  # where a saved value is put in escaped
# The steps that may act or look in a declared group (`chat:`) instead of the user's own chat.
IN_GROUPS = frozenset({"send", "press", "open_link", "save", *CHECKS} - {"expect_alert"})
TOP_KEYS = frozenset({"settings", "users", "groups", "steps"})
USER_KEYS = frozenset({"id", "first_name", "phone", "language_code"})
GROUP_KEYS = frozenset({"id", "title"})
# The sandbox gives these itself (and `--framework` chooses the framework).
SANDBOX_SETTINGS = frozenset(
    {"database_url", "telegram_bot_token", "telegram_api_base_url", "bot_framework"}
)
NAME = r"[A-Za-z_][A-Za-z0-9_]*"
# `{NAME}` of a value saved by an earlier `save:`; `\{` is a literal brace, and a regex's own
# braces (`\d{4}`, `x{2,3}`) hold no name, so they are never taken for one.
REFERENCE = re.compile(r"(?<!\\)\{(" + NAME + r")\}")
SAVE = re.compile(r"(" + NAME + r")=(.+)", re.DOTALL)


class ScriptError(Exception):
    """The transcript itself is malformed (a bad step), as opposed to a failed expectation."""

    def report(self, err: TextIO) -> int:
        """Say so as a `{"failed": …}` line; the exit status of a malformed transcript."""
        print(json.dumps({"failed": {"malformed": str(self)}}, ensure_ascii=False), file=err)
        return 2


@dataclass(frozen=True)
class Step:
    """One step, checked: who acts (`user`), what they do or check (`kind`: None for a step
    that only switches user), and where (`chat`: a declared group, or their own chat)."""

    number: int
    user: str
    kind: str | None
    value: Any
    chat: str | None = None
    group: str | None = None  # the group a `?startgroup=` link adds the bot to


@dataclass
class Transcript:
    users: dict[str, dict[str, Any]]
    steps: list[Step]
    settings: dict[str, Any]
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    folder: Path = field(default_factory=Path.cwd)  # where relative `upload:` paths start

    @classmethod
    def load(cls, path: Path) -> Transcript:
        try:
            text = path.read_text(encoding="utf-8")
            data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        except (OSError, ValueError, yaml.YAMLError) as error:
            raise ScriptError(f"{path}: {error}") from None
        return cls.parse(data, folder=path.resolve().parent)

    @classmethod
    def parse(cls, data: object, *, folder: Path | None = None) -> Transcript:
        if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
            raise ScriptError("expected a mapping with a `steps` list")
        _known_keys("the transcript", data, TOP_KEYS)
        users = _mapping(data, "users")
        for name, spec in users.items():
            _user(name, spec)
        groups = _mapping(data, "groups")
        for name, spec in groups.items():
            _group(name, spec)
        settings = _mapping(data, "settings")
        for key in settings:
            _setting_name(key)
        transcript = cls(users=users, steps=[], settings=settings, groups=groups)
        transcript.steps = _Checker(transcript).steps(data["steps"])
        if folder is not None:
            transcript.folder = folder
        return transcript


def apply_settings(base: Settings, values: Mapping[str, Any]) -> Settings:
    """`base` with a transcript's `settings:`, validated as the environment's would be (so
    `admin_telegram_ids: "9001,9002"` and `[9001, 9002]` mean the same)."""
    for key in values:
        _setting_name(key)
    try:
        return Settings.model_validate({**base.model_dump(), **values})
    except ValidationError as error:
        raise ScriptError(f"settings: {settings_error(error)}") from None


def substitute(value: Any, saved: Mapping[str, str], *, pattern: bool) -> Any:
    """`value` with each `{NAME}` replaced by what `save:` stored (escaped in a regex)."""
    if isinstance(value, str):
        return REFERENCE.sub(
            lambda m: re.escape(saved[m[1]]) if pattern else saved[m[1]],
            value,
        )
    if isinstance(value, list):
        return [substitute(item, saved, pattern=pattern) for item in value]
    return value


def _setting_name(key: object) -> None:
    if key in SANDBOX_SETTINGS:
        raise ScriptError(f"settings: {key} is set by the sandbox (the framework by --framework)")
    if key not in Settings.model_fields:
        raise ScriptError(
            f"settings: no setting {key!r}; the names are those of .env.example, in lower case"
        )


def _known_keys(where: str, data: Mapping[Any, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(str(key) for key in data if key not in allowed)
    if unknown:
        raise ScriptError(
            f"{where}: unknown {', '.join(unknown)}; use {', '.join(sorted(allowed))}"
        )


def _mapping(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise ScriptError(f"`{key}` must be a mapping")
    return {str(name): spec for name, spec in value.items()}


def _user(name: str, spec: object) -> None:
    if not isinstance(spec, dict) or not _integer(spec.get("id")) or spec["id"] <= 0:
        raise ScriptError(f"users: {name} needs an `id`, a positive Telegram user id")
    _known_keys(f"users: {name}", spec, USER_KEYS)
    for key in USER_KEYS - {"id"}:
        if key in spec and not isinstance(spec[key], str):
            raise ScriptError(f"users: {name}: `{key}` must be a string (quote it)")


def _group(name: str, spec: object) -> None:
    if not isinstance(spec, dict) or not _integer(spec.get("id")) or spec["id"] >= 0:
        raise ScriptError(f"groups: {name} needs an `id`, a negative chat id")
    _known_keys(f"groups: {name}", spec, GROUP_KEYS)
    if not isinstance(spec.get("title"), str):
        raise ScriptError(f"groups: {name} needs a `title`")


def _integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Checker:
    """Checks the steps in order, knowing who acts and which names are saved so far."""

    def __init__(self, transcript: Transcript) -> None:
        self.transcript = transcript
        self.user: str | None = None
        self.saved: set[str] = set()

    def steps(self, raw: list[Any]) -> list[Step]:
        return [self.step(number, step) for number, step in enumerate(raw, start=1)]

    def step(self, number: int, raw: object) -> Step:
        where = f"step {number}"
        if not isinstance(raw, dict):
            raise ScriptError(f"{where}: expected a mapping, got {raw!r}")
        _known_keys(where, raw, frozenset({*ACTIONS, *CHECKS, "user", "chat", "group"}))
        kinds = [key for key in raw if key in ACTIONS or key in CHECKS]
        if len(kinds) > 1:
            raise ScriptError(f"{where}: one of {', '.join(ACTIONS + CHECKS)} per step")
        if "user" in raw:
            self.user = self._declared(where, "user", raw["user"], self.transcript.users)
        if self.user is None:
            raise ScriptError(f"{where}: say which `user` acts first")
        kind = kinds[0] if kinds else None
        chat = group = None
        if "chat" in raw:
            chat = self._declared(where, "chat", raw["chat"], self.transcript.groups)
            if kind not in IN_GROUPS:
                raise ScriptError(f"{where}: `chat:` goes with {', '.join(sorted(IN_GROUPS))}")
        if "group" in raw:
            group = self._declared(where, "group", raw["group"], self.transcript.groups)
            if kind not in ("press", "open_link"):
                raise ScriptError(f"{where}: `group:` goes with press or open_link")
        value = self._value(where, kind, raw[kind]) if kind is not None else None
        return Step(number, self.user, kind, value, chat=chat, group=group)

    def _declared(self, where: str, key: str, name: object, names: Mapping[str, Any]) -> str:
        if str(name) not in names:
            section = "users" if key == "user" else "groups"
            raise ScriptError(f"{where}: unknown {key} {name!r}; declare it under `{section}`")
        return str(name)

    def _value(self, where: str, kind: str, value: Any) -> Any:
        """The step's value, checked for its kind; its `{NAME}`s must be saved before."""
        where = f"{where} ({kind})"
        for text in value if isinstance(value, list) else [value]:
            for name in REFERENCE.findall(text) if isinstance(text, str) else ():
                if name not in self.saved:
                    raise ScriptError(f"{where}: {{{name}}} is not saved by an earlier `save:`")
        if kind in ("block", "expect_none"):
            if value is not True:
                raise ScriptError(f"{where}: write `{kind}: true`")
        elif kind == "wait":
            if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                raise ScriptError(f"{where}: wait a number of minutes")
        elif kind == "share_location":
            if (
                not isinstance(value, list)
                or len(value) not in (2, 3)
                or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
            ):
                raise ScriptError(f"{where}: give [LATITUDE, LONGITUDE] or [LAT, LON, SECONDS]")
        elif kind == "share_contact":
            if value is True and "phone" not in self.transcript.users[str(self.user)]:
                raise ScriptError(f"{where}: user {self.user} has no `phone` to share")
            if value is not True and not isinstance(value, str):
                raise ScriptError(f"{where}: `share_contact: true` or a phone number")
        elif kind == "add_to_group":
            return self._declared(where, "group", value, self.transcript.groups)
        else:
            return self._text(where, kind, value)
        return value

    def _text(self, where: str, kind: str, value: object) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ScriptError(f"{where}: expected a text, got {value!r}")
        text = str(value)
        if kind == "save":
            match = SAVE.fullmatch(text)
            if match is None:
                raise ScriptError(f"{where}: write `save: NAME=REGEX`")
            _compiles(where, match[2])
            self.saved.add(match[1])
        elif kind in REGEXES:
            _compiles(where, text)
        return text


def _compiles(where: str, pattern: str) -> None:
    try:
        re.compile(REFERENCE.sub("x", pattern))
    except re.error as error:
        raise ScriptError(f"{where}: {pattern!r} is not a regular expression: {error}") from None
