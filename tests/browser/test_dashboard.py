"""The dashboard (Mini App) in a real browser against the real bot: a coordinator confirms a
300-person roster's hours; a volunteer finds the nearest activities, their shifts and hours, and
is politely refused the coordinators' view; forged and stale launch data are refused. Each step
leaves a screenshot in the test log folder."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from sqlalchemy import func, select

from bot.app import deployment_from
from bot.local.harness import RunningBot, free_port, running_bot
from bot.texts import catalogs
from handlers.dashboard.init_data import sign
from models.activities.tables import ServiceRecord, Shift, Signup, SignupStatus
from models.attendance import checkin
from models.audit import AuditEntry
from models.broadcasts import audience, outbox
from models.broadcasts.audience import Audience, AudienceKind
from models.clock import ManualClock
from models.registration.tables import Volunteer
from models.teams import membership
from models.teams.tables import Team
from tests.browser.conftest import STANDIN, Page
from tests.conftest import make_settings
from tests.e2e import steps

COORDINATOR, VOLUNTEER = 9001, 1001
ROSTER = 300
START = timedelta(days=1)
# Telegram's night theme, as the app passes it (https://core.telegram.org/bots/webapps#themeparams).
DARK = {
    "bg_color": "#18222d",
    "text_color": "#ffffff",
    "hint_color": "#b1c3d5",
    "link_color": "#62bcf9",
    "button_color": "#2ea6ff",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#131415",
    "destructive_text_color": "#ee686f",
}
EN = catalogs().messages["en"]
ZH = catalogs().messages["zh-CN"]


@pytest.fixture
async def bot(sqlite_url: str, clock: ManualClock) -> AsyncIterator[RunningBot]:
    settings = make_settings(sqlite_url, http_port=free_port(), webapp_telegram_js_url=STANDIN)
    # The flood limits' clock runs a second per look: 300 notices go out at once.
    fast = itertools.count(0.0, 1.0).__next__
    async with running_bot(settings, clock=clock, serve_http=True, flood_clock=fast) as running:
        yield running


def launch(bot: RunningBot, user_id: int, language: str = "en", **changes: object) -> str:
    """Launch data as Telegram signs it for the user (`age`, `token` to spoil it)."""
    age = changes.get("age", timedelta(0))
    token = changes.get("token") or bot.settings.telegram_bot_token.get_secret_value()
    user = {"id": user_id, "first_name": "Test", "language_code": language}
    return sign(user, str(token), bot.clock.now() - age)  # type: ignore[operator]


async def places(bot: RunningBot, activity_id: int, volunteer_ids: list[int]) -> int:
    """The volunteers hold places on the activity's one shift, as signing up leaves them."""
    async with steps.database(bot) as session:
        shift_id = await session.scalar(select(Shift.id).where(Shift.activity_id == activity_id))
        assert shift_id is not None
        now = bot.clock.now()
        status = SignupStatus.CONFIRMED
        session.add_all(
            Signup(shift_id=shift_id, volunteer_id=v, status=status, queued_at=now, updated_at=now)
            for v in volunteer_ids
        )
    return shift_id


async def served_roster(bot: RunningBot) -> int:
    """A coordinator's shift held by 300 volunteers who all checked in and out: the shift's id."""
    team = await steps.make_coordinator(bot, COORDINATOR)
    await steps.registered(bot, COORDINATOR, name="Coordinator")
    activity = await steps.make_activity(
        bot, team, title="Marathon water station", shifts=((START, timedelta(hours=3), ROSTER),)
    )
    people = await steps.make_volunteers(bot, ROSTER)
    for person in people:
        bot.person(person.telegram_id)  # they have a chat with the bot
    shift_id = await places(bot, activity.id, [person.id for person in people])
    bot.clock.advance(START)
    policy = deployment_from(bot.settings).attendance
    async with steps.database(bot) as session:
        rows = list(await session.execute(select(Volunteer, Signup.id).join(Signup)))
        for volunteer, signup_id in rows:
            if volunteer.telegram_id == COORDINATOR:
                continue
            await checkin.check_in(
                session, volunteer, signup_id, now=bot.clock.now(), method="code", policy=policy
            )
    bot.clock.advance(timedelta(hours=3))
    async with steps.database(bot) as session:
        for volunteer, signup_id in rows:
            await checkin.check_out(
                session, volunteer, signup_id, now=bot.clock.now(), policy=policy
            )
    bot.clock.advance(timedelta(minutes=10))
    async with steps.database(bot) as session:  # they are the team; a call to them, going out
        found = await session.get(Team, team)
        assert found is not None
        for volunteer, _ in rows:
            await membership.join(session, volunteer, found, now=bot.clock.now())
        admins = bot.settings.admin_telegram_ids
        scope = await audience.scope_of(session, COORDINATOR, admins)
        thanks = Audience(AudienceKind.TEAMS, (team,))
        draft = outbox.Draft("Thank you, water station! Photos are in the group.", thanks)
        await outbox.create(session, draft, actor=COORDINATOR, scope=scope, now=bot.clock.now())
        await outbox.start_due(session, now=bot.clock.now(), admin_ids=admins)
    return shift_id


async def test_a_coordinator_confirms_a_300_person_roster(
    bot: RunningBot, page: Callable[[int], Page], downloads: Path
) -> None:
    shift_id = await served_roster(bot)
    browser = page(bot.settings.http_port)

    await browser.open(launch(bot, COORDINATOR))
    await browser.find(f'button[data-shift="{shift_id}"]')
    await browser.shot("coordinator-shifts")
    await browser.click(f'button[data-shift="{shift_id}"]')
    rows = "#roster-rows tr"
    await browser.count(rows, ROSTER)
    assert await browser.texts("#roster-count") == ["300 of 300 people"]
    await browser.shot("roster")
    assert await browser.unnamed() == []
    await browser.click("button[data-sort=name]")  # A–Z already: now Z–A
    assert (await browser.texts("#roster-rows tr td:first-child"))[:2] == [
        "Volunteer 299",  # in numeric order, not 99 before 299
        "Volunteer 298",
    ]

    search = await browser.find("#roster-search")
    search.send_keys("Volunteer 12")  # 12 and 120–129
    await browser.count(rows, 11)
    search.clear()
    search.send_keys("Volunteer 299")
    await browser.count(rows, 1)
    await browser.click("#roster-rows button[data-act=change]")
    (await browser.find("#change-minutes")).clear()
    (await browser.find("#change-minutes")).send_keys("150")
    await browser.click("#dialog-ok")  # no reason yet: the dialog stays and asks for one
    assert await browser.texts("#dialog-error") == [EN["dashboard.roster.change_reason_missing"]]
    (await browser.find("#change-reason")).send_keys("Left early to help a runner")
    await browser.shot("change-hours")
    await browser.click("#dialog-ok")
    changed = EN["dashboard.roster.changed"].format(name="Volunteer 299")
    await browser.said(changed)
    search.clear()
    search.send_keys("Volunteer 298")
    await browser.count(rows, 1)
    await browser.click("#roster-rows button[data-act=confirm]")  # one by one
    await browser.said(EN["dashboard.roster.confirmed_one"].format(name="Volunteer 298"))
    search.clear()
    search.send_keys(" ")
    await browser.count(rows, ROSTER)

    await browser.scroll_home(".table-wrap")
    await browser.click("#confirm-all")
    await browser.find("dialog[open]")
    await browser.shot("confirm-all")
    await browser.click("#dialog-ok")
    done = EN["dashboard.roster.confirmed_done"].format(count="298")
    await browser.said(done)
    assert await browser.texts("#roster-rows button[data-act=confirm]") == []
    await browser.shot("roster-confirmed", readme=False)

    async with steps.database(bot) as session:
        confirmed = await session.scalar(
            select(func.count()).where(ServiceRecord.confirmed_at.is_not(None))
        )
        audited = await session.execute(
            select(AuditEntry.action, func.count())
            .where(AuditEntry.actor_telegram_id == COORDINATOR, AuditEntry.action.like("hours.%"))
            .group_by(AuditEntry.action)
        )
        changed_minutes = await session.scalar(
            select(ServiceRecord.credited_minutes).where(ServiceRecord.note != "")
        )
    assert confirmed == ROSTER
    assert dict(audited.all()) == {"hours.adjust": 1, "hours.confirm": ROSTER - 1}
    assert changed_minutes == 150
    told = {
        i: "\n".join(m.text or "" for m in bot.person(50_000 + i).messages()) for i in (0, 150, 299)
    }
    assert all("confirmed" in told[i] for i in (0, 150)), told
    assert "Left early to help a runner" in told[299]

    await browser.tab("calls")
    await browser.click(".call button")  # Pause
    await browser.said(EN["dashboard.calls.paused_done"])
    assert await browser.texts(".call .meta") == ["Paused", f"0 of {ROSTER} sent"]
    await browser.shot("calls")
    await browser.click(".call button")  # Resume
    await browser.said(EN["dashboard.calls.resumed_done"])
    for view in ("stats", "exports"):
        await browser.tab(view)
        assert await browser.all("#view .notice.error") == [], view
        await browser.shot(view)
        assert await browser.unnamed() == [], view
        if view == "stats":  # by month (hours, shifts served), by theme
            assert len(await browser.all("svg.chart")) == 3
    await browser.click("[data-export=records-csv]")  # this month's confirmed hours
    await browser.until(lambda d: d.find_element(By.ID, "status").text.startswith("Downloaded "))
    saved = await browser.until(lambda _: list(downloads.glob("records-*.csv")))
    assert len(saved[0].read_text("utf-8-sig").splitlines()) == 1 + ROSTER
    async with steps.database(bot) as session:
        exported = await session.scalar(
            select(func.count()).where(AuditEntry.action.like("export%"))
        )
    assert exported == 1
    assert browser.console_errors() == []


async def test_a_volunteer_finds_the_nearest_activities_and_is_refused_the_coordinators_view(
    bot: RunningBot, page: Callable[[int], Page]
) -> None:
    team = await steps.make_coordinator(bot, COORDINATOR)
    here = (24.4500, 118.0800)
    # By the start: the library first, the beach nearest, the park between.
    for title, north_m, days in (
        ("Library reading", 5000, 1),
        ("Beach clean-up", 800, 3),
        ("Park planting", 2500, 2),
    ):
        activity = await steps.make_activity(
            bot,
            team,
            title=title,
            shifts=((timedelta(days=days), timedelta(hours=3), 5),),
            latitude=here[0] + north_m / 111_195,
            longitude=here[1],
        )
    await steps.registered(bot, VOLUNTEER, language="zh-CN", name="王小明")
    volunteer = await steps.volunteer(bot, VOLUNTEER)
    assert volunteer is not None
    await places(bot, activity.id, [volunteer.id])  # a place on the park's shift
    browser = page(bot.settings.http_port)
    data = launch(bot, VOLUNTEER, "zh-hans")

    await browser.open(data, f"?lat={here[0]}&lon={here[1]}", theme=DARK)  # a dark app
    background = "return getComputedStyle(document.body).backgroundColor"
    assert browser.driver.execute_script(background) == "rgb(24, 34, 45)"
    titles = await browser.texts("li.activity h3")
    assert titles == ["Beach clean-up", "Park planting", "Library reading"]
    assert await browser.texts("li.activity .distance") == ["距你800米", "距你2.5公里", "距你5公里"]
    await browser.shot("activities")
    await browser.click("[aria-pressed=false]")  # the map
    await browser.until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, ".leaflet-marker-icon")) == 3
    )
    await browser.shot("map")

    await browser.open(data)  # without a location: by date
    assert await browser.texts("li.activity h3") == [
        "Library reading",
        "Park planting",
        "Beach clean-up",
    ]
    assert await browser.unnamed() == []
    for view in ("my_shifts", "my_hours"):
        await browser.tab(view)
        assert await browser.all("#view .notice.error") == [], view
        await browser.shot(view)
    (await browser.find("#tab-my_hours")).send_keys(Keys.ARROW_LEFT)  # tabs by keyboard
    await browser.until(lambda d: d.switch_to.active_element.get_attribute("id") == "tab-my_shifts")
    assert await browser.texts("[role=tab][aria-selected=true]") == [ZH["dashboard.tabs.my_shifts"]]
    assert browser.console_errors() == []

    await browser.open(data, "?view=coord_activities")
    assert await browser.texts("#view") == [ZH["dashboard.error_forbidden"]]  # and nothing else
    await browser.shot("refused")


async def test_forged_or_stale_launch_data_is_refused(
    bot: RunningBot, page: Callable[[int], Page]
) -> None:
    await steps.registered(bot, VOLUNTEER)
    browser = page(bot.settings.http_port)
    refused = [EN["dashboard.error_unauthorized"]]

    await browser.open(launch(bot, VOLUNTEER, token="123:not-this-bots-token"))
    assert await browser.texts("#view .notice.error") == refused
    await browser.shot("forged")
    await browser.open(launch(bot, VOLUNTEER, age=timedelta(hours=2)))
    assert await browser.texts("#view .notice.error") == refused
    await browser.shot("stale", readme=False)
    assert await browser.all("[role=tab]") == []
