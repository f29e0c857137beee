"""Make the snapshot the migration data test loads: a database made and filled by this checkout's
own code, every row of it written to `tests/models/fixtures/snapshot_<revision>.json`.

    python scripts/make_migration_snapshot.py

Run it at the commit whose data later migrations must keep (the snapshot records the revision
the database was at: this checkout's newest). It makes a fresh SQLite database with
`migrations.upgrade`, fills it through the code's own paths as people would — the sandbox's
demo data (`bot/local/demo.seed`: teams, volunteers, activities, sign-ups, a full shift with a
waiting list), then a real-name registration (its ID number encrypted under `SNAPSHOT_ID_KEY`,
a key for this test data only, so the test can decrypt it), a request to join approved, an
invite, a shift served (marked present, checked in and out, one absent) with hours confirmed
and a certificate, a calendar feed, a call sent to a team, a help request, a group chat with
an activity's card, a muted theme, a conversation and an update received; each change in
the audit log as the code writes it — and dumps every table (`migrations/snapshot.py`).
The clock is fixed (tokens and keys are random, as the code makes them).
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select

from bot.app import signup_policy_from
from bot.local import demo
from bot.settings import Settings
from migrations import snapshot, upgrade
from models import conversation, inbox
from models.activities import calendar_feed, groups, signup
from models.activities.tables import CheckinMethod, Shift, Signup
from models.attendance import certificate, checkin, hours_review
from models.broadcasts import outbox
from models.broadcasts.audience import Audience, AudienceKind, Scope
from models.crypto import IdCipher
from models.db import create_engine, session_factory
from models.help_requests import triage
from models.publishing.publication import ActivityPlan, ShiftPlan, publish, shifts_of
from models.reference import District, Theme
from models.registration import volunteers
from models.registration.tables import Volunteer
from models.registration.validation import parse_prc_id
from models.registration.volunteers import Draft, SealedId
from models.reminders import notifications
from models.teams import membership, roles
from models.teams.tables import Role, Team

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "models" / "fixtures"
# A Fernet key for this test data only (it protects no real number): the test decrypts with it.
SNAPSHOT_ID_KEY = "c25hcHNob3QtdGVzdC1rZXktbm90LWZvci1yZWFsLTA="
NOW = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)  # Monday 09:00 in Xiamen
COORDINATOR, ADMIN, REAL_NAME, RESIDENT = 9001, 9100, 7001, 8001
ID_NUMBER = "11010519491231002X"


def settings_for(url: str) -> Settings:
    return Settings(
        _env_file=None,
        database_url=url,
        id_encryption_key=SNAPSHOT_ID_KEY,
    )


async def fill(settings: Settings) -> None:
    """The demo data, then the rest of what the bot's journeys write, as they write it."""
    await demo.seed(settings, NOW, coordinator=COORDINATOR, demo=True)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    cipher = IdCipher(SNAPSHOT_ID_KEY)
    try:
        async with sessions() as session, session.begin():
            team = await session.scalar(select(Team).where(Team.name == demo.SANDBOX_TEAM))
            assert team is not None
            await roles.grant(session, ADMIN, Role.ADMIN, team=None, now=NOW)
            await roles.invite(session, team, actor=ADMIN, now=NOW, valid_for=timedelta(days=7))
            sealed = SealedId.seal(parse_prc_id(ID_NUMBER, NOW.date()), cipher)
            district = await session.scalar(select(District.id).where(District.code == "jimei"))
            theme = await session.scalar(select(Theme.id).where(Theme.code == "elderly"))
            draft = Draft(
                name="赵真名",
                phone="+8613900007001",
                sealed_id=sealed,
                district_id=district,
                theme_ids=[theme] if theme else [],
                availability=3,
            )
            real = await volunteers.register(
                session, telegram_id=REAL_NAME, language="zh-CN", draft=draft, now=NOW
            )
            await membership.ask_to_join(session, real, team, now=NOW)
            await membership.decide(
                session,
                actor=COORDINATOR,
                team_id=team.id,
                volunteer_id=real.id,
                approve=True,
                now=NOW,
            )
            served = await _served_shift(session, settings, team, theme or 1)
        later = served.ends_at + timedelta(hours=1)
        async with sessions() as session, session.begin():
            await _record_service(session, settings, served, later)
        async with sessions() as session, session.begin():
            await _call_and_help_request(session, team, later)
        async with sessions() as session, session.begin():
            await _chats_and_settings(session, served, later)
    finally:
        await engine.dispose()


async def _served_shift(session: Any, settings: Settings, team: Team, theme_id: int) -> Shift:
    """A shift an hour from now that three volunteers sign up for."""
    start = NOW + timedelta(hours=1)
    plan = ActivityPlan(
        title="社区义诊协助",
        theme_id=theme_id,
        team_id=team.id,
        address="集美区社区卫生服务中心",
        shifts=[ShiftPlan(start, start + timedelta(hours=3), 5)],
    )
    activity = await publish(session, plan, created_by=COORDINATOR, now=NOW)
    (shift,) = await shifts_of(session, activity.id)
    policy = signup_policy_from(settings)
    for telegram_id in (demo.PERSONA.telegram_id, REAL_NAME, 5003):
        volunteer = await volunteers.find_volunteer(session, telegram_id)
        assert volunteer is not None
        await signup.sign_up(session, volunteer, shift.id, now=NOW, policy=policy)
    return shift


async def _record_service(session: Any, settings: Settings, shift: Shift, later: datetime) -> None:
    """The persona is marked present, the real-name volunteer checks in and out by the shift's
    code, the third is marked absent; the hours are confirmed and a certificate issued."""
    places = {
        volunteer.telegram_id: place
        for place, volunteer in await session.execute(
            select(Signup.id, Volunteer)
            .join(Volunteer, Volunteer.id == Signup.volunteer_id)
            .where(Signup.shift_id == shift.id)
        )
    }
    policy = checkin.AttendancePolicy()
    await hours_review.mark_present(
        session,
        actor=COORDINATOR,
        signup_id=places[demo.PERSONA.telegram_id],
        now=later,
        policy=policy,
    )
    real = await volunteers.find_volunteer(session, REAL_NAME)
    assert real is not None
    await checkin.check_in(
        session,
        real,
        places[REAL_NAME],
        now=shift.starts_at,
        method=CheckinMethod.CODE,
        policy=policy,
    )
    await checkin.check_out(session, real, places[REAL_NAME], now=shift.ends_at, policy=policy)
    await hours_review.mark_absent(session, actor=COORDINATOR, signup_id=places[5003], now=later)
    await hours_review.confirm_all(session, actor=COORDINATOR, shift_id=shift.id, now=later)
    persona = await volunteers.find_volunteer(session, demo.PERSONA.telegram_id)
    assert persona is not None
    await certificate.issue(
        session, persona, issuer="厦门市志愿服务平台", now=later, zone=settings.zone
    )
    await calendar_feed.token_of(session, persona, now=later)


async def _call_and_help_request(session: Any, team: Team, later: datetime) -> None:
    """A coordinator's call to the team's members, started (its deliveries queued), and a
    resident's request for help."""
    draft = outbox.Draft(
        text="本周六上午海滩清洁还缺人手，欢迎报名！",
        audience=Audience(AudienceKind.TEAMS, (team.id,)),
    )
    scope = Scope(admin=False, team_ids=(team.id,))
    await outbox.create(session, draft, actor=COORDINATOR, scope=scope, now=later)
    await outbox.start_due(session, now=later, admin_ids=())
    theme = await session.scalar(select(Theme.id).where(Theme.code == "elderly"))
    district = await session.scalar(select(District.id).where(District.code == "huli"))
    asked = triage.Asked(
        theme_id=theme,
        description="家中老人行动不便，想请志愿者周末陪同去医院复诊。",
        district_id=district,
        preferred_time="周六上午",
        contact="+8613700008001",
    )
    await triage.create(session, RESIDENT, asked, now=later)


async def _chats_and_settings(session: Any, shift: Shift, later: datetime) -> None:
    """A group the coordinator added the bot to, with the activity's card; a muted theme; the
    button key; a conversation in hand and an update received."""
    await groups.remember_membership(
        session,
        chat_id=-1001234567890,
        title="集美志愿者群",
        kind=groups.ChatKind.SUPERGROUP,
        added_by=COORDINATOR,
        active=True,
        now=later,
    )
    await groups.post_card(session, shift.activity_id, -1001234567890, actor=COORDINATOR, now=later)
    persona = await volunteers.find_volunteer(session, demo.PERSONA.telegram_id)
    assert persona is not None
    customs = await session.scalar(select(Theme.id).where(Theme.code == "customs"))
    await notifications.set_theme_muted(session, persona, customs, muted=True, now=later)
    await conversation.button_key(session)
    await conversation.lock_state(session, demo.PERSONA.telegram_id, later, first_name="小明")
    update = {"update_id": 424242, "message": {"message_id": 1, "text": "/my"}}
    await inbox.record(session, [update], now=later)


async def make(target: Path) -> Path:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'snapshot.db'}"
        await asyncio.to_thread(upgrade, url)
        await fill(settings_for(url))
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                rows = await connection.run_sync(snapshot.dump)
        finally:
            await engine.dispose()
    rows["id_encryption_key"] = SNAPSHOT_ID_KEY
    path = target / f"snapshot_{rows['revision']}.json"
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    print(asyncio.run(make(FIXTURES)))
