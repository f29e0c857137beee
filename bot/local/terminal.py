"""Chat with the bot in a terminal as any number of personas; buttons become numbers.

Simulated time runs along with real time (and jumps ahead with `:wait`). After each act, and after
each `TICK_S` without one, the background work that is due runs (the jobs, then the calls due to
go out), and what arrived is shown: to you at once, to other personas when you switch to them.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

from bot.local import demo
from bot.local.harness import BOT_LINK, Person, Reply, RunningBot
from bot.local.personas import Persona, SandboxState
from handlers.dashboard.init_data import sign
from sandbox.server import SentMessage
from sandbox.users import SandboxGroup

LIVE_PERIOD = 15 * 60  # seconds a live location is shared for
TICK_S = 30.0  # after this long without typing, the background work due runs by itself
GROUP_ID, GROUP_TITLE = -1001, "Sandbox Group"
WAIT = re.compile(r"(\d+(?:\.\d+)?)\s*([mhd]?)")
UNITS = {"": "minutes", "m": "minutes", "h": "hours", "d": "days"}
LONGEST_WAIT = timedelta(days=366)
ANY_ADDRESS = ("", "0.0.0.0", "::")  # a server listening everywhere: open it on this machine
PNG = b"\x89PNG"  # the signature a PNG file starts with (QR codes, charts)
RECEIVED = "received"  # the data folder's subfolder for the photos and files the bot sent
HELP = """\
Type a message and press Enter. A number chooses one of the buttons shown.
  :as NAME              be someone else: volunteer, coordinator, resident, admin, or any new
                        name (a newcomer); you see what they got meanwhile. :who lists them
  :contact [phone]      share a contact (your own number by default)
  :location LAT LON [live]  share a location: a static pin, or live (as the phone sends)
  :photo                send a photo
  :upload PATH          send a file
  :open LINK            open a t.me link to the bot (as tapping it in the app would)
  :group                add the bot to a group (then post a card there from /manage) and
                        show what it posted there
  :wait N[m|h|d]        let simulated time pass (minutes unless told); it also runs by itself
  :menu                 the command menu Telegram would show you
  :dashboard            the Mini App dashboard's address for you, to open in a browser
                        (signed as Telegram would, valid for WEBAPP_INIT_DATA_MAX_AGE)
  :quit                 leave (Ctrl-D works too)"""


@dataclass(frozen=True)
class Choice:
    """A numbered button: on a message (inline, maybe opening a link) or the reply keyboard."""

    label: str
    message_id: int | None = None  # None: a reply keyboard button
    url: str | None = None
    shares_location: bool = False  # a keyboard button that sends the phone's position


class Terminal:
    def __init__(
        self,
        bot: RunningBot,
        *,
        state: SandboxState | None = None,
        data_dir: Path | None = None,
        persona: str = "volunteer",
    ) -> None:
        self.bot = bot
        self.state = state or SandboxState(now=bot.clock.now())
        self.data_dir = data_dir
        self.persona = self.state.persona(persona)
        self.choices: list[Choice] = []
        self.seen: dict[int, dict[int, int]] = {}  # chat -> message id -> edits already shown
        self.told: dict[int, int] = {}  # persona's id -> their unseen messages, last told
        self.group: SandboxGroup | None = None
        self.busy = asyncio.Lock()  # an act and the ticker take turns
        self.real = time.monotonic()
        self.quiet_since = self.real  # the end of the last act or tick: ticks wait for quiet
        self.switched = False  # the last line switched persona: show their news, or their last

    @property
    def person(self) -> Person:
        return self._chat_of(self.persona)

    def _chat_of(self, persona: Persona) -> Person:
        """The persona as a Telegram user (created, with their chat with the bot, on first use)."""
        return self.bot.person(persona.user_id, persona.first_name, phone_number=persona.phone)

    async def run(self) -> None:
        # Everyone has a chat with the bot already, so what it sends them is delivered.
        for persona in self.state.personas().values():
            self._chat_of(persona)
        for other in demo.OTHERS:
            self.bot.person(other.telegram_id, other.name, phone_number=other.phone)
        print(f"volbot sandbox: {HELP}\n")
        self.show_personas()
        print(f"\n{self.persona.name}> /start")
        await self.handle("/start")
        ticker = asyncio.create_task(self._tick())
        try:
            while True:
                try:
                    line = (await asyncio.to_thread(input, f"{self.persona.name}> ")).strip()
                except EOFError:
                    return
                if line in (":quit", ":q"):
                    return
                if line:
                    async with self.busy:
                        await self.handle(line)
        finally:
            ticker.cancel()
            self.state.save(self.bot.clock.now())

    async def handle(self, line: str) -> None:
        """One line typed: the act, then the background work due by then, then what arrived."""
        self._catch_up()
        try:
            await self._act(line)
        except (LookupError, ValueError, OSError) as error:  # OSError: a file to :upload
            print(f"  ({error})")
        await self.bot.run_background()
        if self.switched and not self._unseen(self.persona.user_id, mark=False):
            self._show_last()
        self.switched = False
        self.show_news()
        self.state.save(self.bot.clock.now())
        self.quiet_since = time.monotonic()

    async def _tick(self) -> None:
        """Time passes while you type: run what fell due, and show what arrived (then the
        prompt again, as the line being typed was interrupted)."""
        while True:
            idle = time.monotonic() - self.quiet_since
            if idle < TICK_S:
                await asyncio.sleep(TICK_S - idle)
                continue
            async with self.busy:
                self._catch_up()
                await self.bot.run_background()
                if self.show_news(quiet=True):
                    print(f"{self.persona.name}> ", end="", flush=True)
                self.quiet_since = time.monotonic()

    def _catch_up(self) -> None:
        """Move the simulated clock on by the real time since the last look."""
        real = time.monotonic()
        self.bot.clock.advance(timedelta(seconds=real - self.real))
        self.real = real

    async def _act(self, line: str) -> None:
        person = self.person
        if line.isdigit() and 1 <= int(line) <= len(self.choices):
            await self._press(self.choices[int(line) - 1])
            return
        command, _, rest = line.partition(" ")
        rest = rest.strip()
        if command == ":help":
            print(HELP)
        elif command in (":as", ":who"):
            if command == ":who" or not rest:
                self.show_personas()
                return
            self.persona = self.state.persona(rest.lower())
            print(f"  you are now {self.persona.name} ({self.persona.about})")
            self.switched = True
        elif command == ":contact":
            self._alert(await person.share_contact(rest or self.persona.phone))
        elif command == ":location":
            where = rest.split()
            if len(where) not in (2, 3):
                raise ValueError("where? :location LAT LON, or :location LAT LON live")
            period = LIVE_PERIOD if where[2:] == ["live"] else None
            await person.share_location(float(where[0]), float(where[1]), live_period=period)
        elif command == ":photo":
            await person.send_photo(b"\x89PNG\r\n\x1a\n")
        elif command == ":upload":
            path = Path(rest)
            content = await asyncio.to_thread(path.read_bytes)
            await person.upload(path.name, content, "application/octet-stream")
        elif command == ":open":
            await self._open(rest)
        elif command == ":group":
            await self._join_group()
        elif command == ":menu":
            self.show_menu()
        elif command == ":dashboard":
            print(f"  {self.dashboard_link()}")
        elif command == ":wait":
            self._wait(rest)
        elif command.startswith(":"):
            raise ValueError(f"no command {command}; :help lists them")
        else:
            self._alert(await person.send(line))

    async def _press(self, choice: Choice) -> None:
        if choice.url is not None:
            await self._open(choice.url)
        elif choice.message_id is not None:
            self._alert(await self.person.press(choice.label, message_id=choice.message_id))
        elif choice.shares_location:
            raise ValueError("where are you? :location LAT LON, or :location LAT LON live")
        else:
            self._alert(await self.person.tap(choice.label))

    async def _open(self, url: str) -> None:
        """A link to this bot with a start payload sends `/start PAYLOAD`, as Telegram does when
        someone taps it; any other link would open in a browser."""
        found = BOT_LINK.fullmatch(url)
        if found is None or found[1].lower() != self.bot.sandbox.bot_username.lower():
            raise ValueError(f"{url} opens in a browser, outside the chat")
        if found[2] == "startgroup":
            raise ValueError("this link adds the bot to a group: use :group")
        await self.person.send(f"/start {found[3]}")

    async def _join_group(self) -> None:
        """The persona adds the bot to the sandbox's group (once); its messages there show."""
        if self.group is None:
            self.group = self.bot.sandbox.group(GROUP_ID, GROUP_TITLE)
            await self.bot.add_to_group(self.group, by=self.person)
            print(f"  you added the bot to the group {GROUP_TITLE!r}")
        else:
            self.seen.pop(GROUP_ID, None)  # show everything posted there again

    def _wait(self, amount: str) -> None:
        match = WAIT.fullmatch(amount)
        if match is None:
            raise ValueError("wait how long? :wait 30, :wait 2h or :wait 1d")
        number, unit = match.groups()
        step = timedelta(**{UNITS[unit]: float(number)})
        if step > LONGEST_WAIT:
            raise ValueError(f"at most {LONGEST_WAIT.days} days at a time")
        self.bot.clock.advance(step)
        zone = self.bot.settings.zone
        print(f"  it is now {self.bot.clock.now().astimezone(zone):%Y-%m-%d %H:%M %Z}")

    def _alert(self, reply: Reply) -> None:
        """A pop-up the bot answered a press with (its messages come with the news)."""
        if reply.alert:
            print(f"  [!] {reply.alert}")

    def show_personas(self) -> None:
        for persona in self.state.personas().values():
            mark = "*" if persona == self.persona else " "
            waiting = len(self._unseen(persona.user_id, mark=False))
            news = f" — {waiting} new" if waiting and persona != self.persona else ""
            print(f" {mark} {persona.name}: {persona.about}{news}")

    def dashboard_link(self) -> str:
        """The dashboard's local address for the current persona, with the launch data Telegram
        would give it (`#tgWebAppData=`, read by the page's stand-in for telegram-web-app.js)."""
        settings, user = self.bot.settings, self.person.user
        if self.bot.server is None:
            raise ValueError("no dashboard: the bot's HTTP server is off (HTTP_PORT=0)")
        host = settings.http_host if settings.http_host not in ANY_ADDRESS else "127.0.0.1"
        who = {"id": user.id, "first_name": user.first_name, "language_code": user.language_code}
        data = sign(who, settings.telegram_bot_token.get_secret_value(), self.bot.clock.now())
        return f"http://{host}:{settings.http_port}/app/#tgWebAppData={quote(data, safe='')}"

    def show_menu(self) -> None:
        """The menu beside the message box, as the sandbox resolves it for this persona (their
        own chat's, else everyone's in their app's language)."""
        commands = self.bot.sandbox.menu(self.person.id)
        if not commands:
            print("  (no command menu)")
        for entry in commands:
            print(f"  /{entry['command']} – {entry['description']}")

    def show_news(self, *, quiet: bool = False) -> bool:
        """What arrived since it was last shown: this persona's messages (new, or edited since),
        the group's, and a line for each other persona with news; whether anything was shown."""
        mine = self._unseen(self.persona.user_id)
        if mine:
            self.choices = []
        for message in mine:
            self._print_message(message)
        group = self._unseen(GROUP_ID) if self.group is not None else []
        for message in group:
            self._print_message(message, who=f"bot in {GROUP_TITLE}")
        keyboard = self.person.user.reply_keyboard
        if keyboard and (mine or not quiet):
            buttons = [b for row in keyboard for b in row]
            self._print_choices(
                [Choice(b.label, shares_location=b.request_location) for b in buttons]
            )
        told = False
        for persona in self.state.personas().values():
            count = len(self._unseen(persona.user_id, mark=False))
            if persona != self.persona and count > self.told.get(persona.user_id, 0):
                print(f"  ({persona.name} has {count} new: :as {persona.name})")
                told = True
            self.told[persona.user_id] = count
        return bool(mine or group or told)

    def _unseen(self, chat_id: int, *, mark: bool = True) -> list[SentMessage]:
        seen = self.seen.setdefault(chat_id, {})
        fresh = [
            message
            for message in self.bot.sandbox.chat_messages(chat_id)
            if seen.get(message.message_id) != message.edit_count
        ]
        if mark:
            seen.update((message.message_id, message.edit_count) for message in fresh)
        return fresh

    def _show_last(self) -> None:
        """Nothing new: the newest message again, so that its buttons can be pressed."""
        messages = self.bot.sandbox.chat_messages(self.persona.user_id)
        print("  (nothing new)" if messages else "  (no messages yet: /start begins)")
        if messages:
            self.choices = []
            self._print_message(messages[-1])

    def _print_message(self, message: SentMessage, who: str = "bot") -> None:
        edited = " (edited)" if message.edit_count else ""
        text = message.text or ""
        if message.kind == "photo":
            text = f"[photo: {text}]" + self._saved(message)
        elif message.kind == "document" and message.document is not None:
            text = f"[file: {message.document.filename}]{self._saved(message)}\n{text}".strip()
        elif message.kind == "location" and message.location is not None:
            text = "[location: {:.5f}, {:.5f}]".format(*message.location)
        print(f"{who}{edited}> " + text.replace("\n", "\n     "))
        buttons = [b for row in message.buttons for b in row]
        self._print_choices([Choice(b.label, message.message_id, b.url) for b in buttons])

    def _saved(self, message: SentMessage) -> str:
        """Keep a photo or file the bot sent under the data folder; where it is."""
        if self.data_dir is None:
            return ""
        if message.document is not None:
            name, content = Path(message.document.filename).name, message.document.content
        else:
            content = message.photo or b""
            name = "photo.png" if content.startswith(PNG) else "photo.jpg"
        path = self.data_dir / RECEIVED / f"{message.chat_id}-{message.message_id}-{name}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        return f"\n(saved in {path})"

    def _print_choices(self, choices: list[Choice]) -> None:
        if not choices:
            return
        parts = []
        for choice in choices:
            self.choices.append(choice)
            link = " ↗" if choice.url is not None else ""
            parts.append(f"[{len(self.choices)}] {choice.label}{link}")
        print("     " + "  ".join(parts))
