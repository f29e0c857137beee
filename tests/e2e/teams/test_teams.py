"""Teams end to end: an admin creates a team; volunteers join by its link or ask to join and a
coordinator approves; coordinators see their members; a volunteer leaves; an admin removes a
coordinator and reads the audit log."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from sqlalchemy import select

from bot.local.harness import Person, RunningBot
from models.teams import roles
from models.teams.tables import Team
from tests.e2e import steps
from tests.e2e.reports.test_stats import chart_of

ADMIN = 9100
COORDINATOR = 9001
LINK = re.compile(r"start=(team_[A-Za-z0-9_-]+)")
INVITE = re.compile(r"start=(inv_[A-Za-z0-9_-]+)")


async def admin(bot: RunningBot) -> Person:
    async with steps.database(bot) as session:
        await roles.grant(session, ADMIN, "admin", team=None, now=bot.clock.now())
    return await steps.registered(bot, ADMIN, name="Admin")


async def test_an_admin_creates_a_team_and_volunteers_join_it(bot: RunningBot) -> None:
    boss = await admin(bot)
    await boss.send("/new_team")
    assert "Please give a name of 2 to 128 characters." in (await boss.send("X")).text
    created = await boss.send("Jimei Seniors")
    assert "✅ The team Jimei Seniors is created." in created.text
    await boss.press("Jimei Seniors")
    await boss.press("🧑‍💼 Coordinators")
    invite = await boss.press("✉️ Invite a coordinator")
    assert (
        "A one-time invite to coordinate Jimei Seniors, valid until Mon 12 Jan 09:00" in invite.text
    )
    link = INVITE.search(invite.text)
    assert link is not None
    coordinator = await steps.registered(bot, COORDINATOR, name="Coordinator")
    accepted = await coordinator.send(f"/start {link.group(1)}")
    assert "✅ You are now a coordinator of Jimei Seniors." in accepted.text
    stranger = bot.person(9200, "Stranger")
    assert "This invite is not valid" in (await stranger.send(f"/start {link.group(1)}")).text

    await coordinator.send("/team")
    await coordinator.press("Jimei Seniors")
    qr = await coordinator.press("🔗 Join link and QR code")
    assert qr.last.kind == "photo"
    payload = LINK.search(qr.last.text or "")
    assert payload is not None

    alice = await steps.registered(bot, 1001, name="Alice")
    assert "Welcome to Jimei Seniors!" in (await alice.send(f"/start {payload.group(1)}")).text
    bot.clock.advance(timedelta(minutes=5))
    bob = await steps.registered(bot, 1002, name="Bob")
    await bob.send("/teams")
    await bob.press("🔎 Find a team to join")
    await bob.press("Jimei Seniors")
    asked = await bob.press("🙋 Ask to join")
    assert "Your request to join Jimei Seniors has gone to its coordinators" in asked.text
    request = coordinator.last()
    assert request.text == "🙋 Bob asks to join Jimei Seniors."
    reply = await coordinator.press("✅ Approve", message_id=request.message_id)
    assert "✅ Bob is now a member of Jimei Seniors." in reply.text
    assert "✅ Welcome to Jimei Seniors: your request to join was approved." in bob.last().text

    await coordinator.send("/team")
    await coordinator.press("Jimei Seniors")
    listing = await coordinator.press("👥 Members (2)")
    assert [line.split(",")[0] for line in listing.text.splitlines()[1:]] == ["• Bob", "• Alice"]
    assert "📞 +8613800001002" in listing.text  # coordinators see phone numbers

    # The coordinator's team runs an activity; Bob signs up; the roster exports.
    async with steps.database(bot) as session:
        team_id = await session.scalar(select(Team.id).where(Team.name == "Jimei Seniors"))
    assert team_id is not None
    activity = await steps.make_activity(bot, team_id, title="Tea with elders")
    await bob.send(f"/start act_{activity.link_token}")
    await bob.press(bob.last().button_labels()[0])
    await coordinator.send("/manage")
    await coordinator.press("Tea with elders")
    await coordinator.press("👥 Roster")
    exported = (await coordinator.press("📄 Export (CSV)")).last
    assert exported.document is not None
    rows = list(csv.reader(io.StringIO(exported.document.content.decode("utf-8-sig"))))
    assert [row[1:4] for row in rows[1:]] == [["Bob", "+8613800001002", "confirmed"]]
    stats = await coordinator.send("/stats")
    chart = chart_of(stats.messages)  # a PNG chart of the team's hours and participations
    assert "Jimei Seniors" in (chart.text or "")

    await alice.send("/teams")
    await alice.press("Leave Jimei Seniors")
    left = await alice.press("Yes, leave")
    assert "You have left Jimei Seniors." in left.text
    assert "You are not in a team yet." in (await alice.send("/teams")).text

    await boss.send("/team")
    await boss.press("Jimei Seniors")
    coordinators = await boss.press("🧑‍💼 Coordinators")
    assert "• Coordinator (9001)" in coordinators.text
    removed = await boss.press("Remove Coordinator")
    assert "Coordinator is no longer a coordinator of Jimei Seniors." in removed.text
    refused = (await coordinator.send("/team")).text
    assert "Only a team's coordinators and admins can manage its members" in refused

    log = await boss.send("/audit")
    actions = [line.split(" · ")[2] for line in log.text.splitlines()[1:]]
    assert actions[:7] == [
        "role.revoke",
        "team.leave",
        "roster.export",
        "signup.join",
        "activity.publish",
        "team.approve",
        "team.ask",
    ]
    assert actions[10:14] == ["role.grant", "volunteer.registered", "role.invite", "team.create"]
    roles_only = await boss.press("Roles and teams")
    assert "role.revoke" in roles_only.text and "signup." not in roles_only.text


async def test_an_audit_of_no_telegram_id_is_refused_politely(bot: RunningBot) -> None:
    boss = await admin(bot)
    for typed in ("٣", "1" * 20, "9" * 3000, "-5", "1e9"):
        reply = await boss.send(f"/audit {typed}")
        assert "followed by their Telegram id (digits only)" in reply.text


async def test_volunteers_and_coordinators_cannot_use_admin_commands(bot: RunningBot) -> None:
    await steps.make_coordinator(bot, COORDINATOR)
    coordinator = await steps.registered(bot, COORDINATOR)
    volunteer = await steps.registered(bot, 1001)
    for person in (coordinator, volunteer):
        assert (await person.send("/new_team")).text == "Only admins can do that."
        assert (await person.send("/audit")).text == "Only admins can do that."
    refused = (await volunteer.send("/team")).text
    assert "Only a team's coordinators and admins can manage its members" in refused
