"""Transcripts: play a YAML/JSON list of steps against the bot in the sandbox, with no terminal.

Each bot message is printed as one JSON line; the run stops with a non-zero exit at the first
`expect` that does not match. The format is documented in docs/sandbox-scripts.md.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TextIO

import yaml

from bot.local.harness import Person, Reply, RunningBot

ACTIONS = ("send", "press", "tap", "share_contact", "share_location", "upload", "block", "wait")
CHECKS = ("expect",)


class ScriptError(Exception):
    """The transcript itself is malformed (a bad step), as opposed to a failed expectation."""


@dataclass
class Transcript:
    users: dict[str, dict[str, Any]]
    steps: list[dict[str, Any]]
    settings: dict[str, Any]

    @classmethod
    def load(cls, path: Path) -> Transcript:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
            raise ScriptError(f"{path}: expected a mapping with a `steps` list")
        return cls(
            users=data.get("users") or {},
            steps=data["steps"],
            settings=data.get("settings") or {},
        )


class Player:
    def __init__(self, bot: RunningBot, transcript: Transcript, out: TextIO) -> None:
        self.bot = bot
        self.transcript = transcript
        self.out = out
        self.people: dict[str, Person] = {}
        self.current: str | None = None

    def person(self, name: str) -> Person:
        if name not in self.people:
            spec = self.transcript.users.get(name)
            if spec is None:
                raise ScriptError(f"unknown user {name!r}; declare it under `users`")
            self.people[name] = self.bot.person(
                int(spec["id"]),
                str(spec.get("first_name", name)),
                phone_number=spec.get("phone"),
                language_code=str(spec.get("language_code", "zh-hans")),
            )
        return self.people[name]

    async def play(self) -> int:
        for number, step in enumerate(self.transcript.steps, start=1):
            if not isinstance(step, dict):
                raise ScriptError(f"step {number}: expected a mapping, got {step!r}")
            if "user" in step:
                self.current = str(step["user"])
            if self.current is None:
                raise ScriptError(f"step {number}: say which `user` acts first")
            kinds = [key for key in step if key in ACTIONS + CHECKS]
            unknown = set(step) - set(ACTIONS + CHECKS) - {"user"}
            if unknown or len(kinds) > 1:
                raise ScriptError(f"step {number}: one of {', '.join(ACTIONS + CHECKS)} per step")
            if not kinds:
                continue  # a step that only switches user
            kind = kinds[0]
            if kind == "expect":
                if not self._expect(number, str(step["expect"])):
                    return 1
            else:
                await self._act(kind, step[kind])
        return 0

    async def _act(self, kind: str, value: Any) -> None:
        assert self.current is not None
        person = self.person(self.current)
        reply: Reply | None = None
        if kind == "send":
            reply = await person.send(str(value))
        elif kind == "press":
            reply = await person.press(str(value))
        elif kind == "tap":
            reply = await person.tap(str(value))
        elif kind == "share_contact":
            phone = person.user.phone_number if value is True else str(value)
            if not phone:
                raise ScriptError(f"user {self.current!r} has no `phone` to share")
            reply = await person.share_contact(phone)
        elif kind == "share_location":
            latitude, longitude, *live = value  # a third item: shared live for that many seconds
            period = int(live[0]) if live else None
            reply = await person.share_location(
                float(latitude), float(longitude), live_period=period
            )
        elif kind == "upload":
            path = Path(str(value))
            content = await asyncio.to_thread(path.read_bytes)
            reply = await person.upload(path.name, content, "application/octet-stream")
        elif kind == "block":
            await person.block()
        elif kind == "wait":
            self.bot.clock.advance(timedelta(minutes=float(value)))
            await self.bot.run_jobs()
        if reply is not None:
            self._print(reply)

    def _print(self, reply: Reply) -> None:
        for message in reply.messages:
            line = {"user": self.current, "text": message.text, "buttons": message.button_labels()}
            if reply.alert:
                line["alert"] = reply.alert
            print(json.dumps(line, ensure_ascii=False), file=self.out, flush=True)
        if not reply.messages and reply.alert:
            print(
                json.dumps({"user": self.current, "alert": reply.alert}, ensure_ascii=False),
                file=self.out,
                flush=True,
            )

    def _expect(self, number: int, pattern: str) -> bool:
        assert self.current is not None
        last = self.person(self.current).user.last_message()
        text = last.text if last is not None and last.text else ""
        if re.search(pattern, text):
            return True
        failure = {"step": number, "expect": pattern, "user": self.current, "last": text}
        print(json.dumps({"failed": failure}, ensure_ascii=False), file=sys.stderr, flush=True)
        return False
