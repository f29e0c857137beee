"""The benchmarks' bare-framework baselines run end to end, briefly: the numbers are not
checked (they belong to the machine), only that each run answers, loses nothing and reports the
figures the README names."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def bench(script: str, *args: str, timeout: float = 90) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return figures


@pytest.mark.parametrize("framework", ["ptb", "aiogram"])
def test_the_bare_bot_answers_every_update(framework: str) -> None:
    figures = bench(
        "updates.py",
        *("--bot", "bare", "--framework", framework),
        *("--seconds", "1", "--users", "5", "--rate", "20"),
    )
    assert figures["bot"] == "bare"
    assert figures["handled"] == figures["sent"]
    assert figures["sent"]
    assert figures["lost"] == 0
    assert figures["errors"] == 0
    assert figures["cpu_ms_per_update"]
    assert set(figures["cpu_share"]) == {"bots", "sandbox", "generator"}  # type: ignore[arg-type]


def test_the_bare_sender_reaches_every_recipient_once() -> None:
    figures = bench("broadcast.py", "--sender", "bare", "--recipients", "200", "--rate", "5000")
    assert figures["sender"] == "bare"
    assert (figures["lost"], figures["duplicates"], figures["failed"]) == (0, 0, 0)
    assert figures["achieved_rate"]
    assert figures["cpu_ms_per_notice"]


def test_pairs_of_runs_each_answer_every_update_and_give_the_median_ratio() -> None:
    """The second volbot run shares the first's database: its updates are numbered past the
    ones recorded, or the bot would take them for repeated deliveries and ignore them."""
    figures = bench(
        "updates.py",
        *("--bot", "both", "--pairs", "2", "--framework", "ptb"),
        *("--seconds", "1", "--users", "5", "--rate", "20"),
        timeout=240,
    )
    pairs = figures["pairs"]
    assert isinstance(pairs, list) and len(pairs) == 2
    for pair in pairs:
        for kind in ("bare", "volbot"):
            run = pair[kind]
            assert run["sent"] and run["handled"] == run["sent"], (kind, run)
            assert (run["lost"], run["errors"], run["unanswered"]) == (0, 0, 0), (kind, run)
    ratio = figures["ratio"]
    assert isinstance(ratio, dict)
    cpu = sorted(pair["ratio"]["cpu_ms_per_update"] for pair in pairs)
    assert ratio["cpu_ms_per_update"] == round(sum(cpu) / 2, 3)  # the median of two
