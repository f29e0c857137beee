"""Places and ages as coordinators type them: digits (full-width too), in range, nothing else."""

from __future__ import annotations

import pytest

from models.errors import InvalidInput
from models.publishing import activity_input


@pytest.mark.parametrize(("typed", "places"), [("12", 12), (" 12 ", 12), ("１２", 12), ("²", 2)])
def test_places_are_whole_numbers_as_typed(typed: str, places: int) -> None:
    assert activity_input.parse_capacity(typed) == places


@pytest.mark.parametrize(
    "typed", ["0", "10001", "-3", "+3", "3.0", "1_0", "٣", "inf", "nan", "1e3", "9" * 5000, ""]
)
def test_other_places_are_refused_with_the_range(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        activity_input.parse_capacity(typed)
    assert (refused.value.code, refused.value.params) == (
        "capacity_invalid",
        {"low": 1, "high": 10_000},
    )


@pytest.mark.parametrize("typed", ["²⁰⁰", "9" * 5000, "121"])
def test_ages_out_of_range_are_refused(typed: str) -> None:
    with pytest.raises(InvalidInput, match="min_age_invalid"):
        activity_input.parse_min_age(typed)
