"""The send budget all bot processes share: Telegram allows a bot about 30 messages a second in
all (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this), however
many processes send them.

The budget is one row per lane holding the next free send slot. A sender reserves n slots by
moving it n/rate seconds on, under the row's lock, and sends at the times it got; other processes
reserve after it. Messages that are not broadcasts (conversation replies, reminders) go out at
once and are added at the next reservation, so broadcasts take what is left. A 429 moves the
pause time, which every process honours at its next reservation.

Times are Unix seconds: processes on several machines need synchronised clocks (NTP).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.broadcasts import outbox
from models.broadcasts.outbox import Uncertain
from models.broadcasts.tables import SendBudget

# Ordinary messages, and paid broadcasts (allow_paid_broadcast), which Telegram counts apart.
STANDARD, PAID = 1, 2

# A send's round trip to Telegram, taken generously: a sender needs rate × round trip sends under
# way to keep its rate (Little's law). The bounds keep the slow default's 16, and the most a crash
# may leave uncertain (also BROADCAST_IN_FLIGHT's ceiling).
ROUND_TRIP_S = 0.1
IN_FLIGHT_MIN, IN_FLIGHT_MAX = 16, 256


def in_flight_for(rate: float) -> int:
    """Sends to keep under way at `rate` messages a second: a round trip's worth, 16 to 256."""
    return max(IN_FLIGHT_MIN, min(IN_FLIGHT_MAX, math.ceil(rate * ROUND_TRIP_S)))


@dataclass(frozen=True)
class Slots:
    """Reserved send times: the i-th message goes at `first + i * gap`."""

    first: float
    gap: float

    def at(self, index: int) -> float:
        return self.first + index * self.gap


async def _row(session: AsyncSession, lane: int) -> SendBudget:
    # The lanes' rows are made by the migration, so processes never race to insert them.
    return (
        await session.scalars(select(SendBudget).where(SendBudget.id == lane).with_for_update())
    ).one()


async def reserve(
    session: AsyncSession, count: int, *, rate: float, now: float, lane: int, others: int = 0
) -> Slots:
    """Reserve `count` slots after `others` messages already sent outside the budget."""
    row = await _row(session, lane)
    gap = 1.0 / rate
    start = max(row.next_slot, now, row.paused_until) + others * gap
    row.next_slot = start + count * gap
    return Slots(first=start, gap=gap)


async def pause(session: AsyncSession, until: float, *, lane: int) -> None:
    """Telegram said to wait: no process reserves a slot before `until`."""
    row = await _row(session, lane)
    row.paused_until = max(row.paused_until, until)


@dataclass(frozen=True)
class BroadcastPolicy:
    """How broadcasts are sent; see the BROADCAST_* settings in .env.example."""

    rate: float = 30.0  # messages per second, all processes together (replies included)
    paid_rate: float = 0.0  # > 0: calls go as paid broadcasts, at this many per second
    uncertain: Uncertain = "resend"
    in_flight: int | None = None  # rows `sending` at once in this process; None: in_flight_for
    attempts: int = 3  # tries of a send Telegram failed (5xx) or that never went out
    lease: timedelta = outbox.LEASE
    progress_every: timedelta = timedelta(seconds=5)

    @property
    def paid(self) -> bool:
        return self.paid_rate > 0

    @property
    def send_rate(self) -> float:
        """Messages a second calls go at: the paid rate for paid broadcasts."""
        return self.paid_rate if self.paid else self.rate

    @property
    def in_flight_bound(self) -> int:
        """Rows `sending` at once in this process, the most a crash can leave uncertain: the
        setting, or a round trip's sends at the rate."""
        return self.in_flight or in_flight_for(self.send_rate)
