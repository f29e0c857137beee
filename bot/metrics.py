"""What the running bot counts, in Prometheus's text format (version 0.0.4), for an operator's
dashboards and alerts: updates, handler latency, messages sent, flood control, send failures and
the backlogs of background work.

No dependency and no global registry: a `BotMetrics` is made at startup and handed to whatever
counts and to the endpoint that renders it. Metrics are updated from one event loop, without locks.
https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import logging
import math
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import partial
from typing import ClassVar, NamedTuple, TypeVar

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
COLLECT_TIMEOUT_S = 2.0  # per async gauge: a slow database must not stall the scrape
# Handler latency, in seconds: from a quick reply to a slow export.
HANDLER_SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
UPDATE_KINDS = ("message", "button", "other")
# Broadcast notices, and everything else (replies, reminders, notices to coordinators).
SENT_KINDS = ("broadcast", "other")

_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


class Sample(NamedTuple):
    name: str
    labels: tuple[tuple[str, str], ...]
    value: float


class _Family:
    type: ClassVar[str]

    def __init__(self, name: str, help: str) -> None:
        if not _METRIC_NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not a metric name")
        self.name = name
        self.help = help


class Counter(_Family):
    """A count that only goes up, one per combination of label values."""

    type = "counter"

    def __init__(self, name: str, help: str, labels: Sequence[str] = ()) -> None:
        super().__init__(name, help)
        for label in labels:
            if not _LABEL_NAME.fullmatch(label) or label.startswith("__"):
                raise ValueError(f"{label!r} is not a label name")
        self.labels = tuple(labels)
        # Without labels the one series exists from the start, at 0.
        self._values: dict[tuple[str, ...], float] = {} if labels else {(): 0.0}

    def inc(self, amount: float = 1, **labels: str) -> None:
        if amount < 0:
            raise ValueError(f"{self.name} is a counter: it cannot go down")
        if labels.keys() != set(self.labels):
            raise ValueError(f"{self.name} takes the labels {self.labels}, not {tuple(labels)}")
        key = tuple(labels[label] for label in self.labels)
        self._values[key] = self._values.get(key, 0.0) + amount

    def value(self, **labels: str) -> float:
        """The count of one series (0 if it never went up)."""
        return self._values.get(tuple(labels[label] for label in self.labels), 0.0)

    def samples(self) -> list[Sample]:
        return [
            Sample(self.name, tuple(zip(self.labels, key, strict=True)), value)
            for key, value in sorted(self._values.items())
        ]


class Gauge(_Family):
    """A value that goes up and down: set, or read from `read` each time it is rendered."""

    type = "gauge"

    def __init__(self, name: str, help: str, read: Callable[[], float] | None = None) -> None:
        super().__init__(name, help)
        self._read = read
        self._value = 0.0

    def set(self, value: float) -> None:
        if self._read is not None:
            raise TypeError(f"{self.name} reads its value; it cannot be set")
        self._value = value

    def samples(self) -> list[Sample]:
        return [Sample(self.name, (), self._value if self._read is None else self._read())]


class AsyncGauge(_Family):
    """A gauge read by awaiting `read` (a database count, say); only `render_async` reads it."""

    type = "gauge"

    def __init__(self, name: str, help: str, read: Callable[[], Awaitable[float]]) -> None:
        super().__init__(name, help)
        self.read = read


class Histogram(_Family):
    """How long something took, counted in HANDLER_SECONDS_BUCKETS, with the sum and count."""

    type = "histogram"

    def __init__(self, name: str, help: str) -> None:
        super().__init__(name, help)
        self._bounds = (*HANDLER_SECONDS_BUCKETS, math.inf)
        self._counts = [0] * len(self._bounds)  # per bucket, not yet cumulative
        self._sum = 0.0

    def observe(self, seconds: float) -> None:
        self._counts[bisect.bisect_left(self._bounds, seconds)] += 1  # a bucket is `le`
        self._sum += seconds

    def samples(self) -> list[Sample]:
        cumulative = itertools.accumulate(self._counts)
        return [
            *(
                Sample(f"{self.name}_bucket", (("le", _number(bound)),), count)
                for bound, count in zip(self._bounds, cumulative, strict=True)
            ),
            Sample(f"{self.name}_sum", (), self._sum),
            Sample(f"{self.name}_count", (), sum(self._counts)),
        ]


Metric = Counter | Gauge | AsyncGauge | Histogram
M = TypeVar("M", bound=Metric)


class Registry:
    """Metrics in the order they were added, rendered as one exposition."""

    def __init__(self, collect_timeout_s: float = COLLECT_TIMEOUT_S) -> None:
        self._metrics: dict[str, Metric] = {}
        self._collect_timeout_s = collect_timeout_s

    def add(self, metric: M) -> M:
        if metric.name in self._metrics:
            raise ValueError(f"a metric called {metric.name} is already registered")
        self._metrics[metric.name] = metric
        return metric

    def render(self) -> str:
        """The exposition without reading async gauges (each says so in a comment)."""
        return self._render({})

    async def render_async(self) -> str:
        """The exposition, having read the async gauges at the same time."""
        gauges = [metric for metric in self._metrics.values() if isinstance(metric, AsyncGauge)]
        readings = await asyncio.gather(*(self._read(gauge) for gauge in gauges))
        return self._render(
            {gauge.name: reading for gauge, reading in zip(gauges, readings, strict=True)}
        )

    async def _read(self, gauge: AsyncGauge) -> float | str:
        """The gauge's value, or why there is none."""
        try:
            return float(await asyncio.wait_for(gauge.read(), self._collect_timeout_s))
        except Exception as error:  # one failing source must not fail the whole scrape
            log.warning("metric %s not read: %r", gauge.name, error)
            return type(error).__name__

    def _render(self, readings: Mapping[str, float | str]) -> str:
        lines: list[str] = []
        for metric in self._metrics.values():
            lines.append(f"# HELP {metric.name} {_escape_help(metric.help)}")
            lines.append(f"# TYPE {metric.name} {metric.type}")
            samples = _samples(metric, readings)
            if isinstance(samples, str):
                lines.append(f"# {metric.name} has no value: {samples}")
            else:
                lines.extend(_sample_line(sample) for sample in samples)
        return "".join(f"{line}\n" for line in lines)


@dataclass(frozen=True)
class BotMetrics:
    """The bot's metrics, all in `registry`; the endpoint renders it with `render_async`."""

    updates: Counter = field(
        default_factory=partial(
            Counter,
            "volbot_updates_total",
            f"Updates received, by kind: {', '.join(UPDATE_KINDS)}.",
            ("kind",),
        )
    )
    update_errors: Counter = field(
        default_factory=partial(
            Counter, "volbot_update_errors_total", "Updates whose handling raised an error."
        )
    )
    handler_seconds: Histogram = field(
        default_factory=partial(
            Histogram, "volbot_handler_seconds", "Time to handle one update, in seconds."
        )
    )
    messages_sent: Counter = field(
        default_factory=partial(
            Counter,
            "volbot_messages_sent_total",
            f"Messages sent, by kind: {', '.join(SENT_KINDS)}.",
            ("kind",),
        )
    )
    telegram_429: Counter = field(
        default_factory=partial(
            Counter, "volbot_telegram_429_total", "Flood-control answers (429) from Telegram."
        )
    )
    # A reason is one short word from a fixed few (blocked, not_found, ...), never an error's
    # text: each distinct value is a series of its own.
    send_failures: Counter = field(
        default_factory=partial(
            Counter,
            "volbot_send_failures_total",
            "Actions given up on after retries, by reason.",
            ("reason",),
        )
    )
    registry: Registry = field(default_factory=Registry)

    def __post_init__(self) -> None:
        for each in fields(self):
            metric = getattr(self, each.name)
            if not isinstance(metric, Registry):
                self.registry.add(metric)
        # Every kind is a series from the start, so a rate over it is defined from the start.
        for kind in UPDATE_KINDS:
            self.updates.inc(0, kind=kind)
        for kind in SENT_KINDS:
            self.messages_sent.inc(0, kind=kind)

    def add_backlog(self, name: str, help: str, read: Callable[[], Awaitable[float]]) -> None:
        """Count work waiting in the database (`volbot_outbox_pending`, say) at each scrape."""
        self.registry.add(AsyncGauge(name, help, read))


def _samples(metric: Metric, readings: Mapping[str, float | str]) -> list[Sample] | str:
    """The metric's samples, or why it has none."""
    if isinstance(metric, AsyncGauge):
        reading = readings.get(metric.name, "only render_async reads it")
        return reading if isinstance(reading, str) else [Sample(metric.name, (), reading)]
    try:
        return metric.samples()
    except Exception as error:  # a gauge's `read` failed
        log.warning("metric %s not read: %r", metric.name, error)
        return type(error).__name__


def _sample_line(sample: Sample) -> str:
    labels = ",".join(f'{name}="{_escape_label(value)}"' for name, value in sample.labels)
    braced = f"{{{labels}}}" if labels else ""
    return f"{sample.name}{braced} {_number(sample.value)}"


def _number(value: float) -> str:
    """As Prometheus writes numbers: +Inf, -Inf, NaN; whole numbers without a fraction."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return str(int(value)) if value == int(value) else repr(float(value))


def _escape_label(value: str) -> str:
    return value.replace("\\", r"\\").replace('"', r"\"").replace("\n", r"\n")


def _escape_help(text: str) -> str:
    return text.replace("\\", r"\\").replace("\n", r"\n")
