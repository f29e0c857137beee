"""The services every part of the bot shares: the database sessions, the message catalogs, the
deployment's settings, the clock, the ID cipher, the button signer and the port that sends.

The wiring in `bot/` makes one `Services` per process; the dispatcher hands it to each update's
context, and the timed jobs and the broadcast sender in `scheduler/` are given the same object,
so timed work needs nothing from `bot/`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from babel import Locale
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.callbacks import ButtonSigner
from handlers.events import Action, Attempt
from handlers.menus import Menus
from models.activities.signup import SignupPolicy
from models.attendance.certificate import CertificatePolicy
from models.attendance.checkin import AttendancePolicy
from models.attendance.hours import StarPolicy
from models.broadcasts.send_budget import BroadcastPolicy
from models.clock import Clock
from models.conversation import button_key
from models.crypto import IdCipher
from models.reminders.coordinator_alerts import AlertPolicy


class Texts(Protocol):
    """The message catalogs (implemented in `bot.texts`)."""

    languages: tuple[str, ...]

    def get(self, language: str, key: str, /, **params: Any) -> str: ...

    def section(self, language: str, prefix: str) -> dict[str, str]: ...

    def locale(self, language: str) -> Locale: ...

    def when(self, language: str, value: date, style: str) -> str: ...


Download = Callable[[str], Awaitable[bytes]]


@dataclass(frozen=True)
class Deployment:
    """The deployment's settings that conversations act on."""

    require_real_name: bool
    default_language: str
    phone_region: str
    zone: ZoneInfo
    admin_ids: frozenset[int] = frozenset()
    signup: SignupPolicy = field(default_factory=SignupPolicy)
    alerts: AlertPolicy = field(default_factory=AlertPolicy)
    attendance: AttendancePolicy = field(default_factory=AttendancePolicy)
    stars: StarPolicy = field(default_factory=StarPolicy)
    certificates: CertificatePolicy = field(default_factory=CertificatePolicy)
    broadcasts: BroadcastPolicy = field(default_factory=BroadcastPolicy)
    # Where the bot's HTTP server is reached from outside ("": no calendar subscriptions).
    public_url: str = ""
    # How many weeks ahead a duty rota's dates become shifts (models/rotas/generation.py).
    rota_weeks_ahead: int = 4
    # What /nearby lists: stations and open activities within this distance of the location.
    nearby_radius_m: float = 5000.0


class SendPort(Protocol):
    """How messages leave: the Telegram adapter in production, the sandbox's in tests."""

    async def perform(self, action: Action) -> int | None:
        """Carry out one action; the id of the message it sent, if any."""
        ...

    async def attempt(self, action: Action) -> Attempt:
        """Try one send once and say how it went (sent, flood, unreachable, …)."""
        ...


@dataclass
class Services:
    sessions: async_sessionmaker[AsyncSession]
    texts: Texts
    deployment: Deployment
    clock: Clock
    cipher: IdCipher | None
    # Set by the adapter once it has started (getMe, how it fetches users' files, its sends).
    bot_username: str = ""
    download: Download | None = None
    port: SendPort | None = None
    # The router's command menus (set by the dispatcher that routes with it).
    menus: Menus = field(default_factory=Menus)
    _signer: ButtonSigner | None = None

    async def button_signer(self) -> ButtonSigner:
        """The deployment's signer. Its key is made (or read) in a transaction of its own, so
        an update that is refused and rolled back cannot take a key other processes never see.
        Call it outside any other transaction (SQLite has one writer at a time)."""
        if self._signer is None:
            async with self.sessions() as session, session.begin():
                self._signer = ButtonSigner(await button_key(session))
        return self._signer

    @property
    def send(self) -> SendPort:
        if self.port is None:
            raise RuntimeError("nothing sends yet: the adapter sets the port when it starts")
        return self.port


class UsesServices:
    """The shared services that a handler's `Context` and a `Notifier` both read, for a class that
    holds the process's `services`."""

    services: Services

    @property
    def texts(self) -> Texts:
        return self.services.texts

    @property
    def deployment(self) -> Deployment:
        return self.services.deployment

    @property
    def clock(self) -> Clock:
        return self.services.clock

    @property
    def bot_username(self) -> str:
        return self.services.bot_username
