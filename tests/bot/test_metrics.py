"""What `/metrics` shows an operator's Prometheus: today's names and labels (docs/deploy.md,
dashboards rely on them), the process's own figures, which build runs, and the database
backlogs, read without stalling or failing the scrape. Read back with prometheus_client's own
parser, as Prometheus reads it."""

from __future__ import annotations

import asyncio
import importlib.metadata
import logging
import platform
import sys

import pytest
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import BotMetrics

Families = dict[str, Metric]
Series = dict[tuple[tuple[str, str], ...], float]


def parse(exposition: bytes) -> Families:
    return {family.name: family for family in text_string_to_metric_families(exposition.decode())}


def values(family: Metric, sample_name: str | None = None) -> Series:
    """Each series' value by its labels (of the samples called `sample_name`, default the
    family's own name; counters' samples end in _total)."""
    wanted = sample_name or family.name
    return {
        tuple(sorted(sample.labels.items())): sample.value
        for sample in family.samples
        if sample.name == wanted
    }


async def test_the_bot_metrics_keep_their_names_types_and_labels() -> None:
    metrics = BotMetrics()

    async def pending() -> float:
        return 5

    metrics.add_backlog("volbot_outbox_pending", "Broadcast messages not yet sent.", pending)
    metrics.updates.labels(kind="button").inc()
    metrics.update_errors.inc()
    metrics.handler_seconds.observe(0.02)
    metrics.messages_sent.labels(kind="broadcast").inc()
    metrics.telegram_429.inc()
    metrics.send_failures.labels(reason="blocked").inc()

    families = parse(await metrics.exposition())

    ours = {name: family.type for name, family in families.items() if name.startswith("volbot_")}
    assert ours == {
        "volbot_updates": "counter",
        "volbot_update_errors": "counter",
        "volbot_handler_seconds": "histogram",
        "volbot_messages_sent": "counter",
        "volbot_telegram_429": "counter",
        "volbot_send_failures": "counter",
        "volbot_outbox_pending": "gauge",
        "volbot_build_info": "gauge",
    }
    # Every kind is a series from the start, so a rate over it is defined from the start.
    assert values(families["volbot_updates"], "volbot_updates_total") == {
        (("kind", "button"),): 1.0,
        (("kind", "message"),): 0.0,
        (("kind", "other"),): 0.0,
    }
    assert values(families["volbot_messages_sent"], "volbot_messages_sent_total") == {
        (("kind", "broadcast"),): 1.0,
        (("kind", "other"),): 0.0,
    }
    assert values(families["volbot_send_failures"], "volbot_send_failures_total") == {
        (("reason", "blocked"),): 1.0
    }
    assert values(families["volbot_update_errors"], "volbot_update_errors_total") == {(): 1.0}
    assert values(families["volbot_telegram_429"], "volbot_telegram_429_total") == {(): 1.0}
    assert values(families["volbot_outbox_pending"]) == {(): 5.0}
    buckets = values(families["volbot_handler_seconds"], "volbot_handler_seconds_bucket")
    assert {float(dict(labels)["le"]): count for labels, count in buckets.items()} == {
        **{bound: 0.0 for bound in (0.005, 0.01)},
        **{bound: 1.0 for bound in (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)},
        float("inf"): 1.0,
    }
    assert values(families["volbot_handler_seconds"], "volbot_handler_seconds_count") == {(): 1.0}


async def test_the_build_and_the_process_are_described() -> None:
    metrics = BotMetrics()
    metrics.describe_build(framework="aiogram", database="postgresql")

    families = parse(await metrics.exposition())

    assert values(families["volbot_build_info"]) == {
        (
            ("database", "postgresql"),
            ("framework", "aiogram"),
            ("python", platform.python_version()),
            ("version", importlib.metadata.version("volbot")),
        ): 1.0
    }
    assert "python_info" in families
    if sys.platform == "linux":  # the process figures come from /proc
        assert values(families["process_resident_memory_bytes"])[()] > 0
        assert "process_cpu_seconds" in families
        assert "process_open_fds" in families


async def test_failing_and_slow_backlogs_have_no_sample_and_the_rest_is_served(
    caplog: pytest.LogCaptureFixture,
) -> None:
    metrics = BotMetrics(collect_timeout_s=0.01)
    down = [False]

    async def outbox() -> float:
        if down[0]:
            raise ConnectionError("database is down")
        return 7

    async def stuck() -> float:
        await asyncio.Event().wait()
        return 0

    metrics.add_backlog("volbot_outbox_pending", "Outbox.", outbox)
    metrics.add_backlog("volbot_reminders_due", "Reminders due.", stuck)
    first = parse(await metrics.exposition())
    down[0] = True
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.metrics"):
        second = parse(await metrics.exposition())

    assert values(first["volbot_outbox_pending"]) == {(): 7.0}
    # No made-up or stale value: the series is missing this time (Prometheus: absent()).
    assert values(second["volbot_outbox_pending"]) == {}
    assert values(first["volbot_reminders_due"]) == values(second["volbot_reminders_due"]) == {}
    assert values(second["volbot_updates"], "volbot_updates_total")[(("kind", "message"),)] == 0
    assert "process_resident_memory_bytes" in second or sys.platform != "linux"
    assert [record.getMessage() for record in caplog.records] == [
        "metric volbot_outbox_pending not read: ConnectionError('database is down')",
        "metric volbot_reminders_due not read: TimeoutError()",
    ]


def test_a_backlog_name_is_registered_once() -> None:
    metrics = BotMetrics()

    async def zero() -> float:
        return 0

    metrics.add_backlog("volbot_outbox_pending", "Outbox.", zero)
    with pytest.raises(ValueError, match="volbot_outbox_pending"):
        metrics.add_backlog("volbot_outbox_pending", "Outbox.", zero)


def test_the_broadcast_budget_reads_the_messages_sent() -> None:
    metrics = BotMetrics()
    metrics.messages_sent.labels(kind="other").inc(3)
    metrics.messages_sent.labels(kind="broadcast").inc()

    assert metrics.sent(kind="other") == 3
    assert metrics.sent(kind="broadcast") == 1


async def test_each_bot_metrics_has_its_own_registry() -> None:
    first, second = BotMetrics(), BotMetrics()
    first.update_errors.inc()

    def errors(metrics: bytes) -> Series:
        return values(parse(metrics)["volbot_update_errors"], "volbot_update_errors_total")

    assert errors(await second.exposition()) == {(): 0.0}
    assert errors(await first.exposition()) == {(): 1.0}
