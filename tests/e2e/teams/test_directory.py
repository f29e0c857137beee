"""The team directory end to end: a volunteer browses every team a page at a time, narrows it to
one district and one theme, opens a team's card (members, activities and hours this year) and
asks to join; the team's coordinator approves and the volunteer is a member."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.local.harness import RunningBot
from models.activities.tables import ServiceRecord, Shift, Signup, SignupStatus
from models.reference import District
from models.registration import volunteers
from models.registration.tables import Volunteer
from models.teams import roles
from models.teams.tables import MemberStatus, Team, TeamMember
from tests.e2e import steps

COORDINATOR = 9001
VOLUNTEER = 1001


async def served(bot: RunningBot, activity_id: int, telegram_id: int, *, minutes: int) -> None:
    """The volunteer served on the activity's shift, and a coordinator confirmed the hours."""
    now = bot.clock.now()
    async with steps.database(bot) as session:
        shift_id = await session.scalar(select(Shift.id).where(Shift.activity_id == activity_id))
        volunteer = await volunteers.find_volunteer(session, telegram_id)
        assert shift_id is not None and volunteer is not None
        signup = Signup(
            shift_id=shift_id,
            volunteer_id=volunteer.id,
            status=SignupStatus.ATTENDED,
            queued_at=now,
            updated_at=now,
        )
        session.add(signup)
        await session.flush()
        session.add(ServiceRecord(signup_id=signup.id, credited_minutes=minutes, confirmed_at=now))


async def test_a_volunteer_finds_a_team_by_district_and_theme_and_joins_it(
    bot: RunningBot,
) -> None:
    team_id = await steps.make_coordinator(bot, COORDINATOR, team="Haicang Seaside Team")
    async with steps.database(bot) as session:
        haicang = await session.scalar(select(District.id).where(District.code == "haicang"))
        team = await session.get_one(Team, team_id)
        team.district_id, team.description = haicang, "We keep Haicang's beaches clean."
        for number in range(1, 10):  # nine other teams: the directory has two pages
            other = await roles.create_team(session, f"Another Team {number}", now=bot.clock.now())
            other.district_id = haicang if number == 1 else None
    activity = await steps.make_activity(bot, team_id, title="Beach clean-up", theme="environment")
    await steps.member(bot, 2001, team_id)
    await served(bot, activity.id, 2001, minutes=90)
    volunteer = await steps.registered(bot, VOLUNTEER, name="Lin Mei")
    coordinator = await steps.registered(bot, COORDINATOR, name="Coordinator")

    await volunteer.send("/teams")
    everything = await volunteer.press("🔎 Find a team to join")
    assert everything.text.startswith("🔎 Team directory · Every district · Every theme: 10 teams")
    assert "Page 1 of 2" in everything.text
    turned = await volunteer.press("▶")
    assert (
        "• Haicang Seaside Team: 1 member; this year 1 activity, 1 hour 30 minutes" in turned.text
    )

    await volunteer.press("🗺 Every district")
    in_haicang = await volunteer.press("Haicang")
    assert in_haicang.text.splitlines()[0] == "🔎 Team directory · Haicang · Every theme: 2 teams"
    await volunteer.press("🏷 Every theme")
    by_theme = await volunteer.press("Environmental protection")
    assert by_theme.text.splitlines() == [
        "🔎 Team directory · Haicang · Environmental protection: 1 team",
        "• Haicang Seaside Team: 1 member; this year 1 activity, 1 hour 30 minutes",
    ]
    card = await volunteer.press("Haicang Seaside Team")
    assert card.text == (
        "👥 Haicang Seaside Team\nWe keep Haicang's beaches clean.\n"
        "🗺 Haicang · 🏷 Environmental protection\n"
        "1 member; this year 1 activity and 1 hour 30 minutes of confirmed service."
    )
    asked = await volunteer.press("🙋 Ask to join")
    assert "Your request to join Haicang Seaside Team has gone to its coordinators" in asked.text

    request = coordinator.last()
    assert request.text == "🙋 Lin Mei asks to join Haicang Seaside Team."
    await coordinator.press("✅ Approve", message_id=request.message_id)
    told = volunteer.last().text or ""
    assert "✅ Welcome to Haicang Seaside Team: your request to join was approved." in told
    async with steps.database(bot) as session:
        joined = await session.scalar(
            select(TeamMember.status)
            .join(Volunteer, Volunteer.id == TeamMember.volunteer_id)
            .where(TeamMember.team_id == team_id, Volunteer.telegram_id == VOLUNTEER)
        )
    assert joined == MemberStatus.ACTIVE
    bot.clock.advance(timedelta(minutes=1))
    again = await volunteer.press("Haicang Seaside Team")  # the card now says so, no ask button
    assert again.text.splitlines()[-2:] == [
        "2 members; this year 1 activity and 1 hour 30 minutes of confirmed service.",
        "You are a member of this team.",
    ]
    assert "• Haicang Seaside Team" in (await volunteer.send("/teams")).text
