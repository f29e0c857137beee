"""An organisation above teams, end to end on both frameworks and both databases: an admin
creates a federation with /orgs, adds two teams and invites an organisation admin, who accepts
the link and then sees the statistics (split by organisation, gender and age) and an export of
exactly those two teams, nothing of a third; their call to the organisation's members reaches
those teams' members only, as many as the preview said; they run no team (/manage refuses)."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.local.harness import RunningBot
from models.publishing import publication
from models.teams import membership, roles
from tests.e2e import steps
from tests.e2e.teams.test_menus import INVITE, commands
from tests.ids import make_id
from tests.models.attendance.test_hours import record

ADMIN, ORGANISER = 9100, 9200
HAICANG, JIMEI, SIMING = 1001, 1002, 1003  # a member of each team
ZONE = ZoneInfo("Asia/Shanghai")
SERVED = datetime(2026, 1, 2, 9, 0, tzinfo=ZONE)  # this month, as the clock starts
NOTICE = "Federation day on Saturday: we need hands at every team's stall."


async def world(bot: RunningBot) -> dict[str, int]:
    """Three teams, each with one member who served an hour there this month; the Haicang
    member is a real-name woman born in 1990."""
    teams = {}
    for user_id, name, id_number in (
        (HAICANG, "Haicang Team", make_id(serial="124")),
        (JIMEI, "Jimei Team", None),
        (SIMING, "Siming Team", None),
    ):
        async with steps.database(bot) as session:
            team = await roles.create_team(session, name, now=bot.clock.now())
            teams[name] = team.id
        await steps.registered(bot, user_id, name=f"Member of {name}", id_number=id_number)
        activity = await steps.make_activity(bot, team.id, title=f"{name} stall")
        volunteer = await steps.volunteer(bot, user_id)
        assert volunteer is not None
        async with steps.database(bot) as session:
            await membership.join(session, volunteer, team, now=bot.clock.now())
            (shift,) = await publication.shifts_of(session, activity.id)
            await record(session, shift, volunteer.id, SERVED, 60, 0, bot.clock.now())
    async with steps.database(bot) as session:
        await roles.grant(session, ADMIN, "admin", team=None, now=bot.clock.now())
    return teams


async def test_an_organisation_admin_sees_exports_and_calls_their_two_teams_only(
    bot: RunningBot,
) -> None:
    await world(bot)
    admin = await steps.registered(bot, ADMIN, name="Admin")

    # The admin creates the federation, adds two teams and invites its admin.
    reply = await admin.send("/orgs")
    assert reply.text.startswith("🏛 There are no organisations yet.")
    await admin.press("➕ New organisation")
    reply = await admin.send("W")  # too short: said so, and asked again
    assert reply.text == "Please give a name of 2 to 128 characters."
    reply = await admin.send("Women's Federation")
    assert (
        reply.text
        == "🏛 Women's Federation\nTeams (0):\nnone yet\nOrganisation admins (0):\nnone yet"
    )
    for team in ("Haicang Team", "Jimei Team"):
        await admin.press("➕ Add a team")
        reply = await admin.press(team)
        assert reply.alert == f"{team} is now in Women's Federation."
    card = admin.last()
    assert card.text == (
        "🏛 Women's Federation\nTeams (2):\nHaicang Team and Jimei Team\n"
        "Organisation admins (0):\nnone yet"
    )
    assert "➖ Take out Jimei Team" in card.button_labels()
    # An invite that leaked is withdrawn (asked first): its link refuses.
    leaked = INVITE.search((await admin.press("✉️ Invite an organisation admin")).text)
    assert leaked is not None
    await admin.send("/orgs")
    await admin.press("Women's Federation")
    await admin.press("🕓 Pending admin invites (1)")
    await admin.press("🗑 Withdraw")
    reply = await admin.press("Yes, withdraw it")
    assert reply.last.text == "The invite is withdrawn: its link no longer works."
    reply = await bot.person(ORGANISER).send(f"/start {leaked.group(1)}")
    assert reply.text == (
        "This invite was withdrawn by an admin, so it no longer works. If you should be an "
        "organisation admin, ask an admin for a new one."
    )
    reply = await admin.press("✉️ Invite an organisation admin")
    link = INVITE.search(reply.text)
    assert link is not None

    # The invited person accepts: an organisation admin's menu and /help, no team to run.
    organiser = await steps.registered(bot, ORGANISER, name="Fang Li")
    reply = await organiser.send(f"/start {link.group(1)}")
    assert reply.text.startswith("✅ You are now an admin of Women's Federation.")
    assert {"stats", "export", "broadcast"} <= set(commands(bot, ORGANISER))
    assert "manage" not in commands(bot, ORGANISER)
    assert "For organisation admins:" in (await organiser.send("/help")).text
    reply = await organiser.send("/manage")
    assert reply.text == "Only coordinators and admins can manage activities."

    # Statistics: the two teams, by organisation, gender and age; nothing of Siming.
    reply = await organiser.send("/stats")
    summary = reply.last.text or ""
    assert "📊 Statistics: Women's Federation" in summary
    assert "• Haicang Team: 1 hour" in summary and "• Jimei Team: 1 hour" in summary
    assert "Siming" not in summary
    assert "• Women's Federation (2 teams): 2 hours · participations 2" in summary
    assert "women 1, men 0 and not stated 1" in summary
    assert "Team members: 2" in summary
    reply = await organiser.press("📄 Monthly report")
    report = next(m for m in reply.messages if m.document is not None)
    assert report.document is not None
    page = report.document.content.decode()
    assert "Haicang Team" in page and "Jimei Team" in page and "Siming" not in page
    assert "Women's Federation · made on" in page.replace("&#x27;", "'")

    # The export: the organisation's teams together, or one of them; nothing else offered.
    await organiser.send("/export")
    reply = await organiser.press("👥 Volunteers")
    assert reply.last.button_labels() == [
        "All teams of Women's Federation",
        "Haicang Team",
        "Jimei Team",
    ]
    await organiser.press("All teams of Women's Federation")
    await organiser.press("CSV")
    sent = organiser.last()
    assert sent.document is not None
    rows = list(csv.reader(io.StringIO(sent.document.content.decode("utf-8-sig"))))
    assert sorted(row[1] for row in rows[1:]) == ["Member of Haicang Team", "Member of Jimei Team"]
    assert (sent.text or "").startswith("Volunteers of Women's Federation: 2.")

    # A call to the organisation's members reaches exactly those the preview counts.
    await organiser.send("/broadcast")
    await organiser.send(NOTICE)
    await organiser.press("No activity")
    reply = await organiser.press("Teams…")
    assert reply.last.button_labels()[:2] == ["Haicang Team", "Jimei Team"]
    await organiser.press("Haicang Team")
    await organiser.press("Jimei Team")
    reply = await organiser.press("Done ➡️")
    assert re.search(r"This call will reach 2 volunteers\.", reply.text)
    await organiser.press("📣 Send now")
    await bot.run_background()
    reached = {
        user_id
        for user_id in (HAICANG, JIMEI, SIMING)
        if any(m.text == NOTICE for m in bot.person(user_id).messages())
    }
    assert reached == {HAICANG, JIMEI}

    # Taken out (after a confirmation), a team leaves the organisation admin's sight.
    await admin.send("/orgs")
    await admin.press("Women's Federation")
    reply = await admin.press("➖ Take out Jimei Team")
    assert reply.last.text is not None and reply.last.text.startswith("Take Jimei Team out")
    await admin.press("Yes, take it out")
    reply = await organiser.send("/stats")
    summary = reply.last.text or ""
    assert "📊 Statistics: Women's Federation" in summary and "Jimei" not in summary
