"""What the running bot counts, for an operator's Prometheus dashboards and alerts: updates,
handler latency, messages sent, flood control, send failures, the backlogs of background work,
the process's own figures (`process_*`, `python_info`) and which build runs
(`volbot_build_info`). The names are the ones docs/deploy.md lists; dashboards rely on them.

No global registry: each `BotMetrics` (one per adapter, so one per bot even when a test runs
several in one process) has its own `CollectorRegistry`, handed to whatever counts and to the
endpoint that renders it with `exposition`.
"""

from __future__ import annotations

import asyncio
import logging
import platform
from collections.abc import Awaitable, Callable, Iterator

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    Info,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import GaugeMetricFamily

from bot import version

log = logging.getLogger(__name__)
# No `<counter>_created` gauges: in the text format each is one more series per label value, and
# nothing here reads them (process-wide, as the client offers it; this process has no other use).
disable_created_metrics()  # type: ignore[no-untyped-call]  # the client leaves it untyped

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4  # what generate_latest writes
COLLECT_TIMEOUT_S = 2.0  # per backlog: a slow database must not stall the scrape
# Handler latency, in seconds: from a quick reply to a slow export.
HANDLER_SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
UPDATE_KINDS = ("message", "button", "other")
# Broadcast notices, and everything else (replies, reminders, notices to coordinators).
SENT_KINDS = ("broadcast", "other")


class Backlog:
    """A gauge of work waiting in the database (`volbot_outbox_pending`, say).

    Reading it awaits the database, which a collector (called synchronously while the
    exposition is written) cannot do: `read` is awaited first, and `collect` gives what it found.
    A reading that fails or takes over the timeout leaves the gauge without a sample that time
    (its HELP and TYPE only) and is logged: Prometheus sees the series missing, never a stale or
    made-up value, and the rest of the scrape is served as usual."""

    def __init__(self, name: str, help: str, read: Callable[[], Awaitable[float]]) -> None:
        self.name = name
        self.help = help
        self._read = read
        self._value: float | None = None

    async def read(self, timeout_s: float) -> None:
        self._value = None
        try:
            self._value = float(await asyncio.wait_for(self._read(), timeout_s))
        except Exception as error:  # one failing source must not fail the whole scrape
            log.warning("metric %s not read: %r", self.name, error)

    def describe(self) -> list[GaugeMetricFamily]:
        """The family without samples: lets the registry refuse a name registered twice."""
        return [GaugeMetricFamily(self.name, self.help)]

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(self.name, self.help)
        if self._value is not None:
            family.add_metric([], self._value)
        yield family


class BotMetrics:
    """The bot's metrics, all in `registry`; the endpoint serves `exposition()`."""

    def __init__(self, collect_timeout_s: float = COLLECT_TIMEOUT_S) -> None:
        self.registry = registry = CollectorRegistry()
        self._collect_timeout_s = collect_timeout_s
        self._backlogs: list[Backlog] = []
        self.updates = Counter(
            "volbot_updates",
            f"Updates received, by kind: {', '.join(UPDATE_KINDS)}.",
            ["kind"],
            registry=registry,
        )
        self.update_errors = Counter(
            "volbot_update_errors", "Updates whose handling raised an error.", registry=registry
        )
        self.handler_seconds = Histogram(
            "volbot_handler_seconds",
            "Time to handle one update, in seconds.",
            buckets=HANDLER_SECONDS_BUCKETS,
            registry=registry,
        )
        self.messages_sent = Counter(
            "volbot_messages_sent",
            f"Messages sent, by kind: {', '.join(SENT_KINDS)}.",
            ["kind"],
            registry=registry,
        )
        self.telegram_429 = Counter(
            "volbot_telegram_429", "Flood-control answers (429) from Telegram.", registry=registry
        )
        # A reason is one short word from a fixed few (blocked, not_found, ...), never an error's
        # text: each distinct value is a series of its own.
        self.send_failures = Counter(
            "volbot_send_failures",
            "Actions given up on after retries, by reason.",
            ["reason"],
            registry=registry,
        )
        self.build = Info(
            "volbot_build",
            "The volbot running: its version, Python, Telegram framework and database.",
            registry=registry,
        )
        self.describe_build(framework="", database="")
        ProcessCollector(registry=registry)
        PlatformCollector(registry=registry)
        # Every kind is a series from the start, so a rate over it is defined from the start.
        for kind in UPDATE_KINDS:
            self.updates.labels(kind=kind)
        for kind in SENT_KINDS:
            self.messages_sent.labels(kind=kind)

    def describe_build(self, *, framework: str, database: str) -> None:
        """Say which framework (ptb, aiogram) and database (sqlite, postgresql) this bot uses."""
        self.build.info(
            {
                "version": version(),
                "python": platform.python_version(),
                "framework": framework,
                "database": database,
            }
        )

    def add_backlog(self, name: str, help: str, read: Callable[[], Awaitable[float]]) -> None:
        """Count work waiting in the database (`volbot_outbox_pending`, say) at each scrape."""
        backlog = Backlog(name, help, read)
        self.registry.register(backlog)
        self._backlogs.append(backlog)

    def sent(self, kind: str) -> float:
        """Messages sent of one kind so far (what the broadcast budget shares)."""
        [family] = self.messages_sent.collect()
        return next(
            sample.value
            for sample in family.samples
            if sample.name == "volbot_messages_sent_total" and sample.labels == {"kind": kind}
        )

    async def exposition(self) -> bytes:
        """Every metric in Prometheus's text format, the backlogs read afresh (all at once)."""
        await asyncio.gather(*(b.read(self._collect_timeout_s) for b in self._backlogs))
        return generate_latest(self.registry)
