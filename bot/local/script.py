"""Transcripts: play the steps of a transcript (bot/local/transcript.py) against the bot in the
sandbox, with no terminal.

Every message the bot sends or edits, to everyone, is printed as one JSON line in the order it
was delivered, and every pop-up; the run stops at the first check that fails (exit 1, with a
`{"failed": …}` line on standard error saying what was there). The format is documented in
docs/sandbox-scripts.md.
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
import re
import time
from collections.abc import Awaitable, Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.local.harness import Person, RunningBot
from bot.local.transcript import PATTERNS, REGEXES, SAVE, ScriptError, Step, Transcript, substitute
from sandbox.records import SentMessage
from sandbox.users import SandboxGroup

# A link into a bot, as Telegram's apps open it: https://core.telegram.org/api/links#bot-links
# (a start parameter is up to 64 of A-Z a-z 0-9 _ and -).
BOT_LINK = re.compile(r"(?:https?://)?t\.me/(\w+)\?(start|startgroup)=([\w-]{1,64})")
LISTED_MAX = 20  # links, labels or texts a failed line lists at most
# How long a person takes over each step, as far as Telegram's flood limits are concerned.
STEP_SECONDS = 3.0


class FloodClock:
    """The clock the sandbox's flood limits run on while a transcript plays: real time, plus
    STEP_SECONDS for each step people take and the minutes `wait` skips. On real time alone a
    long transcript would spend a chat's allowance (about 20 messages, then one a second) in
    a few seconds, as no person does, and then crawl at a second a message."""

    def __init__(self) -> None:
        self.skipped = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.skipped


class StepFailed(Exception):
    """A check that did not match, a button that is not there: what the failed line adds to
    the step's name and value."""

    def __init__(self, **details: Any) -> None:
        super().__init__(details)
        self.details = details


class Player:
    def __init__(
        self,
        bot: RunningBot,
        transcript: Transcript,
        out: TextIO,
        err: TextIO,
        flood_clock: FloodClock | None = None,
    ) -> None:
        self.bot = bot
        # The sandbox's flood clock, moved on by each step (a clock of its own when not given).
        self.flood_clock = flood_clock or FloodClock()
        self.world = bot.sandbox.world
        self.transcript = transcript
        self.out, self.err = out, err
        self.people: dict[str, Person] = {}
        self.groups: dict[str, SandboxGroup] = {}
        self.saved: dict[str, str] = {}
        self.start = self.printed = len(self.world.history)
        self.checked: dict[int, int] = {}  # chat id → history's length at its previous check
        self.alerts: dict[str, str | None] = {}  # user → the pop-up of their last press
        self.popups: list[dict[str, str]] = []  # pop-ups not printed yet
        self.names: dict[int, tuple[str, str]] = {
            int(spec["id"]): ("user", name) for name, spec in transcript.users.items()
        } | {int(spec["id"]): ("chat", name) for name, spec in transcript.groups.items()}

    async def play(self) -> int:
        """Play every step; 0 when all ran and matched, 1 at a failed one, 2 if malformed."""
        for step in self.transcript.steps:
            if step.kind is None:
                continue  # a step that only switches user
            value = substitute(step.value, self.saved, pattern=step.kind in REGEXES)
            self.flood_clock.skipped += STEP_SECONDS
            try:
                await self._step(step, value)
            except StepFailed as failed:
                self._flush()
                self._report(step, value, failed.details)
                return 1
            except ScriptError as error:
                self._flush()
                return error.report(self.err)
            self._flush()
        return 0

    # --- acting -------------------------------------------------------------------------

    async def _step(self, step: Step, value: Any) -> None:
        try:
            await self._do(step, value)
        except (LookupError, ValueError) as error:  # what Telegram's app would not let one do
            raise StepFailed(reason=str(error)) from None
        except TimeoutError:
            raise StepFailed(reason="the bot did not finish handling it in time") from None

    async def _do(self, step: Step, value: Any) -> None:
        if step.kind == "save":
            self._save(step, value)
        elif step.kind in PATTERNS or step.kind == "expect_none":
            self._check(step, value)
        elif step.kind == "open_link":
            await self._open(step, self._link(step, value), "the link")
        elif step.kind == "press":
            await self._press(step, value)
        elif step.kind == "send" and step.chat is not None:
            person = self._person(step.user)
            await self._handled(self._group(step.chat).send(person.user, value))
        elif step.kind == "wait":
            self.bot.clock.advance(timedelta(minutes=float(value)))
            self.flood_clock.skipped += float(value) * 60
            await self.bot.run_background()
        elif step.kind == "add_to_group":
            await self.bot.add_to_group(self._group(value), self._person(step.user))
        else:
            await self._act(step, value)

    async def _act(self, step: Step, value: Any) -> None:
        """What a person does in their own chat."""
        person = self._person(step.user)
        if step.kind == "send":
            await person.send(value)
        elif step.kind == "tap":
            self._has_key(person, value)
            await person.tap(value)
        elif step.kind == "share_contact":
            phone = value if isinstance(value, str) else person.user.phone_number
            assert phone is not None  # checked when the transcript was read
            await person.share_contact(phone)
        elif step.kind == "share_location":
            latitude, longitude, *live = value  # a third item: shared live that many seconds
            period = int(live[0]) if live else None
            await person.share_location(latitude, longitude, live_period=period)
        elif step.kind == "upload":
            path = self._file(value)
            content = await asyncio.to_thread(path.read_bytes)
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            await person.upload(path.name, content, kind)
        elif step.kind == "block":
            await person.block()

    async def _press(self, step: Step, label: str) -> None:
        messages = self._messages(step)
        message = next((m for m in reversed(messages) if m.find_button(label)), None)
        if message is None:
            raise StepFailed(there=_listed(label for m in messages for label in m.button_labels()))
        button = message.find_button(label)
        assert button is not None
        self.alerts[step.user] = None
        if button.url is not None:
            await self._open(step, button.url, f"the button {label!r}")
        elif step.chat is not None:
            raise StepFailed(reason="transcripts press inline buttons in private chats only")
        else:
            reply = await self._person(step.user).press(label, message_id=message.message_id)
            self.alerts[step.user] = reply.alert
            if reply.alert:
                self.popups.append({"user": step.user, "alert": reply.alert})

    async def _open(self, step: Step, url: str, what: str) -> None:
        """Open a link as Telegram's app does: `?start=P` sends `/start P` in the bot's chat;
        `?startgroup=P` adds the bot to the group chosen (`group:`), then `/start@bot P` there."""
        found = BOT_LINK.fullmatch(url)
        if found is None or found[1].lower() != self.world.bot_username.lower():
            raise StepFailed(reason=f"{what} opens {url}, not this bot")
        person = self._person(step.user)
        if found[2] == "start":
            await person.send(f"/start {found[3]}")
            return
        if step.group is None:
            raise ScriptError(
                f"step {step.number}: {url} adds the bot to a group: say which in `group:`"
            )
        group = self._group(step.group)
        await self.bot.add_to_group(group, person)
        await self._handled(group.send(person.user, f"/start@{found[1]} {found[3]}"))

    def _link(self, step: Step, pattern: str) -> str:
        """The newest link into this bot in the chat (text, captions, URL buttons) matching."""
        bot = self.world.bot_username
        links = [
            link for message in reversed(self._messages(step)) for link in _links(message, bot)
        ]
        found = next((url for url in links if re.search(pattern, url)), None)
        if found is None:
            raise StepFailed(there=_listed(reversed(links)))  # oldest first, as elsewhere
        return found

    def _save(self, step: Step, spec: str) -> None:
        """`NAME=REGEX`: the newest text, label or button URL in the chat that matches; the
        regex's first group if it has one."""
        match = SAVE.fullmatch(spec)
        assert match is not None  # checked when the transcript was read
        name, pattern = match[1], re.compile(match[2])
        messages = self._messages(step)
        for message in reversed(messages):
            for text in [*_texts(message), *_labels_and_urls(message)]:
                found = pattern.search(text)
                if found is not None:
                    self.saved[name] = found[1] if pattern.groups else found[0]
                    return
        raise StepFailed(there=_listed(_shown(m) for m in messages))

    # --- checking -----------------------------------------------------------------------

    def _check(self, step: Step, pattern: str) -> None:
        chat_id = self._chat_id(step)
        since = [
            m
            for m in self.world.history[self.checked.get(chat_id, self.start) :]
            if m.chat_id == chat_id
        ]
        self.checked[chat_id] = len(self.world.history)
        if step.kind == "expect":
            newest = self._messages(step)[-1:]
            if not any(_matches(pattern, m) for m in newest):
                raise StepFailed(there=_shown(newest[0]) if newest else None)
        elif step.kind == "expect_any" or step.kind == "expect_edit":
            seen = [m for m in since if m.edit_count or step.kind == "expect_any"]
            if not any(_matches(pattern, m) for m in seen):
                raise StepFailed(there=_listed(_shown(m) for m in seen))
        elif step.kind == "expect_button":
            shown = [m for m in since if m.buttons] or self._messages(step)[-1:]
            labels = [label for m in shown for label in m.button_labels()]
            keyboard = self.world.chats[chat_id].reply_keyboard or []
            labels += [button.label for row in keyboard for button in row]
            if not any(re.search(pattern, label) for label in labels):
                raise StepFailed(there=_listed(labels))
        elif step.kind == "expect_alert":
            alert = self.alerts.get(step.user)
            if alert is None or not re.search(pattern, alert):
                raise StepFailed(there=alert)
        elif since:  # expect_none
            raise StepFailed(there=_listed(_shown(m) for m in since))

    # --- the people, the groups, the output ---------------------------------------------

    def _person(self, name: str) -> Person:
        if name not in self.people:
            spec = self.transcript.users[name]
            self.people[name] = self.bot.person(
                int(spec["id"]),
                str(spec.get("first_name", name)),
                phone_number=spec.get("phone"),
                language_code=str(spec.get("language_code", "zh-hans")),
            )
        return self.people[name]

    def _group(self, name: str) -> SandboxGroup:
        if name not in self.groups:
            spec = self.transcript.groups[name]
            self.groups[name] = self.bot.sandbox.group(int(spec["id"]), str(spec["title"]))
        return self.groups[name]

    def _chat_id(self, step: Step) -> int:
        if step.chat is not None:
            return self._group(step.chat).id
        return self._person(step.user).id

    def _messages(self, step: Step) -> list[SentMessage]:
        """The bot's messages in the step's chat as they are now, oldest first."""
        return self.world.bot_messages(self._chat_id(step))

    def _file(self, name: str) -> Path:
        """An upload's file: relative to the transcript's folder, else to the working one."""
        for path in (self.transcript.folder / name, Path(name)):
            if path.is_file():
                return path
        raise ScriptError(f"no file {name!r} to upload")

    @staticmethod
    def _has_key(person: Person, label: str) -> None:
        keyboard = person.user.reply_keyboard or []
        labels = [button.label for row in keyboard for button in row]
        if label not in labels:
            raise StepFailed(there=labels)

    async def _handled(self, acting: Awaitable[int]) -> None:
        await self.bot.handled(await acting)

    def _flush(self) -> None:
        """Print what the bot delivered since the last step, to everyone, then the pop-ups."""
        for message in self.world.history[self.printed :]:
            self._print(self._line(message))
        self.printed = len(self.world.history)
        for popup in self.popups:
            self._print(popup)
        self.popups.clear()

    def _line(self, message: SentMessage) -> dict[str, Any]:
        key, name = self.names.get(message.chat_id, ("chat", ""))
        line: dict[str, Any] = {key: name or message.chat_id}  # an undeclared chat: its id
        if message.kind == "photo":
            line["photo"] = message.text or ""
        elif message.kind == "document" and message.document is not None:
            line["document"] = message.document.filename
            if message.text:
                line["text"] = message.text
        elif message.kind == "location" and message.location is not None:
            line["location"] = list(message.location)
        else:
            line["text"] = message.text
        line["buttons"] = message.button_labels()
        markup = message.reply_markup or {}
        if "keyboard" in markup:
            line["keyboard"] = [button.get("text") for row in markup["keyboard"] for button in row]
        elif markup.get("remove_keyboard"):
            line["keyboard"] = None
        if message.edit_count:
            line["edited"] = True
        return line

    def _print(self, line: dict[str, Any]) -> None:
        print(json.dumps(line, ensure_ascii=False), file=self.out, flush=True)

    def _report(self, step: Step, value: Any, details: dict[str, Any]) -> None:
        """The failed line: the step, who, where, what it wanted, and what was there."""
        failure: dict[str, Any] = {"step": step.number, "user": step.user}
        if step.chat is not None:
            failure["chat"] = step.chat
        failure[str(step.kind)] = value
        failure.update(details)
        print(json.dumps({"failed": failure}, ensure_ascii=False), file=self.err, flush=True)


def _texts(message: SentMessage) -> list[str]:
    """What a check reads of a message: its text (a caption for media), a file's name."""
    texts = [message.text or ""]
    if message.document is not None:
        texts.append(message.document.filename)
    return texts


def _labels_and_urls(message: SentMessage) -> Iterator[str]:
    for row in message.buttons:
        for button in row:
            yield button.label
            if button.url is not None:
                yield button.url


def _links(message: SentMessage, bot: str) -> Iterator[str]:
    """The links into `bot` a message shows: in its text or caption, then its URL buttons."""
    urls = [found[0] for found in BOT_LINK.finditer(message.text or "")]
    urls += [button.url for row in message.buttons for button in row if button.url]
    for url in urls:
        found = BOT_LINK.fullmatch(url)
        if found is not None and found[1].lower() == bot.lower():
            yield url


def _matches(pattern: str, message: SentMessage) -> bool:
    return any(re.search(pattern, text) for text in _texts(message))


def _shown(message: SentMessage) -> str:
    if message.document is not None:
        return f"[{message.document.filename}] {message.text or ''}".strip()
    if message.kind == "location":
        return f"[location {message.location}]"
    return message.text or f"[{message.kind}]"


def _listed(items: Iterable[str]) -> list[str]:
    """Distinct items in order, the newest LISTED_MAX (a failed line stays readable)."""
    return list(dict.fromkeys(items))[-LISTED_MAX:]
