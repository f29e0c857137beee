"""Hours, stars and certificates end to end: /hours after records are confirmed (and the
congratulation on a new level), /certificate's PDF, and /verify of its code by a stranger."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from bot.local.harness import RunningBot, running_bot
from handlers.attendance import hours_notices
from handlers.attendance.hours_notices import HoursNotice, Told
from handlers.events import Outbox
from models.activities.tables import ServiceRecord, Shift, Signup
from models.attendance import hours
from models.attendance.certificate import Certificate
from models.clock import ManualClock
from models.registration.tables import Volunteer
from tests.conftest import make_settings
from tests.e2e import steps
from tests.models.attendance.test_certificate import read_as_a_person_would
from tests.models.attendance.test_hours import record

CODE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")


async def served(
    bot: RunningBot,
    telegram_id: int,
    title: str,
    starts_at: datetime,
    credited: int,
    honour: int = 0,
    *,
    confirmed: bool = True,
) -> int:
    """A service record of `telegram_id` on a shift of a new activity starting `starts_at`,
    confirmed now by a coordinator or waiting for them (flagged); the record's id."""
    team = await steps.make_coordinator(bot, 9001, team=f"{title} team")
    activity = await steps.make_activity(bot, team, title=title)
    async with steps.database(bot) as session:
        shift = await session.scalar(select(Shift).where(Shift.activity_id == activity.id))
        person = await session.scalar(select(Volunteer).where(Volunteer.telegram_id == telegram_id))
        assert shift is not None and person is not None
        confirmed_at = bot.clock.now() if confirmed else None
        service = await record(session, shift, person.id, starts_at, credited, honour, confirmed_at)
        return service.id


async def confirm(bot: RunningBot, record_id: int) -> None:
    """A coordinator confirms a flagged record, and the volunteer is told, and congratulated if
    that lifted them to a new level (as the confirming handler does)."""
    outbox = Outbox()
    async with steps.database(bot) as session:
        service = await session.get(ServiceRecord, record_id)
        assert service is not None
        signup = await session.get(Signup, service.signup_id)
        assert signup is not None
        volunteer = await session.get(Volunteer, signup.volunteer_id)
        assert volunteer is not None
        # The notifier the background jobs use: the same parts a handler's `notifier(ctx)` has.
        notify = await bot.jobs._notifier(session, outbox)
        before = await hours.star_minutes(session, volunteer.id, notify.deployment.stars)
        service.confirmed_at, service.confirmed_by, service.flagged = bot.clock.now(), 9001, False
        await session.flush()
        await hours_notices.tell(notify, [HoursNotice(signup.id, before, Told.CONFIRMED)])
    for action in outbox.actions:
        await bot.jobs.services.send.perform(action)


async def test_hours_show_confirmed_totals_and_stars_and_congratulate_a_new_level(
    bot: RunningBot,
) -> None:
    stranger = bot.person(2002)
    assert "not registered" in (await stranger.send("/hours")).text
    alice = await steps.registered(bot, 1001)
    assert "no confirmed service hours yet" in (await alice.send("/hours")).text

    await served(bot, 1001, "Library help", datetime(2025, 12, 20, 1, tzinfo=UTC), 99 * 60)
    await served(bot, 1001, "Beach clean-up", datetime(2026, 1, 3, 1, tzinfo=UTC), 30, 15)
    patrol = await served(
        bot, 1001, "Park patrol", datetime(2026, 1, 4, 1, tzinfo=UTC), 180, confirmed=False
    )

    shown = (await alice.send("/hours")).text
    assert (
        "All time: 99 hours 45 minutes (credited 99 hours 30 minutes, honour 15 minutes)" in shown
    )
    assert "This year (2026): 45 minutes (credited 30 minutes, honour 15 minutes)" in shown
    assert "Star level: none yet" in shown
    assert "15 minutes to ★" in shown
    assert (
        "• 3 Jan 2026 Beach clean-up: 30 minutes + 15 minutes honour\n"
        "• 20 Dec 2025 Library help: 99 hours" in shown
    )
    assert "Park patrol" not in shown  # flagged, not yet confirmed

    await confirm(bot, patrol)
    told, congratulated = alice.messages()[-2:]
    assert (told.text or "").startswith(
        "✅ A coordinator confirmed your hours for Park patrol, Sun 4 Jan 09:00–12:00: 3 hours."
    )
    assert "Congratulations! Your confirmed service has made you a ★☆☆☆☆ volunteer" in (
        congratulated.text or ""
    )
    shown = (await alice.send("/hours")).text
    assert (
        "All time: 102 hours 45 minutes (credited 102 hours 30 minutes, honour 15 minutes)" in shown
    )
    assert "Star level: ★☆☆☆☆ (1 of 5)" in shown
    assert "197 hours 15 minutes to ★★" in shown
    assert shown.index("Park patrol") < shown.index("Beach clean-up")  # most recent first


async def test_a_certificate_is_a_pdf_whose_code_verifies_and_a_changed_one_does_not(
    bot: RunningBot, tmp_path: Path
) -> None:
    assert "not registered" in (await bot.person(2003).send("/certificate")).text
    alice = await steps.registered(bot, 1001, language="zh-CN")
    assert "暂时无法出具证明" in (await alice.send("/certificate")).text
    for day in range(1, 4):
        start = datetime(2025, 12, day, 1, tzinfo=UTC)
        await served(bot, 1001, f"社区环保活动第{day}场", start, 60 * day, 30)

    reply = await alice.send("/certificate")
    document = reply.last.document
    assert document is not None
    assert document.filename.endswith(".pdf") and document.mime_type == "application/pdf"
    assert document.content.startswith(b"%PDF-")
    pdf = tmp_path / document.filename
    pdf.write_bytes(document.content)
    seen = read_as_a_person_would(pdf, tmp_path)
    assert "志愿服务证明" in seen.text and "Wang Xiaoming" in seen.text
    assert "社区环保活动第3场" in seen.text
    (code,) = set(CODE.findall(seen.text))  # the code printed on it (also in the caption)
    assert code in (reply.last.text or "")

    stranger = bot.person(2002)  # anyone, registered or not, may check a certificate
    assert "Send /verify followed by the verification code" in (await stranger.send("/verify")).text
    genuine = (await stranger.send(f"/verify {code}")).text
    assert f"✅ Genuine: certificate {code} was issued on 5 January 2026" in genuine
    assert "It states that W*** X******* has 7 hours 30 minutes of confirmed service" in genuine
    assert "(credited 6 hours, honour 1 hour 30 minutes) in 3 activities" in genuine
    assert "• 3 Dec 2025 社区环保活动第3场: 3 hours + 30 minutes honour" in genuine

    changed = code[:-1] + ("A" if code[-1] != "A" else "B")
    assert (
        f"❌ Not genuine: no certificate has the code {changed}"
        in (await stranger.send(f"/verify {changed}")).text
    )


async def test_without_a_chinese_font_the_volunteer_is_told_and_nothing_is_issued(
    database_url: str, framework: str, clock: ManualClock
) -> None:
    settings = make_settings(
        database_url, bot_framework=framework, certificate_font="/nowhere/font.ttf"
    )
    async with running_bot(settings, clock=clock) as bot:
        alice = await steps.registered(bot, 1001)
        await served(bot, 1001, "Library help", datetime(2025, 12, 20, 1, tzinfo=UTC), 120)
        reply = await alice.send("/certificate")
        assert reply.last.document is None
        assert "certificates cannot be made right now" in reply.text
        async with steps.database(bot) as session:
            assert await session.scalar(select(func.count()).select_from(Certificate)) == 0
