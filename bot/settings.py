"""Deployment settings: the one place that reads the environment (and `.env`)."""

from __future__ import annotations

import re
from datetime import time
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from models.attendance.hours import STAR_PRESETS, thresholds_in_minutes
from models.broadcasts.send_budget import IN_FLIGHT_MAX

TELEGRAM_API_DEFAULT = "https://api.telegram.org"
LANGUAGES = ("zh-CN", "en")
Language = Literal["zh-CN", "en"]
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{32,256}")


class Settings(BaseSettings):
    """Everything a deployment can set; field names are the environment variable names."""

    # Each field's docstring is its description (`use_attribute_docstrings`): what
    # `volbot settings example` writes to .env.example. Secrets are SecretStr, never shown in a
    # repr or a log (`.get_secret_value()` only where one is used), nor in a validation error:
    # no error repeats the value it refuses.
    model_config = SettingsConfigDict(
        env_file=".env",
        extra="ignore",
        case_sensitive=False,
        use_attribute_docstrings=True,
        hide_input_in_errors=True,
    )

    telegram_bot_token: SecretStr = SecretStr("")
    """The bot's token from @BotFather; `volbot run` refuses to start without it."""
    telegram_api_base_url: str = TELEGRAM_API_DEFAULT
    """A self-hosted Bot API server (the sandbox uses this too)."""
    bot_framework: Literal["ptb", "aiogram"] = "ptb"
    """`ptb` (python-telegram-bot 22) or `aiogram` (aiogram 3)."""
    database_url: str = Field(
        default_factory=lambda: f"sqlite+aiosqlite:///{Path.cwd() / 'volbot.db'}",
        repr=False,  # it may hold the database's password
    )
    """Unset: SQLite in volbot.db in the working folder; for PostgreSQL e.g.
    `postgresql+asyncpg://user:pass@host/volbot`."""
    default_language: Language = "zh-CN"
    """`zh-CN` or `en`, until a user chooses."""
    timezone: str = "Asia/Shanghai"
    """The deployment's time zone."""
    admin_telegram_ids: Annotated[tuple[int, ...], NoDecode] = ()
    """Comma-separated Telegram user ids of the first admins."""
    require_real_name: bool = False
    """Ask for the national ID number during registration."""
    id_encryption_key: SecretStr = SecretStr("")
    """Fernet key for ID numbers at rest (`volbot keygen` makes one); required with
    REQUIRE_REAL_NAME. Keep it safe and backed up, away from the database's backups."""
    id_encryption_old_keys: Annotated[tuple[SecretStr, ...], NoDecode] = ()
    """While `volbot keys rotate` moves the ID numbers to a new ID_ENCRYPTION_KEY: the key (or
    keys, comma-separated) they were under, still accepted meanwhile (docs/deploy.md)."""
    default_phone_region: str = "CN"
    """Region for phone numbers typed without a country code."""
    log_level: str = "INFO"
    """DEBUG, INFO, WARNING or ERROR."""
    log_format: Literal["auto", "json", "text"] = "auto"
    """`json` (one object per line), `text`, or `auto`: text on a terminal, JSON otherwise; phone
    and ID numbers are redacted either way."""
    uvloop: bool = True
    """Run `volbot run` on uvloop, a faster event loop, where it is installed (not on Windows);
    false: asyncio's own."""
    # Sign-up rules (models/activities/signup.py).
    cancel_cutoff_hours: float = Field(default=3.0, ge=0)
    """Volunteers may give a place back until the activity's sign-up deadline, or this long
    before the start."""
    offer_window_minutes: int = Field(default=120, ge=1)
    """How long a freed place is offered to the first person waiting (cut short by the start)."""
    signup_opens_hours_before: float = Field(default=0.0, ge=0)
    """Staged opening: sign-up opens this long before a shift; 0 opens it on publication."""
    max_shift_hours_per_day: float = Field(default=12.0, ge=0, le=24)
    """At most this many hours of shifts in any 24 hours per volunteer; 0 for no limit."""
    no_show_limit: int = Field(default=3, ge=0)
    """This many no-shows within NO_SHOW_BLOCK_DAYS block sign-up; 0 never blocks."""
    no_show_block_days: int = Field(default=30, ge=1)
    """The no-show window, and how long the block lasts."""
    reminder_offsets_hours: Annotated[tuple[float, ...], NoDecode] = (24.0, 2.0)
    """Hours before a shift to remind volunteers, comma-separated (an activity or a volunteer
    may choose others); empty: no reminders."""
    jobs_interval_seconds: float = Field(default=2.0, gt=0)
    """How often background work runs (expired offers, closing, alerts, live group cards).
    Reminders go out when they fall due; ones planned meanwhile are found within this."""
    short_shift_alert_hours: float = Field(default=48.0, ge=0)
    """Coordinators are alerted when a shift is still short this long before it starts; 0
    never."""
    checkout_reminder_minutes: int = Field(default=30, ge=1)
    """A volunteer still checked in this long after their shift ended is asked to check out."""
    daily_digest_at: time | None = time(18, 0)
    """Local time of the coordinators' digest of tomorrow's shifts; empty: no digest."""
    rota_weeks_ahead: int = Field(default=4, ge=1, le=52)
    """How many weeks ahead a recurring activity's (duty rota's) dates are made into shifts,
    so volunteers can sign up for them; the scheduler keeps that many weeks open."""
    # Check-in and hours (models/attendance/checkin.py).
    checkin_opens_minutes_before: int = Field(default=30, ge=0)
    """The check-in code and location check-in work from this long before a shift starts…"""
    checkin_closes_minutes_after: int = Field(default=30, ge=0)
    """…until this long after it ends."""
    checkin_radius_meters: float = Field(default=300.0, gt=0)
    """A shared location checks in within this distance of the activity's pin, in metres."""
    nearby_radius_km: float = Field(default=5.0, gt=0, le=100)
    """/nearby and a location shared outside any conversation list the stations and open
    activities within this distance, in kilometres."""
    checkin_grace_minutes: int = Field(default=15, ge=0)
    """Credited time is check-out minus check-in, counted only from this long before the start
    to this long after the end."""
    hours_rounding_minutes: int = Field(default=15, ge=1)
    """Credited time is a whole number of these units…"""
    hours_rounding: Literal["down", "nearest"] = "down"
    """…rounded `down` (a unit counts once fully served) or to the `nearest` (halves up)."""
    min_attendance_share: float = Field(default=0.6, ge=0, le=1)
    """Present for less than this share of the shift: the record is kept but flagged for the
    coordinator."""
    # Star levels (models/attendance/hours.py).
    star_preset: Literal["national", "city"] = "national"
    """Star levels at `national` 100 / 300 / 600 / 1000 / 1500 hours, or `city` 100 / 200 / 500
    / 800 / 1000."""
    star_thresholds_hours: Annotated[tuple[Decimal, ...], NoDecode] = ()
    """The thresholds given directly, e.g. 100,300,600,1000,1500 (rising, whole minutes); they
    win over STAR_PRESET."""
    honour_hours_count_for_stars: bool = True
    """Whether honour hours (added by a coordinator with a reason) count toward stars; both
    kinds are always shown."""
    certificate_issuer: str = ""
    """The issuing organisation printed on service certificates; empty: a generic name in the
    volunteer's language."""
    certificate_font: str = ""
    """A TrueType font file with Chinese for certificates; empty: Debian's fonts-wqy-microhei."""
    # Broadcasts (scheduler/broadcasts.py).
    broadcast_rate_per_second: float = Field(default=30.0, gt=0)
    """Messages a second the bot sends in all, every process together (Telegram allows about
    30); broadcasts take what replies and reminders leave."""
    paid_broadcast_per_second: float = Field(default=0.0, ge=0, le=1000)
    """Above 0, calls go as Telegram paid broadcasts (`allow_paid_broadcast`, charged in Stars)
    at this rate, up to 1000."""
    broadcast_uncertain: Literal["resend", "skip"] = "resend"
    """A send that may have arrived unseen (a time-out, a process killed mid-send): `resend` it
    (nobody is missed; those few may get two) or `skip` it (nobody gets two)."""
    broadcast_in_flight: int | None = Field(default=None, ge=1, le=IN_FLIGHT_MAX)
    """Sends one process has under way at once: the most that can be uncertain after a crash.
    Empty: a tenth of a second's sends at the rate calls go at, 16 to 256 (16 at 30 a second,
    100 at 1000)."""
    broadcast_lease_seconds: float = Field(default=120.0, gt=0)
    """How long a claimed send is held before another process takes it as uncertain."""
    # Production running (docs/deploy.md).
    webhook_url: str = ""
    """The public https URL Telegram posts updates to (a reverse proxy passes them to
    HTTP_HOST:HTTP_PORT); set, `volbot run` uses the webhook instead of long polling."""
    webhook_secret: SecretStr = SecretStr("")
    """Required with WEBHOOK_URL: Telegram sends it with every delivery, and a request without it
    is refused (403). 32 to 256 of A-Z a-z 0-9 _ and - (`volbot keygen
    --webhook-secret`)."""
    http_host: str = "127.0.0.1"
    """Where the process serves the webhook, /healthz and /metrics."""
    http_port: int = Field(default=8080, ge=0, le=65535)
    """The port of that server; 0: no server (polling only)."""
    shutdown_timeout_seconds: float = Field(default=20.0, gt=0)
    """On SIGTERM, how long the updates and sends in hand may take to finish."""
    public_url: str = Field(default="", pattern=r"^(https?://[^/?#\s]+(/[^?#\s]*)?)?$")
    """The address at which a reverse proxy serves this HTTP server (e.g.
    https://bot.example.org); set, /my offers each volunteer a calendar subscription at
    PUBLIC_URL/calendar/<token>.ics (needs HTTP_PORT, in polling mode too)."""
    webapp_init_data_max_age: int = Field(default=3600, ge=60)
    """The Mini App dashboard: how many seconds after Telegram signs a user's launch data
    (`initData`) the API still accepts it; longer lets a leaked dashboard link work longer."""
    webapp_telegram_js_url: str = Field(
        default="https://telegram.org/js/telegram-web-app.js", pattern=r"^(https?://\S+|/\S*)$"
    )
    """The script the dashboard page loads to talk to Telegram; the sandbox and tests use the
    local stand-in /app/static/telegram-web-app-standin.js. Its origin is allowed by the page's
    Content-Security-Policy."""
    webapp_tile_url: str = Field(default="", pattern=r"^(https://\S+)?$")
    """The dashboard's map tiles, as a template (e.g. https://tile.example.org/{z}/{x}/{y}.png);
    empty: the map shows no tiles (activities are still listed by distance). Its origin is
    allowed by the page's Content-Security-Policy."""
    fault_kill_after_updates: int = Field(default=0, ge=0)
    """Tests only (tests/e2e/test_exactly_once.py): the process kills itself (SIGKILL, as a crash
    or the OOM killer would) right after committing the effects of this many updates; 0 never."""

    @field_validator("admin_telegram_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """Accept `1,2,3` (the natural way to write a list in an environment variable)."""
        if isinstance(value, str):
            return tuple(int(part) for part in value.replace(" ", "").split(",") if part)
        if isinstance(value, int):
            return (value,)
        return value

    @field_validator("reminder_offsets_hours", mode="before")
    @classmethod
    def _split_hours(cls, value: object) -> object:
        """Accept `24,2`; an empty value turns the deployment's reminders off."""
        if isinstance(value, str):
            return tuple(float(part) for part in value.replace(" ", "").split(",") if part)
        if isinstance(value, int | float):
            return (float(value),)
        return value

    @field_validator("star_thresholds_hours", "id_encryption_old_keys", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        """Accept `100,300,600,1000,1500` and `key1,key2` (Fernet keys hold no commas)."""
        if isinstance(value, str):
            return tuple(part for part in value.replace(" ", "").split(",") if part)
        return value

    @field_validator("star_thresholds_hours")
    @classmethod
    def _rising_thresholds(cls, value: tuple[Decimal, ...]) -> tuple[Decimal, ...]:
        if value:
            thresholds_in_minutes(value)  # raises for thresholds that do not rise, or not whole
        return value

    @field_validator("daily_digest_at", "broadcast_in_flight", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        ZoneInfo(value)  # raises for an unknown zone name
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _hard_to_guess(cls, value: SecretStr) -> SecretStr:
        """Telegram allows 1 to 256 of these characters; a short one could be guessed by anyone
        who finds the webhook's URL (https://core.telegram.org/bots/api#setwebhook). The error
        never repeats the value."""
        secret = value.get_secret_value()
        if secret and not WEBHOOK_SECRET.fullmatch(secret):
            raise ValueError(
                "it must be 32 to 256 characters of A-Z a-z 0-9 _ and -; "
                "make one with `volbot keygen --webhook-secret`"
            )
        return value

    @field_validator("telegram_api_base_url", "public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def star_thresholds_minutes(self) -> tuple[int, ...]:
        return thresholds_in_minutes(self.star_thresholds_hours or STAR_PRESETS[self.star_preset])


def settings_error(error: ValidationError) -> str:
    """The settings `error` refuses, in one line naming the environment variables."""
    problems = []
    for problem in error.errors(include_url=False):
        name = ".".join(str(part) for part in problem["loc"]).upper()
        reason = problem["ctx"]["error"] if problem["type"] == "value_error" else problem["msg"]
        problems.append(f"{name} is not valid: {reason}")
    return "; ".join(problems)
