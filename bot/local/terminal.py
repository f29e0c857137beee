"""Chat with the bot in a terminal, as a volunteer or a coordinator; buttons become numbers."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from bot.local.harness import Person, Reply, RunningBot
from sandbox.server import SentMessage

COORDINATOR_ID = 2001  # coordinates the sandbox's seeded team
PERSONAS = {
    "volunteer": (1001, "Xiaoming", "+8613800138000"),
    "coordinator": (COORDINATOR_ID, "Coordinator Lin", "+8613900139000"),
}
LIVE_PERIOD = 15 * 60  # seconds a live location is shared for
HELP = """\
Type a message and press Enter. A number chooses one of the buttons shown.
  :contact [phone]      share a contact (your own number by default)
  :location LAT LON [live]  share a location: a static pin, or live (as the phone sends)
  :photo                send a photo
  :upload PATH          send a file
  :wait MINUTES         let simulated time pass
  :menu                 the command menu Telegram would show you
  :as volunteer|coordinator   switch who you are
  :quit                 leave (Ctrl-D works too)"""


class Terminal:
    def __init__(self, bot: RunningBot, persona: str = "volunteer") -> None:
        self.bot = bot
        self.persona = persona
        self.choices: list[tuple[str, str, int | None]] = []  # (kind, label, message id)

    @property
    def person(self) -> Person:
        user_id, name, phone = PERSONAS[self.persona]
        return self.bot.person(user_id, name, phone_number=phone)

    async def run(self) -> None:
        print(f"volbot sandbox: you are the {self.persona}. {HELP}\n")
        print("you> /start")
        self.show(await self.person.send("/start"))
        while True:
            try:
                line = (await asyncio.to_thread(input, "you> ")).strip()
            except EOFError:
                return
            if line in (":quit", ":q"):
                return
            if line:
                try:
                    await self.handle(line)
                except (LookupError, ValueError) as error:
                    print(f"  ({error})")

    async def handle(self, line: str) -> None:
        person = self.person
        if line.isdigit() and 1 <= int(line) <= len(self.choices):
            kind, label, message_id = self.choices[int(line) - 1]
            if kind == "inline":
                self.show(await person.press(label, message_id=message_id))
            else:
                self.show(await person.tap(label))
            return
        command, _, rest = line.partition(" ")
        if command == ":help":
            print(HELP)
        elif command == ":as":
            if rest not in PERSONAS:
                raise ValueError("choose :as volunteer or :as coordinator")
            self.persona = rest
            print(f"  you are now the {rest}")
        elif command == ":contact":
            self.show(await person.share_contact(rest or PERSONAS[self.persona][2]))
        elif command == ":location":
            latitude, longitude, *live = rest.split()
            period = LIVE_PERIOD if live == ["live"] else None
            reply = await person.share_location(
                float(latitude), float(longitude), live_period=period
            )
            self.show(reply)
        elif command == ":photo":
            self.show(await person.send_photo(b"\x89PNG\r\n\x1a\n"))
        elif command == ":upload":
            path = Path(rest)
            content = await asyncio.to_thread(path.read_bytes)
            self.show(await person.upload(path.name, content, "application/octet-stream"))
        elif command == ":menu":
            self.show_menu()
        elif command == ":wait":
            before = {m.message_id: m.edit_count for m in person.messages()}
            self.bot.clock.advance(timedelta(minutes=float(rest)))
            await self.bot.run_jobs()
            print(f"  it is now {self.bot.clock.now():%Y-%m-%d %H:%M} UTC")
            changed = [m for m in person.messages() if before.get(m.message_id) != m.edit_count]
            self.show(Reply(messages=changed))
        else:
            self.show(await person.send(line))

    def show_menu(self) -> None:
        """The menu beside the message box, as the sandbox resolves it for this persona (their
        own chat's, else everyone's in their app's language)."""
        commands = self.bot.sandbox.menu(self.person.id)
        if not commands:
            print("  (no command menu)")
        for entry in commands:
            print(f"  /{entry['command']} – {entry['description']}")

    def show(self, reply: Reply) -> None:
        if reply.alert:
            print(f"  [!] {reply.alert}")
        self.choices = []
        for message in reply.messages:
            self._print_message(message)
        keyboard = self.person.user.reply_keyboard
        if keyboard:
            labels = [button.label for row in keyboard for button in row]
            self._print_choices("keyboard", labels, None)

    def _print_message(self, message: SentMessage) -> None:
        edited = " (edited)" if message.edit_count else ""
        print(f"bot{edited}> " + (message.text or "").replace("\n", "\n     "))
        if message.document is not None:
            print(f"     [file: {message.document.filename}]")
        self._print_choices("inline", message.button_labels(), message.message_id)

    def _print_choices(self, kind: str, labels: list[str], message_id: int | None) -> None:
        if not labels:
            return
        parts = []
        for label in labels:
            self.choices.append((kind, label, message_id))
            parts.append(f"[{len(self.choices)}] {label}")
        print("     " + "  ".join(parts))
