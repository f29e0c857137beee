"""The metrics endpoint's text, exactly as Prometheus (text format 0.0.4) reads it."""

from __future__ import annotations

import asyncio
import re

import pytest

from bot.metrics import AsyncGauge, BotMetrics, Counter, Gauge, Histogram, Registry

SAMPLE = re.compile(r"(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>.*)\})? (?P<value>\S+)")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(?:,|$)')
ESCAPE = re.compile(r"\\(.)")
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(text: str) -> Samples:
    """Each sample's value by name and labels; fails on any line Prometheus would not read."""
    assert text.endswith("\n")
    types: dict[str, str] = {}
    samples: Samples = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert kind in {"counter", "gauge", "histogram"}, line
            types[name] = kind
        elif line.startswith("# HELP "):
            assert re.fullmatch(r"# HELP [a-zA-Z_:][a-zA-Z0-9_:]* [^\n]*", line), line
        elif not line.startswith("#"):
            match = SAMPLE.fullmatch(line)
            assert match, line
            name, value = match["name"], float(match["value"])
            family = name if name in types else re.sub(r"_(bucket|sum|count)$", "", name)
            assert family in types, f"{name} has no # TYPE before it"
            samples[name, parse_labels(match["labels"] or "")] = value
    return samples


def parse_labels(text: str) -> tuple[tuple[str, str], ...]:
    labels: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        match = LABEL.match(text, position)
        assert match, text[position:]
        unescaped = ESCAPE.sub(lambda m: "\n" if m[1] == "n" else m[1], match[2])
        labels.append((match[1], unescaped))
        position = match.end()
    return tuple(labels)


def test_a_counter_without_labels_starts_at_zero_and_adds_up() -> None:
    registry = Registry()
    errors = registry.add(Counter("volbot_update_errors_total", "Updates that failed."))
    before = registry.render()
    errors.inc()
    errors.inc(2.5)

    assert before == (
        "# HELP volbot_update_errors_total Updates that failed.\n"
        "# TYPE volbot_update_errors_total counter\n"
        "volbot_update_errors_total 0\n"
    )
    assert registry.render().splitlines()[-1] == "volbot_update_errors_total 3.5"


def test_a_counter_with_labels_has_one_series_per_value() -> None:
    registry = Registry()
    updates = registry.add(Counter("volbot_updates_total", "Updates.", ("kind",)))
    before = registry.render()
    updates.inc(kind="message")
    updates.inc(kind="button")
    updates.inc(kind="message")

    assert before == "# HELP volbot_updates_total Updates.\n# TYPE volbot_updates_total counter\n"
    assert registry.render() == (
        "# HELP volbot_updates_total Updates.\n"
        "# TYPE volbot_updates_total counter\n"
        'volbot_updates_total{kind="button"} 1\n'
        'volbot_updates_total{kind="message"} 2\n'
    )
    # What the broadcast budget reads: one series' count, 0 before it was ever counted.
    assert (updates.value(kind="message"), updates.value(kind="other")) == (2, 0)


@pytest.mark.parametrize(
    ("amount", "labels", "error"),
    [
        (1, {}, "takes the labels \\('kind',\\), not \\(\\)"),
        (1, {"kind": "reply", "chat": "1"}, "not \\('kind', 'chat'\\)"),
        (-1, {"kind": "reply"}, "cannot go down"),
    ],
)
def test_a_counter_refuses_other_labels_and_going_down(
    amount: float, labels: dict[str, str], error: str
) -> None:
    sent = Counter("volbot_messages_sent_total", "Messages sent.", ("kind",))

    with pytest.raises(ValueError, match=error):
        sent.inc(amount, **labels)


def test_names_are_checked_and_registered_once() -> None:
    registry = Registry()
    registry.add(Counter("volbot_updates_total", "Updates."))

    with pytest.raises(ValueError, match="already registered"):
        registry.add(Gauge("volbot_updates_total", "Updates."))
    with pytest.raises(ValueError, match="not a metric name"):
        Counter("volbot-updates", "Updates.")
    with pytest.raises(ValueError, match="not a label name"):
        Counter("volbot_updates_total", "Updates.", ("update kind",))


def test_a_histogram_counts_cumulative_buckets_a_sum_and_a_count() -> None:
    registry = Registry()
    seconds = registry.add(Histogram("volbot_handler_seconds", "Time to handle an update."))
    for taken in (0.0625, 0.25, 3.0):  # 0.25 is a bucket's upper bound: it counts in that bucket
        seconds.observe(taken)

    assert registry.render() == (
        "# HELP volbot_handler_seconds Time to handle an update.\n"
        "# TYPE volbot_handler_seconds histogram\n"
        'volbot_handler_seconds_bucket{le="0.005"} 0\n'
        'volbot_handler_seconds_bucket{le="0.01"} 0\n'
        'volbot_handler_seconds_bucket{le="0.025"} 0\n'
        'volbot_handler_seconds_bucket{le="0.05"} 0\n'
        'volbot_handler_seconds_bucket{le="0.1"} 1\n'
        'volbot_handler_seconds_bucket{le="0.25"} 2\n'
        'volbot_handler_seconds_bucket{le="0.5"} 2\n'
        'volbot_handler_seconds_bucket{le="1"} 2\n'
        'volbot_handler_seconds_bucket{le="2.5"} 2\n'
        'volbot_handler_seconds_bucket{le="5"} 3\n'
        'volbot_handler_seconds_bucket{le="10"} 3\n'
        'volbot_handler_seconds_bucket{le="+Inf"} 3\n'
        "volbot_handler_seconds_sum 3.3125\n"
        "volbot_handler_seconds_count 3\n"
    )


def test_label_values_and_help_are_escaped() -> None:
    registry = Registry()
    failures = registry.add(
        Counter("volbot_send_failures_total", 'Failures: "reason" \\ why\nand more.', ("reason",))
    )
    reason = 'C:\\bots "volbot"\nblocked'
    failures.inc(reason=reason)

    text = registry.render()
    assert text == (
        '# HELP volbot_send_failures_total Failures: "reason" \\\\ why\\nand more.\n'
        "# TYPE volbot_send_failures_total counter\n"
        'volbot_send_failures_total{reason="C:\\\\bots \\"volbot\\"\\nblocked"} 1\n'
    )
    assert parse(text) == {("volbot_send_failures_total", (("reason", reason),)): 1.0}


def test_a_gauge_is_set_or_read_when_rendered() -> None:
    registry = Registry()
    users = registry.add(Gauge("volbot_users_waiting", "Users with an update in progress."))
    waiting = [3.0]
    registry.add(Gauge("volbot_queue", "Queued updates.", read=lambda: waiting[0]))
    users.set(4)
    first = registry.render()
    waiting[0] = 0.5

    assert parse(first) == {("volbot_users_waiting", ()): 4.0, ("volbot_queue", ()): 3.0}
    assert parse(registry.render())["volbot_queue", ()] == 0.5


def test_a_gauge_that_reads_its_value_cannot_be_set() -> None:
    with pytest.raises(TypeError, match="cannot be set"):
        Gauge("volbot_queue", "Queued updates.", read=lambda: 1.0).set(2)


async def test_an_async_gauge_is_awaited_by_render_async_only() -> None:
    registry = Registry()

    async def pending() -> float:
        return 12

    registry.add(AsyncGauge("volbot_outbox_pending", "Messages waiting to be sent.", pending))
    header = (
        "# HELP volbot_outbox_pending Messages waiting to be sent.\n"
        "# TYPE volbot_outbox_pending gauge\n"
    )

    assert await registry.render_async() == f"{header}volbot_outbox_pending 12\n"
    assert registry.render() == (
        f"{header}# volbot_outbox_pending has no value: only render_async reads it\n"
    )


async def test_failing_and_slow_gauges_leave_a_comment_not_an_error() -> None:
    registry = Registry(collect_timeout_s=0.01)

    async def broken() -> float:
        raise ConnectionError("database is down")

    async def stuck() -> float:
        await asyncio.Event().wait()
        return 0

    async def due() -> float:
        return 2

    registry.add(AsyncGauge("volbot_outbox_pending", "Outbox.", broken))
    registry.add(AsyncGauge("volbot_reminders_due", "Reminders due.", stuck))
    registry.add(AsyncGauge("volbot_offers_open", "Offers open.", due))

    assert await registry.render_async() == (
        "# HELP volbot_outbox_pending Outbox.\n"
        "# TYPE volbot_outbox_pending gauge\n"
        "# volbot_outbox_pending has no value: ConnectionError\n"
        "# HELP volbot_reminders_due Reminders due.\n"
        "# TYPE volbot_reminders_due gauge\n"
        "# volbot_reminders_due has no value: TimeoutError\n"
        "# HELP volbot_offers_open Offers open.\n"
        "# TYPE volbot_offers_open gauge\n"
        "volbot_offers_open 2\n"
    )


def test_a_failing_gauge_read_leaves_a_comment_not_an_error() -> None:
    registry = Registry()
    registry.add(Gauge("volbot_queue", "Queued updates.", read=lambda: 1 / 0))

    assert registry.render().splitlines()[-1] == ("# volbot_queue has no value: ZeroDivisionError")


async def test_the_bot_metrics_render_as_prometheus_reads_them() -> None:
    metrics = BotMetrics()

    async def pending() -> float:
        return 5

    metrics.add_backlog("volbot_outbox_pending", "Messages waiting to be sent.", pending)
    metrics.updates.inc(kind="button")
    metrics.update_errors.inc()
    metrics.handler_seconds.observe(0.02)
    metrics.messages_sent.inc(kind="broadcast")
    metrics.telegram_429.inc()
    metrics.send_failures.inc(reason="blocked")

    samples = parse(await metrics.registry.render_async())
    assert {name for name, _ in samples} == {
        "volbot_updates_total",
        "volbot_update_errors_total",
        "volbot_handler_seconds_bucket",
        "volbot_handler_seconds_sum",
        "volbot_handler_seconds_count",
        "volbot_messages_sent_total",
        "volbot_telegram_429_total",
        "volbot_send_failures_total",
        "volbot_outbox_pending",
    }
    assert {labels: value for (name, labels), value in samples.items() if "updates" in name} == {
        (("kind", "button"),): 1.0,
        (("kind", "message"),): 0.0,
        (("kind", "other"),): 0.0,
    }
    assert {
        labels: value for (name, labels), value in samples.items() if "messages_sent" in name
    } == {
        (("kind", "broadcast"),): 1.0,
        (("kind", "other"),): 0.0,
    }
    assert samples["volbot_handler_seconds_bucket", (("le", "0.025"),)] == 1.0
    assert samples["volbot_handler_seconds_bucket", (("le", "0.01"),)] == 0.0
    assert samples["volbot_send_failures_total", (("reason", "blocked"),)] == 1.0
    assert samples["volbot_update_errors_total", ()] == 1.0
    assert samples["volbot_telegram_429_total", ()] == 1.0
    assert samples["volbot_outbox_pending", ()] == 5.0


def test_each_bot_metrics_has_its_own_registry() -> None:
    first, second = BotMetrics(), BotMetrics()
    first.update_errors.inc()

    assert "volbot_update_errors_total 0\n" in second.registry.render()
    assert "volbot_update_errors_total 1\n" in first.registry.render()
