"""Records export through the chat, end to end on both frameworks and both databases: a
coordinator exports their team's service records as XLSX by buttons and gets a document whose
contents match the database, audited; a volunteer is refused; a coordinator of one team cannot
export another's, even with a validly signed button."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import openpyxl
from sqlalchemy import select

from bot.local.harness import Person, Reply, RunningBot
from handlers.callbacks import ButtonSigner
from models.audit import AuditEntry
from models.conversation import button_key
from models.publishing import publication
from models.teams import roles
from tests.e2e import steps
from tests.ids import make_id
from tests.models.attendance.test_hours import record
from tests.models.reports.test_exports import RECORD_HEADER

COORDINATOR, OTHER_COORDINATOR, VOLUNTEER = 9001, 9002, 1001
ALICE_ID = make_id()
ZONE = ZoneInfo("Asia/Shanghai")
# The clock starts on Monday 5 January 2026, 09:00 in Shanghai: these are this month's.
SERVED = datetime(2026, 1, 2, 9, 0, tzinfo=ZONE)


async def served(
    bot: RunningBot, team_id: int, title: str, credited: int, honour: int, *, confirmed: bool
) -> None:
    """Alice served on a shift of a new activity of the team, on 2 January."""
    activity = await steps.make_activity(bot, team_id, title=title)
    alice = await steps.volunteer(bot, VOLUNTEER)
    assert alice is not None
    confirmed_at = bot.clock.now() if confirmed else None
    async with steps.database(bot) as session:
        (shift,) = await publication.shifts_of(session, activity.id)
        await record(session, shift, alice.id, SERVED, credited, honour, confirmed_at)


async def world(bot: RunningBot) -> tuple[Person, int, int]:
    """Two teams with a coordinator each; Alice served both, one record not yet confirmed."""
    ours = await steps.make_coordinator(bot, COORDINATOR, team="Haicang Team")
    theirs = await steps.make_coordinator(bot, OTHER_COORDINATOR, team="Siming Team")
    coordinator = await steps.registered(bot, COORDINATOR, name="Coordinator")
    await steps.registered(bot, VOLUNTEER, name="Alice", id_number=ALICE_ID)
    await served(bot, ours, "Beach clean-up", 180, 30, confirmed=True)
    await served(bot, ours, "Library", 120, 0, confirmed=False)
    await served(bot, theirs, "Park", 60, 0, confirmed=True)
    return coordinator, ours, theirs


async def audit_rows(bot: RunningBot) -> list[tuple[object, ...]]:
    """Who exported what: actor, action, team and what the file held."""
    async with steps.database(bot) as session:
        found = await session.scalars(
            select(AuditEntry).where(AuditEntry.action.startswith("export."))
        )
        return [(e.actor_telegram_id, e.action, e.target_id, e.after) for e in found]


async def test_a_coordinator_exports_their_teams_records_as_xlsx(bot: RunningBot) -> None:
    coordinator, ours, _ = await world(bot)

    reply = await coordinator.send("/export")
    assert reply.last.button_labels() == ["👥 Volunteers", "🧾 Confirmed service records"]
    reply = await coordinator.press("🧾 Confirmed service records")  # one team: no team step
    assert "which period" in reply.text
    await coordinator.press("This month")
    await coordinator.press("XLSX (Excel)")

    sent = coordinator.last()
    assert sent.document is not None
    assert sent.document.filename == f"records-team{ours}-2026-01-01_2026-01-31.xlsx"
    assert sent.text == (
        "Confirmed service records of Haicang Team, 2026-01-01 – 2026-01-31: 1, with "
        "3 hours credited and 30 minutes honour. The file holds ID numbers: keep it safe and send "
        "it only where it must go."
    )
    book = openpyxl.load_workbook(io.BytesIO(sent.document.content), read_only=True)
    header, *rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    assert header == RECORD_HEADER
    assert [[*row[2:5], row[6], *row[9:11], *row[14:18]] for row in rows] == [
        ["Alice", ALICE_ID, "Haicang Team", "Beach clean-up", "2026-01-02", "2026-01-02 09:00",
         3, 0.5, 180, 30],
    ]  # fmt: skip
    assert await audit_rows(bot) == [
        (
            COORDINATOR,
            "export.records",
            ours,
            {
                "format": "xlsx",
                "from": "2026-01-01",
                "to": "2026-01-31",
                "volunteers": 0,
                "records": 1,
                "credited_minutes": 180,
                "honour_minutes": 30,
            },
        )
    ]


async def test_a_volunteer_is_refused(bot: RunningBot) -> None:
    _, ours, _ = await world(bot)
    alice = bot.person(VOLUNTEER)
    reply = await alice.send("/export")
    assert reply.text == "Only coordinators and admins can export volunteers and service records."

    # A button signed for Alice by the bot's own key, as if she had been shown one.
    pressed = await press_signed(bot, alice, "ex.format", "records", ours, "this_month", "csv")
    assert pressed.alert == "Only the activity's coordinators and admins can do that."
    assert alice.last().document is None
    assert await audit_rows(bot) == []


async def test_a_coordinator_of_one_team_cannot_export_another(bot: RunningBot) -> None:
    coordinator, _, theirs = await world(bot)
    # Their own flow offers only their own team…
    await coordinator.send("/export")
    await coordinator.press("👥 Volunteers")
    assert coordinator.last().button_labels() == ["CSV", "XLSX (Excel)"]

    # …and a validly signed button naming the other team, or all teams, is refused.
    for team in (theirs, 0):
        for action, args in (
            ("ex.team", ("records", team)),
            ("ex.period", ("records", team, "this_year")),
            ("ex.format", ("volunteers", team, "-", "xlsx")),
        ):
            pressed = await press_signed(bot, coordinator, action, *args)
            assert pressed.alert == "Only the activity's coordinators and admins can do that."
    assert all(message.document is None for message in coordinator.messages())
    assert await audit_rows(bot) == []


async def test_an_admin_exports_every_teams_volunteers_from_manage(bot: RunningBot) -> None:
    coordinator, _, _ = await world(bot)
    async with steps.database(bot) as session:
        await roles.grant(session, COORDINATOR, "admin", team=None, now=bot.clock.now())

    await coordinator.send("/manage")
    await coordinator.press("📤 Export volunteers and service records")
    reply = await coordinator.press("👥 Volunteers")
    assert reply.last.button_labels() == ["All teams", "Haicang Team", "Siming Team"]
    await coordinator.press("All teams")
    await coordinator.press("CSV")

    sent = coordinator.last()
    assert sent.document is not None
    assert sent.document.filename == "volunteers-all-2026-01-05.csv"
    assert (sent.text or "").startswith("Volunteers of all teams: 2.")
    rows = list(csv.reader(io.StringIO(sent.document.content.decode("utf-8-sig"))))
    assert [row[1:4] for row in rows[1:]] == [
        ["Coordinator", "", ""],
        ["Alice", "居民身份证", ALICE_ID],
    ]
    assert [(actor, action, team) for actor, action, team, _ in await audit_rows(bot)] == [
        (COORDINATOR, "export.volunteers", None)
    ]


async def press_signed(bot: RunningBot, person: Person, action: str, *args: str | int) -> Reply:
    async with steps.database(bot) as session:
        signer = ButtonSigner(await button_key(session))
    data = signer.pack(person.id, 0, action, *args)
    return await person.press_data(data, message_id=person.last().message_id)
