"""/import end to end, through both frameworks and both databases: a valid CSV or XLSX file
publishes every row; a file with bad rows publishes nothing and lists them by row number."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from bot.local.harness import Person, RunningBot
from models.activities.tables import Activity
from models.conversation import ConversationState
from models.publishing import import_file
from models.publishing.publication import shifts_of
from tests.e2e import steps

EXAMPLE = Path(__file__).parents[3] / "docs" / "examples" / "activities.csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["activity", "title", "theme", "team", "address", "date", "time", "places"]
SHIFT = ["2026-05-16", "09:00-12:00", "20"]

Published = list[tuple[str, int, str, list[tuple[datetime, datetime, int]]]]


async def published(bot: RunningBot) -> Published:
    """Every activity in the database: title, team, link token and shifts (times in UTC)."""
    async with steps.database(bot) as session:
        activities = (await session.scalars(select(Activity).order_by(Activity.id))).all()
        return [
            (
                activity.title,
                activity.team_id,
                activity.link_token,
                [
                    (shift.starts_at, shift.ends_at, shift.capacity)
                    for shift in await shifts_of(session, activity.id)
                ],
            )
            for activity in activities
        ]


async def coordinator(bot: RunningBot) -> tuple[Person, int]:
    """A coordinator of Haicang Team who has sent /import; their team's id."""
    team = await steps.make_coordinator(bot, 9001)
    carol = bot.person(9001, "Carol")
    reply = await carol.send("/import")
    assert "Send me a CSV or XLSX file" in reply.text
    assert "Your teams: Haicang Team" in reply.text
    assert "environment (Environmental protection)" in reply.text
    assert "docs/activity-import.md" in reply.text
    return carol, team


def csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def test_a_valid_csv_publishes_every_row(bot: RunningBot) -> None:
    carol, team = await coordinator(bot)
    reply = await carol.upload("activities.csv", EXAMPLE.read_bytes(), "text/csv")

    assert "Activities published from the file: 2" in reply.text
    beach, visit = await published(bot)
    assert beach == (
        "Beach clean-up at Baicheng",
        team,
        beach[2],
        [
            (utc(2026, 5, 16, 1, 0), utc(2026, 5, 16, 4, 0), 20),  # 09:00–12:00 in Xiamen
            (utc(2026, 5, 16, 6, 0), utc(2026, 5, 16, 9, 0), 15),
        ],
    )
    assert visit == (
        "Afternoon at the Haicang care home",
        team,
        visit[2],
        [(utc(2026, 5, 17, 6, 0), utc(2026, 5, 17, 8, 30), 8)],
    )
    for title, _, token, _ in (beach, visit):
        assert f"• {title}: https://t.me/{bot.sandbox.bot_username}?start=act_{token}" in (
            reply.text
        )
    state, _ = await steps.snapshot(bot, carol.id)
    assert state is not None and state[0] is None  # the import conversation is over


async def test_a_valid_xlsx_publishes_every_row(bot: RunningBot) -> None:
    carol, team = await coordinator(bot)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["活动", "标题", "主题", "队伍", "地址", "日期", "时间", "名额", "报名截止"])
    sheet.append(
        [
            "A1",
            "Park walk",
            "生态环保",
            "Haicang Team",
            "Zhongshan Park",
            datetime(2026, 3, 7),
            "08:30-10:00",
            12,
            datetime(2026, 3, 6, 20, 0),
        ]
    )
    sheet.append(["A1", None, None, None, None, datetime(2026, 3, 14), "08:30-10:00", 6, None])
    buffer = io.BytesIO()
    book.save(buffer)

    reply = await carol.upload("plan.xlsx", buffer.getvalue(), XLSX_TYPE)

    assert "Activities published from the file: 1" in reply.text
    [(title, team_id, _, shifts)] = await published(bot)
    assert (title, team_id) == ("Park walk", team)
    assert shifts == [
        (utc(2026, 3, 7, 0, 30), utc(2026, 3, 7, 2, 0), 12),
        (utc(2026, 3, 14, 0, 30), utc(2026, 3, 14, 2, 0), 6),
    ]


async def test_a_file_with_three_bad_rows_publishes_nothing_and_lists_them(
    bot: RunningBot,
) -> None:
    carol, _ = await coordinator(bot)
    rows = [
        HEADER,
        ["beach", "Beach clean-up", "environment", "Haicang Team", "Beach", *SHIFT],
        ["beach", "", "", "", "", "2026-02-30", "09:00-12:00", "5"],
        ["park", "Park walk", "environment", "Haicang Team", "Park", *SHIFT],
        ["park", "", "", "", "", "2026-05-17", "09:00-12:00", "0"],
        ["museum", "Museum guide", "knitting", "Haicang Team", "Museum", *SHIFT],
        ["museum", "", "", "", "", "2026-05-18", "09:00-12:00", "3"],
    ]
    reply = await carol.upload("activities.csv", csv_bytes(rows), "text/csv")

    assert reply.text.splitlines() == [
        "Nothing was imported. Problems found: 3. Please fix them and send the corrected file, "
        "or send /cancel to stop:",
        "row 3: That date does not exist. Please check the month and the day.",
        "row 5: Please type a number of places from 1 to 10000.",
        "row 6: There is no theme “knitting”. Use a code or a name from the list /import shows.",
    ]
    assert await published(bot) == []

    # Still waiting for the file: the corrected one is published.
    reply = await carol.upload("activities.csv", EXAMPLE.read_bytes(), "text/csv")
    assert "Activities published from the file: 2" in reply.text
    assert len(await published(bot)) == 2


async def test_header_problems_name_the_columns(bot: RunningBot) -> None:
    carol, _ = await coordinator(bot)
    rows = [["activity", "title", "colour"], ["beach", "Beach clean-up", "red"]]
    reply = await carol.upload("activities.csv", csv_bytes(rows), "text/csv")
    assert "row 1: There is no column called “colour”." in reply.text
    assert "row 1: The column “places” is missing." in reply.text
    assert await published(bot) == []


async def test_a_plain_volunteer_is_refused(bot: RunningBot) -> None:
    alice = bot.person(1001, "Alice")
    await steps.register(alice)
    reply = await alice.send("/import")
    assert "Only coordinators and admins can import activities." in reply.text
    await alice.upload("activities.csv", EXAMPLE.read_bytes(), "text/csv")
    assert await published(bot) == []


async def test_a_wrong_file_or_a_message_gets_a_clear_reply_and_the_step_stays(
    bot: RunningBot,
) -> None:
    carol, _ = await coordinator(bot)
    reply = await carol.upload("plan.pdf", b"%PDF-1.7 not a table", "application/pdf")
    assert "Please send a .csv or .xlsx file." in reply.text
    reply = await carol.send("here it comes")
    assert "Please send the activities as a CSV or XLSX file" in reply.text
    reply = await carol.upload("plan.xlsx", b"PK\x03\x04 broken", XLSX_TYPE)
    assert "I couldn't read that file." in reply.text
    assert await published(bot) == []

    reply = await carol.upload("activities.csv", EXAMPLE.read_bytes(), "text/csv")
    assert "Activities published from the file: 2" in reply.text


async def test_cancel_leaves_the_import(bot: RunningBot) -> None:
    carol, _ = await coordinator(bot)
    reply = await carol.send("/cancel")
    assert "Cancelled." in reply.text
    await carol.upload("activities.csv", EXAMPLE.read_bytes(), "text/csv")
    assert await published(bot) == []


async def test_a_file_read_while_the_conversation_moved_on_publishes_nothing(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file is read after the message's transaction; if meanwhile the conversation ended
    (a /cancel handled by another process), the rows read are not published."""
    carol, _ = await coordinator(bot)
    read_upload = import_file.read_upload

    async def cancelled_meanwhile(
        filename: str, content: bytes, layout: import_file.Layout
    ) -> list[dict[str, str]]:
        async with steps.database(bot) as session:
            state = await session.get(ConversationState, carol.id)
            assert state is not None
            state.flow, state.step, state.version = None, None, state.version + 1
        return await read_upload(filename, content, layout)

    monkeypatch.setattr(import_file, "read_upload", cancelled_meanwhile)
    reply = await carol.upload("activities.csv", EXAMPLE.read_bytes(), "text/csv")

    assert reply.messages == []
    assert await published(bot) == []
