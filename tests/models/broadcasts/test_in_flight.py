"""How many sends a broadcast sender keeps under way: enough to keep its rate over a round trip
(Little's law), so a fast deployment is not held to the slow default's 16, and no more than 256,
the most a crash may leave uncertain."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.settings import Settings
from models.broadcasts.send_budget import BroadcastPolicy, in_flight_for


@pytest.mark.parametrize(
    ("rate", "in_flight"),
    [(0.5, 16), (30, 16), (160, 16), (161, 17), (1000, 100), (2560, 256), (5000, 256)],
)
def test_the_bound_is_a_round_trip_of_sends_at_the_rate_from_16_to_256(
    rate: float, in_flight: int
) -> None:
    assert in_flight_for(rate) == in_flight


def test_a_paid_call_is_bounded_by_the_paid_rate_and_a_set_bound_wins() -> None:
    assert BroadcastPolicy(rate=30).in_flight_bound == 16
    assert BroadcastPolicy(rate=30, paid_rate=1000).in_flight_bound == 100
    assert BroadcastPolicy(rate=30, paid_rate=1000, in_flight=8).in_flight_bound == 8
    assert BroadcastPolicy(rate=5000, in_flight=200).in_flight_bound == 200


@pytest.mark.parametrize(("written", "read"), [("", None), (" ", None), ("64", 64)])
def test_an_empty_setting_sizes_the_bound_to_the_rate(
    monkeypatch: pytest.MonkeyPatch, written: str, read: int | None
) -> None:
    monkeypatch.setenv("BROADCAST_IN_FLIGHT", written)
    assert Settings(_env_file=None).broadcast_in_flight == read  # type: ignore[call-arg]


@pytest.mark.parametrize("written", ["0", "257", "many"])
def test_a_bound_out_of_range_is_refused(monkeypatch: pytest.MonkeyPatch, written: str) -> None:
    monkeypatch.setenv("BROADCAST_IN_FLIGHT", written)
    with pytest.raises(ValidationError, match="broadcast_in_flight"):
        Settings(_env_file=None)  # type: ignore[call-arg]
