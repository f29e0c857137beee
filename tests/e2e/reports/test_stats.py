"""/stats end to end: a coordinator of two teams sees their figures and a chart (PNG), picks
one team, gets the monthly report (HTML) for last month and for another month, and its figures
match; another team's coordinator sees only theirs; an admin sees everyone's; a volunteer is
refused, and a coordinator's signed button for someone else's team too."""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser

from PIL import Image
from sqlalchemy import select

from bot.local.harness import Person, RunningBot
from handlers.callbacks import ButtonSigner
from models.conversation import button_key
from models.registration.tables import Volunteer
from models.teams import roles
from sandbox.records import SentMessage
from tests.e2e import steps
from tests.models.attendance.test_hours import served
from tests.models.reports.test_stats import member

COORDINATOR, OTHER_COORDINATOR, ADMIN = 9001, 9002, 9003
ALICE, BOB, CAROL = 1001, 1002, 1003
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CHART_PIXELS = (1080, 540)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def world(bot: RunningBot) -> dict[str, int]:
    """Now is Monday 2026-01-05 in Shanghai. The coordinator runs Haicang Team (Alice and Bob
    are members; beach clean-ups and elderly visits) and Jimei Team (a library); the other
    coordinator runs Siming Team (Carol, a park patrol: 10 hours this month)."""
    haicang = await steps.make_coordinator(bot, COORDINATOR, "Haicang Team")
    jimei = await steps.make_coordinator(bot, COORDINATOR, "Jimei Team")
    siming = await steps.make_coordinator(bot, OTHER_COORDINATOR, "Siming Team")
    beach = await steps.make_activity(bot, haicang, title="Beach clean-up")
    elderly = await steps.make_activity(bot, haicang, title="Elderly visits", theme="elderly")
    library = await steps.make_activity(bot, jimei, title="Library help", theme="education")
    patrol = await steps.make_activity(bot, siming, title="Park patrol", theme="civility")
    for telegram_id, name in ((ALICE, "Alice"), (BOB, "Bob"), (CAROL, "Carol")):
        await steps.registered(bot, telegram_id, name=name)
    async with steps.database(bot) as session:
        people = {
            v.telegram_id: v
            for v in await session.scalars(select(Volunteer).where(Volunteer.telegram_id > 0))
        }
        alice, bob, carol = people[ALICE], people[BOB], people[CAROL]
        await member(session, haicang, alice.id, utc(2025, 10, 1))
        await member(session, haicang, bob.id, utc(2026, 1, 2, 2))  # Jan 2, 10:00 in Shanghai
        await member(session, siming, carol.id, utc(2025, 12, 1))
        await served(session, alice, utc(2025, 12, 31, 15, 30), 180, activity_id=beach.id)
        await served(session, bob, utc(2025, 12, 31, 16, 30), 120, 30, activity_id=beach.id)
        await served(session, bob, utc(2025, 11, 15, 2), 90, activity_id=elderly.id)
        await served(session, alice, utc(2026, 1, 2, 2), 60, confirmed=False, activity_id=beach.id)
        await served(session, carol, utc(2025, 6, 10, 2), 45, activity_id=library.id)
        await served(session, carol, utc(2026, 1, 3, 2), 600, activity_id=patrol.id)
    return {"haicang": haicang, "jimei": jimei, "siming": siming}


def chart_of(reply_messages: list[SentMessage]) -> SentMessage:
    """The one photo among the messages, checked to be a PNG chart of the right size."""
    (photo,) = [m for m in reply_messages if m.kind == "photo"]
    assert photo.photo is not None and photo.photo.startswith(PNG_MAGIC)
    assert Image.open(io.BytesIO(photo.photo)).size == CHART_PIXELS
    return photo


@dataclass
class Report(HTMLParser):
    """The report's title and tables (rows of cell texts), read as a browser shows them."""

    title: str = ""
    tables: list[list[list[str]]] = field(default_factory=list)
    images: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()
        self._tag = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag = tag
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.tables[-1][-1].append("")
        elif tag == "img":
            self.images.append(dict(attrs).get("src") or "")

    def handle_endtag(self, tag: str) -> None:
        self._tag = ""

    def handle_data(self, data: str) -> None:
        if self._tag == "h1":
            self.title += data
        elif self._tag in ("td", "th"):
            self.tables[-1][-1][-1] += data

    @classmethod
    def read(cls, content: bytes) -> Report:
        report = cls()
        report.feed(content.decode())
        return report


async def test_a_coordinator_sees_their_teams_with_a_chart_and_gets_the_monthly_report(
    bot: RunningBot,
) -> None:
    await world(bot)
    coordinator = bot.person(COORDINATOR)

    reply = await coordinator.send("/stats")
    chart = chart_of(reply.messages)
    assert chart.text == (
        "📈 your 2 teams: confirmed hours and participations per month, "
        "February 2025 – January 2026"
    )
    summary = reply.last.text or ""
    assert summary.splitlines()[:9] == [
        "📊 Statistics: your 2 teams",
        "As of 5 January 2026 (Asia/Shanghai)",
        "",
        "Team members: 2 (1 joined this month)",
        "Last 12 months (February 2025 – January 2026):",
        "• active volunteers: 3",  # Alice and Bob at Haicang, Carol at Jimei's library
        "• activities: 3",
        "• participations: 4 person-times",  # Alice's unconfirmed hour is not one
        "• confirmed hours: 7 hours 45 minutes (credited 7 hours 15 minutes, honour 30 minutes)",
    ]
    assert (
        "This month so far: 2 hours 30 minutes · participations 1" in summary
    )  # Bob, 00:30 on Jan 1
    assert (
        "By team\n"
        "• Haicang Team: 7 hours · participations 3 · active 2 · members 2\n"
        "• Jimei Team: 45 minutes · participations 1 · active 1 · members 0"
    ) in summary
    assert (
        "By theme\n"
        "• Environmental protection: 5 hours 30 minutes · participations 2\n"
        "• Caring for the elderly: 1 hour 30 minutes · participations 1\n"
        "• Culture and education: 45 minutes · participations 1"
    ) in summary
    assert "one person on one shift whose hours a coordinator confirmed" in summary
    assert "Siming" not in summary and "10 hours" not in summary  # another coordinator's team
    assert reply.last.button_labels() == ["Haicang Team", "Jimei Team", "📄 Monthly report"]

    reply = await coordinator.press("Haicang Team")
    chart_of(reply.messages)
    summary = reply.last.text or ""
    assert "📊 Statistics: Haicang Team" in summary
    assert "• confirmed hours: 7 hours (credited 6 hours 30 minutes, honour 30 minutes)" in summary
    assert "By team" not in summary
    assert reply.last.button_labels() == ["Jimei Team", "All my teams", "📄 Monthly report"]

    reply = await coordinator.press("📄 Monthly report")
    document = reply.messages[0].document
    assert document is not None and document.filename == "volunteer-report-2025-12.html"
    assert reply.messages[0].text == (
        "📄 Haicang Team: the report for December 2025. Open it in a browser, or forward it "
        "as your bulletin."
    )
    report = Report.read(document.content)
    assert report.title == "Volunteer service report: December 2025"
    figures, themes, months = report.tables
    assert figures[1:] == [
        ["Members", "1"],  # Bob joined in January
        ["Members who joined this month", "0"],
        ["Active volunteers", "1"],
        ["Activities", "1"],
        ["Participations (person-times)", "1"],  # Alice at 23:30 on Dec 31, not Bob at 00:30
        ["Confirmed hours", "3 hours (credited 3 hours, honour 0 minutes)"],
    ]
    assert themes[1:] == [["Environmental protection", "1", "3"]]
    assert months[0] == ["Month", "Participations (person-times)", "Confirmed hours (h)"]
    assert [row[0] for row in months[1:]] == [f"2025-{m:02d}" for m in range(1, 13)]
    assert months[-2:] == [["2025-11", "1", "1.5"], ["2025-12", "1", "3"]]
    (image,) = report.images
    assert base64.b64decode(image.removeprefix("data:image/png;base64,")).startswith(PNG_MAGIC)

    assert reply.last.text == "The report for another month:"
    assert reply.last.button_labels()[:3] == ["2026-01", "2025-11", "2025-10"]
    reply = await coordinator.press("2026-01")
    (sent,) = reply.messages
    assert sent.document is not None and sent.document.filename == "volunteer-report-2026-01.html"
    january = Report.read(sent.document.content)
    assert january.tables[0][1:] == [
        ["Members", "2"],
        ["Members who joined this month", "1"],
        ["Active volunteers", "1"],
        ["Activities", "1"],
        ["Participations (person-times)", "1"],
        ["Confirmed hours", "2 hours 30 minutes (credited 2 hours, honour 30 minutes)"],
    ]


async def test_other_teams_and_volunteers_see_nothing_of_a_coordinators_teams(
    bot: RunningBot,
) -> None:
    teams = await world(bot)
    other = await steps.registered(bot, OTHER_COORDINATOR, language="zh-CN")
    summary = (await other.send("/stats")).last.text or ""
    assert summary.splitlines()[:5] == [
        "📊 统计：Siming Team",
        "截至2026年1月5日（Asia/Shanghai）",
        "",
        "队员：1人（本月加入0人）",
        "近12个月（2025年2月 – 2026年1月）：",
    ]
    assert "• 确认时长：10小时（服务时长10小时，荣誉时长0分钟）" in summary
    assert "• 文明劝导：10小时 · 1人次" in summary
    assert "Haicang" not in summary and "Beach" not in summary
    assert (await other.send("/stats Haicang Team")).text == "你只能查看自己队伍的统计。"

    # A button made for the coordinator but naming a team they do not run (as if crafted with
    # the key) shows nothing of it.
    coordinator = bot.person(COORDINATOR)
    await coordinator.send("/stats")
    async with steps.database(bot) as session:
        signer = ButtonSigner(await button_key(session))
    sent_before = len(coordinator.messages())
    for action in ("st.show", "st.report"):
        data = signer.pack(COORDINATOR, 0, action, teams["siming"])
        reply = await coordinator.press_data(data, message_id=coordinator.last().message_id)
        assert reply.alert == "You can see the statistics of your own teams only."
    assert len(coordinator.messages()) == sent_before

    volunteer = bot.person(ALICE)
    assert (await volunteer.send("/stats")).text == (
        "Statistics are for coordinators and admins. If you run a team, ask an admin to make "
        "you its coordinator."
    )
    data = signer.pack(ALICE, 0, "st.show", "all")
    reply = await volunteer.press_data(data, message_id=volunteer.last().message_id)
    assert reply.alert is not None and "Statistics are for coordinators" in reply.alert
    assert len(volunteer.messages()) == 1


async def test_an_admin_sees_every_team_and_can_pick_one(bot: RunningBot) -> None:
    await world(bot)
    async with steps.database(bot) as session:
        await roles.grant(session, ADMIN, "admin", team=None, now=bot.clock.now())
    admin: Person = bot.person(ADMIN)
    reply = await admin.send("/stats")
    chart_of(reply.messages)
    summary = reply.last.text or ""
    assert "📊 Statistics: all teams" in summary
    assert "Registered volunteers: 3 (3 new this month)" in summary
    assert "• participations: 5 person-times" in summary
    assert (
        "• confirmed hours: 17 hours 45 minutes (credited 17 hours 15 minutes, honour 30 minutes)"
        in summary
    )
    assert re.search(r"• Siming Team: .*\n• Haicang Team: .*\n• Jimei Team: ", summary)
    assert reply.last.button_labels() == [
        "Siming Team",
        "Haicang Team",
        "Jimei Team",
        "📄 Monthly report",
    ]
    reply = await admin.press("Siming Team")
    assert "📊 Statistics: Siming Team" in (reply.last.text or "")
    assert reply.last.button_labels() == ["All teams", "📄 Monthly report"]
    reply = await admin.send("/stats Jimei Team")
    assert "• confirmed hours: 45 minutes (credited 45 minutes, honour 0 minutes)" in reply.text
    assert (await admin.send("/stats Nowhere Team")).text.startswith(
        "There is no team called “Nowhere Team”."
    )
