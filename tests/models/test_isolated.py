"""The limited worker process (models/isolated.py): results and errors come back; a worker past
its CPU time, memory or wall-clock time is stopped and reported as OverLimit."""

from __future__ import annotations

import time

import pytest

from models import isolated
from models.errors import InvalidInput

LIMITS = isolated.Limits(cpu_seconds=2, memory_bytes=512 * 1024 * 1024, wall_seconds=20)


def add(a: int, b: int) -> int:
    return a + b


def refuse(code: str) -> None:
    raise InvalidInput(code, max=3)


def spin() -> None:
    while True:
        pass


def hoard() -> list[bytes]:
    return [b"x" * (64 * 1024 * 1024) for _ in range(64)]  # 4 GB


def sleep() -> None:
    time.sleep(60)


async def test_the_result_comes_back() -> None:
    assert await isolated.run(add, 2, 3, limits=LIMITS) == 5


async def test_a_domain_error_comes_back_with_its_values() -> None:
    with pytest.raises(InvalidInput) as raised:
        await isolated.run(refuse, "too_many", limits=LIMITS)

    assert (raised.value.code, raised.value.params) == ("too_many", {"max": 3})


@pytest.mark.parametrize("work", [spin, hoard])
async def test_a_worker_past_its_cpu_or_memory_limit_is_stopped(work: object) -> None:
    started = time.monotonic()
    with pytest.raises(isolated.OverLimit):
        await isolated.run(work, limits=LIMITS)  # type: ignore[arg-type]

    assert time.monotonic() - started < LIMITS.wall_seconds


async def test_a_worker_past_its_time_is_killed() -> None:
    limits = isolated.Limits(cpu_seconds=2, memory_bytes=512 * 1024 * 1024, wall_seconds=1)
    started = time.monotonic()
    with pytest.raises(isolated.OverLimit):
        await isolated.run(sleep, limits=limits)

    assert time.monotonic() - started < 10
