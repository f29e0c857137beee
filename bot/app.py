"""Wiring: settings → database, dispatcher and the chosen Telegram adapter."""

from __future__ import annotations

import asyncio
import gc
import itertools
import logging
import os
import signal
from collections.abc import Awaitable, Callable
from datetime import timedelta
from urllib.parse import urlsplit

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.adapters.base import TelegramAdapter, Webhook
from bot.dispatcher import Dispatcher
from bot.metrics import BotMetrics
from bot.settings import Settings
from bot.texts import catalogs
from bot.webapp import WebApp
from bot.webserver import WebServer
from handlers import menus, root_router
from handlers.services import Deployment, Services
from migrations import alembic_config
from models.activities.signup import SignupPolicy
from models.attendance.certificate import CertificatePolicy
from models.attendance.checkin import AttendancePolicy
from models.attendance.hours import StarPolicy
from models.broadcasts import outbox
from models.broadcasts.send_budget import BroadcastPolicy
from models.clock import Clock, SystemClock
from models.crypto import IdCipher
from models.registration import id_keys
from models.reminders import before_shift
from models.reminders.coordinator_alerts import AlertPolicy
from scheduler.broadcasts import BroadcastSender
from scheduler.jobs import Jobs
from scheduler.runner import Runner

log = logging.getLogger(__name__)
# After the work in hand (SHUTDOWN_TIMEOUT_SECONDS): closing must not hold the exit any longer.
CLOSE_TIMEOUT_S = 5.0


class ConfigError(Exception):
    """The settings cannot work; the message says which and what to do, in one line."""


def deployment_from(settings: Settings) -> Deployment:
    return Deployment(
        require_real_name=settings.require_real_name,
        default_language=settings.default_language,
        phone_region=settings.default_phone_region,
        zone=settings.zone,
        admin_ids=frozenset(settings.admin_telegram_ids),
        signup=signup_policy_from(settings),
        alerts=AlertPolicy(
            short_before=timedelta(hours=settings.short_shift_alert_hours)
            if settings.short_shift_alert_hours
            else None,
            digest_at=settings.daily_digest_at,
        ),
        attendance=AttendancePolicy(
            checkout_reminder=timedelta(minutes=settings.checkout_reminder_minutes),
            opens_before=timedelta(minutes=settings.checkin_opens_minutes_before),
            closes_after=timedelta(minutes=settings.checkin_closes_minutes_after),
            radius_m=settings.checkin_radius_meters,
            grace=timedelta(minutes=settings.checkin_grace_minutes),
            rounding=timedelta(minutes=settings.hours_rounding_minutes),
            rounding_rule=settings.hours_rounding,
            min_share=settings.min_attendance_share,
        ),
        stars=StarPolicy(
            thresholds=settings.star_thresholds_minutes,
            honour_counts=settings.honour_hours_count_for_stars,
        ),
        certificates=CertificatePolicy(
            issuer=settings.certificate_issuer, font=settings.certificate_font
        ),
        broadcasts=BroadcastPolicy(
            rate=settings.broadcast_rate_per_second,
            paid_rate=settings.paid_broadcast_per_second,
            uncertain=settings.broadcast_uncertain,
            in_flight=settings.broadcast_in_flight,
            lease=timedelta(seconds=settings.broadcast_lease_seconds),
        ),
        public_url=public_url_from(settings),
        rota_weeks_ahead=settings.rota_weeks_ahead,
        nearby_radius_m=settings.nearby_radius_km * 1000,
    )


def public_url_from(settings: Settings) -> str:
    if settings.public_url and not settings.http_port:
        raise ConfigError(
            "PUBLIC_URL is set but HTTP_PORT is 0; the calendar links need the HTTP server"
        )
    return settings.public_url


def signup_policy_from(settings: Settings) -> SignupPolicy:
    return SignupPolicy(
        cancel_cutoff=timedelta(hours=settings.cancel_cutoff_hours),
        offer_window=timedelta(minutes=settings.offer_window_minutes),
        opens_before=timedelta(hours=settings.signup_opens_hours_before)
        if settings.signup_opens_hours_before
        else None,
        max_hours_per_day=settings.max_shift_hours_per_day or None,
        no_show_limit=settings.no_show_limit,
        no_show_block=timedelta(days=settings.no_show_block_days),
        zone=settings.zone,
        reminder_offsets=tuple(timedelta(hours=h) for h in settings.reminder_offsets_hours),
    )


def cipher_from(settings: Settings) -> IdCipher | None:
    key = settings.id_encryption_key.get_secret_value()
    if not key:
        if settings.id_encryption_old_keys:
            raise ConfigError(
                "ID_ENCRYPTION_OLD_KEYS is set but ID_ENCRYPTION_KEY is not; "
                "set it to the new key the ID numbers are to be encrypted under"
            )
        if settings.require_real_name:
            raise ConfigError(
                "REQUIRE_REAL_NAME is on but ID_ENCRYPTION_KEY is not set; "
                "make a key with `volbot keygen` and keep it safe"
            )
        return None
    try:
        return IdCipher(key, [old.get_secret_value() for old in settings.id_encryption_old_keys])
    except ValueError as error:
        raise ConfigError(str(error)) from None


async def ensure_key_matches(
    sessions: async_sessionmaker[AsyncSession], cipher: IdCipher | None
) -> None:
    """Refuse to start with a key the stored ID numbers are not under (models/registration/
    id_keys.py); on first start, record the key."""
    async with sessions() as session, session.begin():
        try:
            await id_keys.check_key(session, cipher)
        except id_keys.KeyMismatch as error:
            raise ConfigError(str(error)) from None


def build_dispatcher(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], clock: Clock | None = None
) -> Dispatcher:
    services = Services(
        sessions=sessions,
        texts=catalogs(),
        deployment=deployment_from(settings),
        clock=clock or SystemClock(),
        cipher=cipher_from(settings),
    )
    dispatcher = Dispatcher(services, root_router)
    if settings.fault_kill_after_updates:
        dispatcher.after_commit = _killed_after(settings.fault_kill_after_updates)
    return dispatcher


def _killed_after(updates: int) -> Callable[[], None]:
    """The fault a test injects: die (SIGKILL: no cleanup) right after the `updates`-th commit."""
    committed = itertools.count(1)

    def maybe_die() -> None:
        if next(committed) >= updates:
            os.kill(os.getpid(), signal.SIGKILL)

    return maybe_die


def build_adapter(settings: Settings, dispatcher: Dispatcher) -> TelegramAdapter:
    """The adapter the BOT_FRAMEWORK setting names (each framework is imported only if used)."""
    options = {
        "token": settings.telegram_bot_token.get_secret_value(),
        "api_base_url": settings.telegram_api_base_url,
    }
    if settings.bot_framework == "aiogram":
        from bot.adapters.aiogram import AiogramAdapter

        return AiogramAdapter(dispatcher, **options)
    from bot.adapters.ptb import PtbAdapter

    return PtbAdapter(dispatcher, **options)


async def ensure_schema_current(engine: AsyncEngine, database_url: str) -> None:
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    async with engine.connect() as connection:
        current = await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )
    if current != head:
        raise ConfigError(
            f"the database schema is at {current or 'nothing'}, not {head}; "
            "run `volbot db upgrade` first"
        )


def build_jobs(dispatcher: Dispatcher) -> Jobs:
    return Jobs(dispatcher.services)


def build_sender(dispatcher: Dispatcher, adapter: TelegramAdapter) -> BroadcastSender:
    """The broadcast sender, on the adapter; a 429 seen by any send pauses it."""
    sender = BroadcastSender(
        dispatcher.services,
        # Everything but notices counts against the budget broadcasts share (metrics count it).
        others_sent=lambda: int(adapter.metrics.sent(kind="other")),
    )
    adapter.on_flood = sender.pause
    return sender


async def _take_no_more(adapter: TelegramAdapter, server: WebServer) -> None:
    await asyncio.gather(adapter.stop_receiving(), server.stop_receiving())
    await adapter.finish_updates()


async def _within(work: Awaitable[None], seconds: float, what: str) -> None:
    try:
        await asyncio.wait_for(work, seconds)
    except TimeoutError:
        log.warning("%s took over %.0f s; going on", what, seconds)


def webhook_from(settings: Settings, *, required: bool) -> Webhook | None:
    """The webhook WEBHOOK_URL names (None: long polling); `required` by `volbot run --webhook`."""
    if not settings.webhook_url:
        if required:
            raise ConfigError("--webhook needs WEBHOOK_URL, the public https URL Telegram posts to")
        return None
    secret = settings.webhook_secret.get_secret_value()
    if not secret:
        raise ConfigError(
            "WEBHOOK_URL is set but WEBHOOK_SECRET is not; make one with "
            "`volbot keygen --webhook-secret`, so that only Telegram can post updates"
        )
    if not settings.http_port:
        raise ConfigError("WEBHOOK_URL is set but HTTP_PORT is 0; the webhook needs the server")
    return Webhook(settings.webhook_url, secret)


def instrument(metrics: BotMetrics, settings: Settings, dispatcher: Dispatcher) -> None:
    """What the metrics say of this deployment (its framework and database), and the database
    backlogs an operator watches: unsent broadcast messages, due reminders."""
    metrics.describe_build(
        framework=settings.bot_framework,
        database=make_url(settings.database_url).get_backend_name(),
    )

    async def outbox_pending() -> float:
        async with dispatcher.sessions() as session:
            return await outbox.backlog(session)

    async def reminders_due() -> float:
        async with dispatcher.sessions() as session:
            return await before_shift.due_count(session, now=dispatcher.services.clock.now())

    metrics.add_backlog("volbot_outbox_pending", "Broadcast messages not yet sent.", outbox_pending)
    metrics.add_backlog("volbot_reminders_due", "Reminders due and not yet sent.", reminders_due)


def keep_startup_objects_out_of_collections() -> None:
    """Set what the start made (modules, classes, the ORM's mappers, the message catalogs: most
    of the process's objects, all kept until it stops) aside from the garbage collector: each of
    its full collections looked over all of them, pausing the event loop about 0.2 s every few
    seconds under load (measured: gen2 collections of 199 and 212 ms in a 10-second run at 100
    updates a second). Called before the first update is handled; the collection first frees
    what the start left over, so that is not kept for good."""
    gc.collect()
    gc.freeze()


async def serve_until_stopped(
    adapter: TelegramAdapter, settings: Settings, webhook: Webhook | None
) -> None:
    """Run the adapter (polling, or the webhook), the HTTP server and the background work until
    SIGINT or SIGTERM; then take no more updates, let the work in hand finish (within
    SHUTDOWN_TIMEOUT_SECONDS; the updates not finished are given back to the inbox, for the
    next start) and close."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    dispatcher = adapter.dispatcher
    runner = Runner(
        build_jobs(dispatcher),
        build_sender(dispatcher, adapter),
        interval_s=settings.jobs_interval_seconds,
    )
    instrument(adapter.metrics, settings, dispatcher)
    server = WebServer(
        adapter,
        adapter.metrics,
        webhook_path=(urlsplit(webhook.url).path or "/") if webhook else None,
        secret=webhook.secret if webhook else "",
        scheduler_alive=runner.alive,
        webapp=WebApp(dispatcher.services, settings),
    )
    if settings.http_port:
        await server.start(settings.http_host, settings.http_port)
    try:
        await adapter.start(webhook)
        # Paced, in the background: a deployment with many coordinators starts at once.
        menus_set = asyncio.create_task(menus.publish(dispatcher.services))
        runner.start()
        keep_startup_objects_out_of_collections()
        await stop.wait()
        menus_set.cancel()
        log.info("stopping: no more updates; finishing the work in hand")
        # All at once, each within the one limit: a poller slow to stop (PTB waits out its
        # retry back-off) must not eat the time the sends in hand need to finish.
        limit = settings.shutdown_timeout_seconds
        await asyncio.gather(
            _within(_take_no_more(adapter, server), limit, "handling the updates received"),
            runner.stop(timeout_s=limit),
        )
    finally:
        await server.stop()
        await _within(adapter.stop(), CLOSE_TIMEOUT_S, "closing the Telegram connections")
