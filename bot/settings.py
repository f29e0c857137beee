"""Deployment settings: the one place that reads the environment (and `.env`)."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from models.attendance.hours import STAR_PRESETS, thresholds_in_minutes

TELEGRAM_API_DEFAULT = "https://api.telegram.org"
LANGUAGES = ("zh-CN", "en")
Language = Literal["zh-CN", "en"]


class Settings(BaseSettings):
    """Everything a deployment can set; field names are the environment variable names."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    telegram_bot_token: str = ""
    telegram_api_base_url: str = TELEGRAM_API_DEFAULT
    bot_framework: Literal["ptb", "aiogram"] = "ptb"
    database_url: str = Field(
        default_factory=lambda: f"sqlite+aiosqlite:///{Path.cwd() / 'volbot.db'}"
    )
    default_language: Language = "zh-CN"
    timezone: str = "Asia/Shanghai"
    admin_telegram_ids: Annotated[tuple[int, ...], NoDecode] = ()
    require_real_name: bool = False
    id_encryption_key: str = ""
    default_phone_region: str = "CN"
    log_level: str = "INFO"
    # "json": one JSON object per line; "text": readable lines; "auto": text on a terminal only.
    log_format: Literal["auto", "json", "text"] = "auto"
    # Sign-up rules (see models/activities/signup.py): cancel until the deadline or this long
    # before the start; a freed place is offered for this long; sign-up opens this long before a
    # shift (0: as soon as published); at most this many hours of shifts in any 24 (0: no limit);
    # this many no-shows within the block period block sign-up (0: never).
    cancel_cutoff_hours: float = Field(default=3.0, ge=0)
    offer_window_minutes: int = Field(default=120, ge=1)
    signup_opens_hours_before: float = Field(default=0.0, ge=0)
    max_shift_hours_per_day: float = Field(default=12.0, ge=0, le=24)
    no_show_limit: int = Field(default=3, ge=0)
    no_show_block_days: int = Field(default=30, ge=1)
    # Hours before a shift to remind volunteers (an activity or a volunteer may choose others).
    reminder_offsets_hours: Annotated[tuple[float, ...], NoDecode] = (24.0, 2.0)
    # How often background work runs (reminders, expired offers, closing, group card figures).
    jobs_interval_seconds: float = Field(default=2.0, gt=0)
    # Coordinators are alerted when a shift is still short this many hours before it starts
    # (0: never), and get a digest of tomorrow's shifts each day at this local time ("": never).
    short_shift_alert_hours: float = Field(default=48.0, ge=0)
    # A volunteer still checked in this long after their shift ended is asked to check out.
    checkout_reminder_minutes: int = Field(default=30, ge=1)
    daily_digest_at: time | None = time(18, 0)
    # Check-in and hours (see models/attendance/checkin.py): the code and location work from this
    # long before a shift to this long after its end; a location within this many metres of the
    # venue checks in; credited time runs from check-in to check-out within the shift widened by
    # the grace, rounded down (or to the nearest) to whole units, and is flagged for the
    # coordinator below this share of the shift.
    checkin_opens_minutes_before: int = Field(default=30, ge=0)
    checkin_closes_minutes_after: int = Field(default=30, ge=0)
    checkin_radius_meters: float = Field(default=300.0, gt=0)
    checkin_grace_minutes: int = Field(default=15, ge=0)
    hours_rounding_minutes: int = Field(default=15, ge=1)
    hours_rounding: Literal["down", "nearest"] = "down"
    min_attendance_share: float = Field(default=0.6, ge=0, le=1)
    # Star levels (models/attendance/hours.py): a shipped preset, or thresholds in hours given
    # directly (they win over the preset); and whether honour hours count toward stars.
    star_preset: Literal["national", "city"] = "national"
    star_thresholds_hours: Annotated[tuple[Decimal, ...], NoDecode] = ()
    honour_hours_count_for_stars: bool = True
    # Service certificates: the issuing organisation printed on them ("": a generic name in
    # the volunteer's language) and a TrueType font file with Chinese ("": Debian's WenQuanYi).
    certificate_issuer: str = ""
    certificate_font: str = ""
    # Broadcasts (scheduler/broadcasts.py): messages a second the bot sends in all, every
    # process together (Telegram allows about 30); paid broadcasts (allow_paid_broadcast, paid
    # in Telegram Stars) at this rate instead, up to 1000 (0: off); what to do with a send that
    # may have arrived unseen (resend: nobody missed; skip: nobody gets two); how many sends one
    # process has in flight at once (the most that can be uncertain); and how long a claimed
    # send is held before another process may take it as uncertain.
    broadcast_rate_per_second: float = Field(default=30.0, gt=0)
    paid_broadcast_per_second: float = Field(default=0.0, ge=0, le=1000)
    broadcast_uncertain: Literal["resend", "skip"] = "resend"
    broadcast_in_flight: int = Field(default=16, ge=1, le=256)
    broadcast_lease_seconds: float = Field(default=120.0, gt=0)
    # Production running (docs/deploy.md): with WEBHOOK_URL set, `volbot run` receives updates
    # by webhook (Telegram posts to that public https URL, which a reverse proxy passes to
    # HTTP_HOST:HTTP_PORT) instead of long polling, checking WEBHOOK_SECRET on each. The same
    # server answers /healthz and /metrics (HTTP_PORT 0: no server, polling only). SIGTERM
    # lets the work in hand finish within SHUTDOWN_TIMEOUT_SECONDS.
    webhook_url: str = ""
    webhook_secret: str = Field(default="", pattern=r"^[A-Za-z0-9_-]{0,256}$")
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
    shutdown_timeout_seconds: float = Field(default=20.0, gt=0)
    # Fault injection, for tests only (tests/e2e/test_exactly_once.py): the process kills itself
    # (SIGKILL, as a crash or the OOM killer would) right after committing the effects of this
    # many updates, before anything else happens (0: never).
    fault_kill_after_updates: int = Field(default=0, ge=0)

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

    @field_validator("star_thresholds_hours", mode="before")
    @classmethod
    def _split_thresholds(cls, value: object) -> object:
        """Accept `100,300,600,1000,1500`."""
        if isinstance(value, str):
            return tuple(part for part in value.replace(" ", "").split(",") if part)
        return value

    @field_validator("star_thresholds_hours")
    @classmethod
    def _rising_thresholds(cls, value: tuple[Decimal, ...]) -> tuple[Decimal, ...]:
        if value:
            thresholds_in_minutes(value)  # raises for thresholds that do not rise, or not whole
        return value

    @field_validator("daily_digest_at", mode="before")
    @classmethod
    def _empty_is_off(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        ZoneInfo(value)  # raises for an unknown zone name
        return value

    @field_validator("telegram_api_base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def star_thresholds_minutes(self) -> tuple[int, ...]:
        return thresholds_in_minutes(self.star_thresholds_hours or STAR_PRESETS[self.star_preset])
