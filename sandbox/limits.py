"""Telegram's flood limits as token buckets on an injectable monotonic clock.

Telegram publishes no exact algorithm, only guidance (its numbers are "about"); each default
below names the statement it comes from (paraphrased):

* Bot FAQ, "My bot is hitting limits, how do I avoid this?"
  (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
  - in a single chat, avoid sending more than one message per second; short bursts over that
    may be allowed before 429s start -> `chat_per_second = 1.0`, `chat_burst = 20`.
  - a bot cannot send more than 20 messages per minute to the same group
    -> `group_per_minute = 20`; a group may take those 20 at once: `group_burst = 20`.
  - bulk notifications: no more than about 30 messages per second overall
    -> `global_per_second = 30.0`, `global_burst = 30`.
  - paid broadcasts raise that to up to 1000 messages per second
    -> `paid_broadcast_per_second = 1000.0`. A sendMessage with `allow_paid_broadcast`
    (https://core.telegram.org/bots/api#sendmessage) draws on that budget instead of the 30/s
    one; the per-chat limits still apply to it.

Only methods that send a new message are counted (the server decides which). A private chat is
limited by the per-chat bucket, a group by the per-group one (which is the stricter of the two,
so applying both would change nothing). A refused request takes nothing from any bucket.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

SECONDS_PER_MINUTE = 60.0


@dataclass
class Limits:
    """Flood limits; see the module docstring for where each number comes from."""

    global_per_second: float = 30.0
    global_burst: int = 30
    chat_per_second: float = 1.0
    chat_burst: int = 20
    group_per_minute: int = 20
    group_burst: int = 20
    paid_broadcast_per_second: float = 1000.0


@dataclass
class TokenBucket:
    """`capacity` tokens, refilled at `rate` per second; one message costs one token."""

    rate: float
    capacity: float
    tokens: float
    updated: float

    @classmethod
    def full(cls, rate: float, capacity: float, now: float) -> TokenBucket:
        return cls(rate=rate, capacity=capacity, tokens=capacity, updated=now)

    def refill(self, now: float) -> None:
        # The clock is injectable; never let a clock that goes backwards mint tokens.
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.updated = max(self.updated, now)

    def wait_for(self, now: float, cost: float = 1.0) -> float:
        """Seconds until `cost` tokens are available (0 when they are now)."""
        self.refill(now)
        missing = cost - self.tokens
        if missing <= 0:
            return 0.0
        return missing / self.rate if self.rate > 0 else math.inf

    def take(self, now: float, cost: float = 1.0) -> None:
        self.refill(now)
        self.tokens -= cost


@dataclass
class RateLimiter:
    """Decides whether one more message may go out now; answers Telegram's `retry_after`."""

    limits: Limits
    monotonic: Callable[[], float]
    _global: TokenBucket | None = None
    _paid: TokenBucket | None = None
    _chats: dict[int, TokenBucket] = field(default_factory=dict)

    def acquire(self, chat_id: int, *, is_group: bool, paid_broadcast: bool = False) -> int | None:
        """Take one message from every budget it draws on, or none and return `retry_after`.

        `retry_after` is whole seconds, at least 1, as Telegram sends it.
        """
        now = self.monotonic()
        buckets = [self._overall(now, paid_broadcast), self._chat(chat_id, is_group, now)]
        wait = max(bucket.wait_for(now) for bucket in buckets)
        if wait > 0:
            return max(1, math.ceil(wait))
        for bucket in buckets:
            bucket.take(now)
        return None

    def _overall(self, now: float, paid_broadcast: bool) -> TokenBucket:
        if paid_broadcast:
            if self._paid is None:
                rate = self.limits.paid_broadcast_per_second
                self._paid = TokenBucket.full(rate, rate, now)
            return self._paid
        if self._global is None:
            limits = self.limits
            self._global = TokenBucket.full(limits.global_per_second, limits.global_burst, now)
        return self._global

    def _chat(self, chat_id: int, is_group: bool, now: float) -> TokenBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            limits = self.limits
            if is_group:
                rate = limits.group_per_minute / SECONDS_PER_MINUTE
                bucket = TokenBucket.full(rate, limits.group_burst, now)
            else:
                bucket = TokenBucket.full(limits.chat_per_second, limits.chat_burst, now)
            self._chats[chat_id] = bucket
        return bucket
