"""Flood control: per-chat, per-group, global and paid-broadcast budgets on a hand-moved clock."""

from __future__ import annotations

import pytest

from sandbox import BotApiSandbox, Limits
from sandbox.limits import RateLimiter
from tests.sandbox.conftest import Api, ManualMonotonic


def too_many(retry_after: int) -> tuple[int, str]:
    return 429, f"Too Many Requests: retry after {retry_after}"


async def test_a_private_chat_allows_a_burst_then_one_a_second(
    sandbox: BotApiSandbox, api: Api, monotonic: ManualMonotonic
) -> None:
    sandbox.user(42)
    for n in range(20):
        await api.ok("sendMessage", chat_id=42, text=f"m{n}")
    status, body = await api.call("sendMessage", chat_id=42, text="one too many")
    assert (status, body) == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        },
    )
    monotonic.advance(1.0)
    await api.ok("sendMessage", chat_id=42, text="a second later")
    # The refused request took nothing: exactly one message per second refilled.
    assert await api.error("sendMessage", chat_id=42, text="again") == too_many(1)
    assert len(sandbox.delivered(42)) == 21


async def test_the_global_budget_spans_chats(
    sandbox: BotApiSandbox, api: Api, monotonic: ManualMonotonic
) -> None:
    for user_id in range(1, 32):
        sandbox.user(user_id)
    for user_id in range(1, 31):
        await api.ok("sendMessage", chat_id=user_id, text="news")
    assert await api.error("sendMessage", chat_id=31, text="news") == too_many(1)
    monotonic.advance(0.05)  # 1.5 messages' worth at 30 a second
    await api.ok("sendMessage", chat_id=31, text="news")


async def test_paid_broadcasts_draw_on_their_own_budget(sandbox: BotApiSandbox, api: Api) -> None:
    for user_id in range(1, 33):
        sandbox.user(user_id)
    for user_id in range(1, 31):
        await api.ok("sendMessage", chat_id=user_id, text="news")
    await api.ok("sendMessage", chat_id=31, text="paid", allow_paid_broadcast=True)
    assert await api.error("sendMessage", chat_id=32, text="free") == too_many(1)


async def test_a_group_takes_twenty_a_minute(
    sandbox: BotApiSandbox, api: Api, monotonic: ManualMonotonic
) -> None:
    sandbox.group(-100777, "Team")
    for n in range(20):
        await api.ok("sendMessage", chat_id=-100777, text=f"m{n}")
    # One message is refilled every 60 / 20 = 3 seconds.
    assert await api.error("sendMessage", chat_id=-100777, text="more") == too_many(3)
    monotonic.advance(2.5)
    assert await api.error("sendMessage", chat_id=-100777, text="more") == too_many(1)
    monotonic.advance(1.0)
    await api.ok("sendMessage", chat_id=-100777, text="more")


async def test_only_new_messages_count(sandbox: BotApiSandbox, api: Api) -> None:
    sandbox.user(42)
    sent = await api.ok("sendMessage", chat_id=42, text="v0")
    for n in range(25):
        await api.ok("sendChatAction", chat_id=42, action="typing")
        await api.ok("editMessageText", chat_id=42, message_id=sent["message_id"], text=f"v{n + 1}")
        await api.error("sendMessage", chat_id=42, text="")  # refused: takes nothing
    for n in range(19):
        await api.ok("sendMessage", chat_id=42, text=f"m{n}")


async def test_retry_after_is_the_wait_rounded_up(monotonic: ManualMonotonic) -> None:
    limiter = RateLimiter(Limits(chat_per_second=0.1, chat_burst=1), monotonic)
    assert limiter.acquire(42, is_group=False) is None
    assert limiter.acquire(42, is_group=False) == 10
    monotonic.advance(9.2)
    assert limiter.acquire(42, is_group=False) == 1
    monotonic.advance(0.8)
    assert limiter.acquire(42, is_group=False) is None


@pytest.mark.parametrize("is_group", [False, True])
async def test_a_clock_going_backwards_mints_nothing(
    monotonic: ManualMonotonic, is_group: bool
) -> None:
    limiter = RateLimiter(Limits(chat_burst=1, group_burst=1), monotonic)
    assert limiter.acquire(-1 if is_group else 1, is_group=is_group) is None
    monotonic.advance(-100)
    assert limiter.acquire(-1 if is_group else 1, is_group=is_group) is not None
