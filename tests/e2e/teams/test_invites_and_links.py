"""An admin sees a team's pending coordinator invites and withdraws one (after confirming): its
link then refuses politely. A team's join link is replaced (after confirming): the old link and QR
code refuse politely, the new one works. Both are audited."""

from __future__ import annotations

from sqlalchemy import select

from bot.local.harness import RunningBot
from models.audit import AuditEntry
from tests.e2e import steps
from tests.e2e.teams.test_teams import ADMIN, COORDINATOR, INVITE, LINK, admin


async def audited(bot: RunningBot, action: str) -> list[int | None]:
    """Who did `action`, oldest first."""
    async with steps.database(bot) as session:
        rows = await session.scalars(
            select(AuditEntry.actor_telegram_id)
            .where(AuditEntry.action == action)
            .order_by(AuditEntry.id)
        )
        return list(rows)


async def test_an_admin_withdraws_a_pending_invite_and_its_link_stops_working(
    bot: RunningBot,
) -> None:
    boss = await admin(bot)
    await boss.send("/new_team")
    await boss.send("Jimei Seniors")
    await boss.press("Jimei Seniors")
    await boss.press("🧑‍💼 Coordinators")
    kept = INVITE.search((await boss.press("✉️ Invite a coordinator")).text)
    await boss.press("🧑‍💼 Coordinators")
    withdrawn = INVITE.search((await boss.press("✉️ Invite a coordinator")).text)
    assert kept is not None and withdrawn is not None

    await boss.press("🧑‍💼 Coordinators")
    pending = await boss.press("📨 Pending invites (2)")
    assert pending.messages[0].text == "Pending coordinator invites of Jimei Seniors:"
    newest = pending.messages[1]  # newest first: the second invite made
    assert "valid until Mon 12 Jan 09:00" in (newest.text or "")
    assert newest.button_labels() == ["🗑 Withdraw"]
    asked = await boss.press("🗑 Withdraw", message_id=newest.message_id)
    assert asked.last.text.startswith("Withdraw this invite to coordinate Jimei Seniors?")
    assert await audited(bot, "role.invite_withdraw") == []  # not before the admin confirms
    done = await boss.press("Yes, withdraw it")
    assert done.last.text == "The invite is withdrawn: its link no longer works."
    assert await audited(bot, "role.invite_withdraw") == [ADMIN]

    stranger = bot.person(9200, "Stranger")
    refused = await stranger.send(f"/start {withdrawn.group(1)}")
    assert "This invite was withdrawn by an admin" in refused.text
    coordinator = await steps.registered(bot, COORDINATOR, name="Coordinator")
    accepted = await coordinator.send(f"/start {kept.group(1)}")
    assert "✅ You are now a coordinator of Jimei Seniors." in accepted.text

    await boss.press("🧑‍💼 Coordinators")
    assert "No invites are waiting" in (await boss.press("📨 Pending invites (0)")).text


async def test_a_coordinator_replaces_the_join_link_and_the_old_one_stops_working(
    bot: RunningBot,
) -> None:
    await steps.make_coordinator(bot, COORDINATOR, "Jimei Seniors")
    coordinator = await steps.registered(bot, COORDINATOR, name="Coordinator")
    await coordinator.send("/team")
    await coordinator.press("Jimei Seniors")
    old = LINK.search((await coordinator.press("🔗 Join link and QR code")).last.text or "")
    assert old is not None

    asked = await coordinator.press("♻️ New join link")
    assert asked.last.text.startswith("Make a new join link for Jimei Seniors?")
    kept = await coordinator.press("No, keep it")
    assert kept.last.text == "The join link of Jimei Seniors stays as it was."
    await coordinator.press("♻️ New join link")
    replaced = await coordinator.press("Yes, make a new link")
    assert replaced.last.kind == "photo"
    new = LINK.search(replaced.last.text or "")
    assert new is not None and new.group(1) != old.group(1)
    assert await audited(bot, "team.link_replace") == [COORDINATOR]

    alice = await steps.registered(bot, 1001, name="Alice")
    refused = await alice.send(f"/start {old.group(1)}")
    assert "This team link is not valid any more" in refused.text
    joined = await alice.send(f"/start {new.group(1)}")
    assert "Welcome to Jimei Seniors!" in joined.text
