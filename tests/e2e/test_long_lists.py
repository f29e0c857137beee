"""Lists of many people stay within Telegram's limits: a shift roster, a shift's attendance and
a team's members of 300 people each come a page at a time (◀ ▶ turn the page in place), every
message within 4,096 characters and 100 buttons, and every one of the 300 names is reachable."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from bot.local.harness import Person, Reply, RunningBot
from handlers.events import TEXT_MAX
from models.activities import signup
from models.activities.signup import SignupPolicy
from models.activities.tables import Shift
from models.publishing import publication
from models.registration import volunteers
from models.teams import membership
from models.teams.tables import Team
from sandbox.records import SentMessage
from tests.e2e import steps
from tests.e2e.help_requests.test_help_requests import a_help_request, in_district

COORDINATOR = 9001
PEOPLE = 300
BUTTONS_MAX = 100  # Telegram refuses a larger inline keyboard
NAME = re.compile(r"Volunteer (\d+)\b")


async def crowd(bot: RunningBot) -> tuple[Person, int]:
    """A coordinator whose team has 300 members, all holding a place on one shift."""
    team_id = await steps.make_coordinator(bot, COORDINATOR)
    coordinator = await steps.registered(bot, COORDINATOR, name="Coordinator")
    activity = await steps.make_activity(
        bot, team_id, shifts=((timedelta(days=1), timedelta(hours=3), PEOPLE),)
    )
    people = await steps.make_volunteers(bot, PEOPLE)
    async with steps.database(bot) as session:
        team = await session.get(Team, team_id)
        shift_id = await session.scalar(select(Shift.id).where(Shift.activity_id == activity.id))
        assert team is not None and shift_id is not None
        for person in people:
            merged = await session.merge(person)
            await membership.join(session, merged, team, now=bot.clock.now())
            await signup.sign_up(
                session, merged, shift_id, now=bot.clock.now(), policy=SignupPolicy()
            )
    return coordinator, team_id


async def every_page(person: Person, first: Reply) -> list[SentMessage]:
    """The list's pages, turning ▶ until the last."""
    pages = [first.last]
    while "▶" in pages[-1].button_labels():
        turned = await person.press("▶", message_id=pages[-1].message_id)
        assert turned.last.message_id == pages[-1].message_id  # turned in place
        pages.append(turned.last)
        assert len(pages) <= PEOPLE, "the pages never end"
    return pages


def within_limits(person: Person) -> None:
    for message in person.messages():
        assert len(message.text or "") <= TEXT_MAX
        assert len(message.button_labels()) <= BUTTONS_MAX


def everyone_on(pages: list[SentMessage]) -> None:
    assert len(pages) > 1
    shown = [int(n) for page in pages for n in NAME.findall(page.text or "")]
    assert sorted(set(shown)) == list(range(PEOPLE))
    assert "Page 1 of" in (pages[0].text or "")
    assert "◀" in pages[-1].button_labels()


async def test_a_shift_roster_of_300_comes_a_page_at_a_time(bot: RunningBot) -> None:
    coordinator, _ = await crowd(bot)
    await coordinator.send("/manage")
    await coordinator.press("Beach clean-up")
    roster = await coordinator.press("👥 Roster")
    pages = await every_page(coordinator, roster)
    everyone_on(pages)
    assert "Roster of Beach clean-up" in (pages[1].text or "")
    assert "📄 Export (CSV)" in pages[1].button_labels()
    within_limits(coordinator)


async def test_a_shift_attendance_of_300_comes_a_page_at_a_time(bot: RunningBot) -> None:
    coordinator, _ = await crowd(bot)
    bot.clock.advance(timedelta(days=1, hours=1))
    await coordinator.send("/manage")
    await coordinator.press("Beach clean-up")
    await coordinator.press("🧾 Attendance and hours")
    roster = await coordinator.press("Tue 6 Jan 09:00–12:00")
    pages = await every_page(coordinator, roster)
    everyone_on(pages)
    # Each person on a page has their button there, the last page's too.
    last = pages[-1]
    last_numbers = [int(n) for n in NAME.findall(last.text or "")]
    card = await coordinator.press(
        next(label for label in last.button_labels() if f"Volunteer {last_numbers[-1]}" in label),
        message_id=last.message_id,
    )
    assert f"Volunteer {last_numbers[-1]}, 📞" in card.text
    within_limits(coordinator)


async def test_a_team_of_300_members_comes_a_page_at_a_time(bot: RunningBot) -> None:
    coordinator, _ = await crowd(bot)
    await coordinator.send("/team")
    await coordinator.press("Haicang Team")
    members = await coordinator.press(f"👥 Members ({PEOPLE})")
    everyone_on(await every_page(coordinator, members))
    within_limits(coordinator)


async def test_sixty_shifts_of_mine_come_a_page_at_a_time(bot: RunningBot) -> None:
    team_id = await steps.make_coordinator(bot, COORDINATOR)
    day, hours = timedelta(days=1), timedelta(hours=2)
    activities = [  # an activity has at most 20 shifts
        await steps.make_activity(
            bot,
            team_id,
            title=f"Clean-up {a}",
            shifts=tuple((day * (n + 1) + hours * a, hours, 5) for n in range(20)),
        )
        for a in range(3)
    ]
    volunteer = await steps.registered(bot, 1001)
    async with steps.database(bot) as session:
        me = await volunteers.find_volunteer(session, volunteer.id)
        assert me is not None
        for activity in activities:
            for shift in await publication.shifts_of(session, activity.id):
                await signup.sign_up(
                    session, me, shift.id, now=bot.clock.now(), policy=SignupPolicy()
                )
    pages = await every_page(volunteer, await volunteer.send("/my"))
    assert len(pages) > 1
    cancels = [label for page in pages for label in page.button_labels() if "Cancel" in label]
    assert len(cancels) == 60
    assert "📅 All my shifts (.ics)" in pages[-1].button_labels()
    within_limits(volunteer)


async def test_a_coordinator_reaches_every_one_of_many_activities(bot: RunningBot) -> None:
    team_id = await steps.make_coordinator(bot, COORDINATOR)
    coordinator = await steps.registered(bot, COORDINATOR, name="Coordinator")
    for n in range(45):
        await steps.make_activity(bot, team_id, title=f"Activity {n}")
    pages = await every_page(coordinator, await coordinator.send("/manage"))
    titles = {label for page in pages for label in page.button_labels()}
    assert {f"Activity {n}" for n in range(45)} <= titles
    within_limits(coordinator)


async def test_a_coordinator_reaches_every_one_of_many_help_requests(bot: RunningBot) -> None:
    await steps.make_coordinator(bot, COORDINATOR)
    await in_district(bot, "haicang", team="Haicang Team")
    coordinator = await steps.registered(bot, COORDINATOR, name="Coordinator")
    for n in range(45):  # from 45 residents: one may have only 3 open
        await a_help_request(bot, requester=3001 + n)
    await coordinator.send("/help_requests")
    pages = await every_page(coordinator, await coordinator.press("🆕 Open (45)"))
    numbers = {label.split()[0] for page in pages for label in page.button_labels()}
    assert {f"#{n}" for n in range(1, 46)} <= numbers
    within_limits(coordinator)
