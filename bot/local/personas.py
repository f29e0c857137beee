"""Who you can be in `volbot sandbox` (`:as NAME`), and what the sandbox keeps between runs: the
simulated clock and the personas made up along the way, in `terminal.json` in its data folder."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.local import demo

COORDINATOR_ID = 2001  # coordinates the sandbox's seeded team
ADMIN_ID = 9001  # an admin for the sandbox's run (added to ADMIN_TELEGRAM_IDS)
FIRST_NEW_ID = 1101  # a persona made up with `:as NAME` gets the next free id from here
NAME = re.compile(r"[a-z][a-z0-9_]{0,19}")
RESERVED = frozenset({"bot", "group"})  # the terminal prints these before others' lines
STATE_FILE = "terminal.json"


@dataclass(frozen=True)
class Persona:
    name: str
    user_id: int
    first_name: str
    phone: str
    about: str = "a newcomer: /start registers"


BUILT_IN = (
    Persona(
        "volunteer",
        demo.PERSONA.telegram_id,
        "Xiaoming",
        demo.PERSONA.phone,
        f"registered, a member of {demo.SANDBOX_TEAM}: /activities, /teams, "
        "/nearby (after :location 24.45 118.09)",
    ),
    Persona(
        "coordinator",
        COORDINATOR_ID,
        "Coordinator Lin",
        "+8613900139000",
        f"coordinates {demo.SANDBOX_TEAM}: /manage, /rota, /courses, /stations",
    ),
    Persona("resident", 3001, "Resident Zhou", "+8613700137000", "asks for help: /ask_help"),
    Persona("admin", ADMIN_ID, "Admin Wu", "+8613600136000", "an admin: /orgs, /new_team, /audit"),
)


@dataclass
class SandboxState:
    """The simulated time and the made-up personas' ids, kept across restarts (`--fresh`
    deletes the data folder, and with it this)."""

    now: datetime
    made_up: dict[str, int] = field(default_factory=dict)
    path: Path | None = None

    @classmethod
    def load(cls, data_dir: Path | None) -> SandboxState:
        """The state kept in `data_dir`, or a new one at the real time now."""
        path = data_dir / STATE_FILE if data_dir is not None else None
        if path is None or not path.exists():
            return cls(now=datetime.now(UTC), path=path)
        saved = json.loads(path.read_text())
        made_up = {str(name): int(user_id) for name, user_id in saved["personas"].items()}
        return cls(datetime.fromisoformat(saved["now"]), made_up, path)

    def save(self, now: datetime) -> None:
        self.now = now
        if self.path is not None:
            body = {"now": now.isoformat(), "personas": self.made_up}
            self.path.write_text(json.dumps(body, indent=1) + "\n")

    def personas(self) -> dict[str, Persona]:
        """Everyone you can be: the built-in personas, then the made-up ones in order."""
        made_up = [
            Persona(name, user_id, name.capitalize(), f"+86135{user_id:08d}")
            for name, user_id in self.made_up.items()
        ]
        return {persona.name: persona for persona in (*BUILT_IN, *made_up)}

    def persona(self, name: str) -> Persona:
        """The persona called `name`, made up (with a new id) when there is none yet."""
        known = self.personas()
        if name in known:
            return known[name]
        if NAME.fullmatch(name) is None or name in RESERVED:
            raise ValueError(
                "a persona's name is lowercase latin letters, digits or _, "
                "up to 20, starting with a letter (not bot or group)"
            )
        self.made_up[name] = max([FIRST_NEW_ID - 1, *self.made_up.values()]) + 1
        return self.personas()[name]
