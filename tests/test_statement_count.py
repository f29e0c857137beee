"""How many SQL statements the real bot runs to handle one update of the hot commands: a
deterministic count (not a time), so that a change that adds a query to every update shows here.

Counted is every statement the bot's connections send to the database for the update (at the
driver's cursor: the few that every update runs go there straight, not through SQLAlchemy's
execution and its events, `models.driver`), from the moment it arrives until it is fully done:
recording it in the inbox, the dispatcher's transaction (the handled mark, the conversation
state, the volunteer, the handler's own reads and writes), and forgetting what was typed once
the answer is sent. The count does not depend on the framework (the adapters only translate
updates and actions; every statement comes from the intake, the dispatcher and the handlers), so
one framework is run, on both databases.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from bot import intake
from bot.local.harness import Person, Reply, RunningBot, running_bot
from models.reference import District
from models.registration.tables import Volunteer
from tests.conftest import make_settings
from tests.e2e import steps

VOLUNTEER = 1001


@pytest.fixture
async def counted_bot(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[RunningBot]:
    # The intake's periodic sweep for updates left behind would add its statements to whichever
    # update it happens to run beside: only the sweep at start runs.
    monkeypatch.setattr(intake, "SWEEP_EVERY_S", 3600.0)
    async with running_bot(make_settings(database_url, bot_framework="ptb")) as running:
        yield running


class Statements:
    """The statements sent to the database, each as its verb and first table (`SELECT
    volunteers`): what the driver's cursors execute."""

    def __init__(self, bot: RunningBot) -> None:
        self.bot = bot
        self.seen: list[str] = []

    async def watch(self, monkeypatch: pytest.MonkeyPatch) -> None:
        async with self.bot.engine.connect() as connection:
            cursor_class = await connection.run_sync(lambda sync: type(sync.connection.cursor()))
        for method in ("execute", "executemany"):
            monkeypatch.setattr(cursor_class, method, self._counting(getattr(cursor_class, method)))

    def _counting(self, execute: Callable[..., Any]) -> Callable[..., Any]:
        def counted(cursor: Any, statement: str, *args: Any, **kwargs: Any) -> Any:
            self.seen.append(summary(statement))
            return execute(cursor, statement, *args, **kwargs)

        return counted

    async def of(self, act: Callable[[], Awaitable[Reply]]) -> list[str]:
        """The statements run while the bot handles the update of `act`, until it is done."""
        assert self.bot.adapter is not None
        await self.bot.adapter.intake.drained()
        # Time passes between a person's messages, as it does (the state's `updated_at` moves).
        self.bot.clock.advance(timedelta(minutes=1))
        self.seen.clear()
        await act()
        await self.bot.adapter.intake.drained()  # the payload forgotten after the answer
        return list(self.seen)


def summary(statement: str) -> str:
    verb = statement.split(None, 1)[0].upper()
    table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", statement, re.IGNORECASE)
    return f"{verb} {table.group(1) if table else '?'}"


async def signed_up_volunteer(bot: RunningBot) -> tuple[Person, str]:
    """A registered volunteer (with a district and two themes) on three shifts (one of them on
    a waiting list), and the deep link of an activity they are not yet on."""
    team = await steps.make_coordinator(bot, 9001)
    first = await steps.registered(bot, VOLUNTEER + 1)
    person = await steps.registered(bot, VOLUNTEER, themes=("neighbourhood", "elderly"))
    async with steps.database(bot) as session:
        await session.execute(
            update(Volunteer)
            .where(Volunteer.telegram_id == VOLUNTEER)
            .values(
                district_id=select(District.id).where(District.code == "haicang").scalar_subquery()
            )
        )
    hours = timedelta(hours=3)
    for days, capacity in ((2, 5), (3, 5), (4, 1)):
        activity = await steps.make_activity(
            bot, team, title=f"Clean-up {days}", shifts=((timedelta(days=days), hours, capacity),)
        )
        for volunteer in (first, person) if capacity == 1 else (person,):
            await volunteer.send(f"/start act_{activity.link_token}")
            await volunteer.press(volunteer.last().button_labels()[0])
    other = await steps.make_activity(bot, team, title="Library", shifts=((3 * hours, hours, 5),))
    return person, f"/start act_{other.link_token}"


# Every update: kept in the inbox on arrival, marked done in the transaction of its effects,
# and its payload (what was typed) forgotten once answered.
RECORD = ["INSERT inbound_updates"]
FORGET_PAYLOAD = ["UPDATE inbound_updates"]
# Who the user is (language, whether registered), with their district and themes.
WHO = "SELECT volunteers"
TURN_OF = {
    "sqlite": [
        "UPDATE inbound_updates",  # the update marked handled
        # The user's conversation state: created if new, locked, loaded and marked used.
        "INSERT conversation_states",
        WHO,
    ],
    # The two in one statement (`models.turn`): the state's upsert reads the marked update.
    "postgresql": ["WITH inbound_updates", WHO],
}


async def test_statements_per_update_of_the_hot_commands(
    counted_bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = counted_bot
    turn = TURN_OF[bot.engine.dialect.name]
    alice, link = await signed_up_volunteer(bot)
    statements = Statements(bot)
    await statements.watch(monkeypatch)

    start = await statements.of(lambda: alice.send("/start"))
    assert start == [*RECORD, *turn, *FORGET_PAYLOAD]

    my = await statements.of(lambda: alice.send("/my"))
    assert my == [
        *RECORD,
        *turn,
        "SELECT signups",  # the volunteer's upcoming places, with their shifts and activities
        "SELECT signups",  # their places in the waiting lists they are on (one query for all)
        *FORGET_PAYLOAD,
    ]
    assert "⏳ waiting list #1" in alice.last().text

    activities = await statements.of(lambda: alice.send("/activities"))
    assert activities == [
        *RECORD,
        *turn,
        "SELECT activities",  # the first page of the open activities, and how many are open
        *FORGET_PAYLOAD,
    ]

    # A typical button: a filter picked on the list of activities shows its first page.
    await alice.press("🏷 Theme")
    filtered = await statements.of(lambda: alice.press("Environmental protection"))
    assert filtered == [
        *RECORD,
        *turn,
        "SELECT activities",  # the first page of those open on the theme, and how many
        *FORGET_PAYLOAD,
    ]
    assert "Open activities (4)" in alice.last().text

    await alice.send(link)
    sign_up = alice.last().button_labels()[0]
    press = await statements.of(lambda: alice.press(sign_up))
    assert press == [
        *RECORD,
        *turn,
        # The sign-up rule (on SQLite the update's transaction holds the write lock already):
        "SELECT shifts",  # the shift, locked
        "SELECT activities",  # its activity (deadline, age, real-name rules)
        "SELECT signups",  # a place of the volunteer's on the shift already?
        "SELECT courses",  # a course the activity requires that they hold no qualification of?
        "SELECT shifts",  # the volunteer's recent no-shows (too many block signing up)
        "SELECT shifts",  # their shifts within a day of it (overlaps, the most hours a day)
        "SELECT signups",  # how many places are held and how many wait
        "INSERT signups",  # the place
        "INSERT audit_log",  # the audit record
        "UPDATE group_cards",  # the activity's cards in groups need redrawing
        "INSERT reminders",  # the reminder before the shift…
        "UPDATE reminders",  # …and none of other kinds
        # The handler: the reply and the redrawn card.
        "SELECT shifts",  # the activity's open shifts
        "SELECT signups",  # their places held and people waiting
        "SELECT signups",  # the volunteer's places on them
        "SELECT themes",  # the activity's theme
        "SELECT rota_rules",  # does it recur (the card offers its standing slot)?
        "SELECT role_grants",  # may the volunteer manage the activity (admin, coordinator)?
        "SELECT help_requests",  # a help request the activity answers (its resident is told)
        *FORGET_PAYLOAD,
    ]
