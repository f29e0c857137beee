"""A coordinator's role is checked again whenever one of their calls is controlled or falls due:
a revoked coordinator's call is held (not sent) when its time comes and the team's other
coordinators are asked to release or cancel it; their old buttons are refused; and only an admin
resumes a call an admin paused."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.local.harness import Person, RunningBot
from models.audit import AuditEntry
from models.broadcasts import outbox
from models.broadcasts.audience import Audience, Scope
from models.broadcasts.outbox import Draft
from models.broadcasts.tables import Broadcast
from models.clock import ManualClock
from models.teams import roles
from models.teams.tables import RoleGrant
from tests.e2e import steps

AUTHOR = 9001
OTHER = 9002
ADMIN = 9100
NOTICE = "Tree planting on Sunday: 5 more people, please."
NOT_YOURS = "Only this call's team coordinators and admins can control it"


async def scheduled_call(bot: RunningBot, team_id: int, *, hours: int = 1) -> int:
    """AUTHOR's call to their team, due in `hours`."""
    async with steps.database(bot) as session:
        call = await outbox.create(
            session,
            Draft(
                text=NOTICE,
                audience=Audience("teams", (team_id,)),
                send_at=bot.clock.now() + timedelta(hours=hours),
            ),
            actor=AUTHOR,
            scope=Scope(admin=False, team_ids=(team_id,)),
            now=bot.clock.now(),
        )
        return call.id


async def status_of(bot: RunningBot, call_id: int) -> str:
    async with steps.database(bot) as session:
        status = await session.scalar(select(Broadcast.status).where(Broadcast.id == call_id))
    return str(status)


async def revoke(bot: RunningBot, telegram_id: int) -> None:
    async with steps.database(bot) as session:
        grant = await session.scalar(select(RoleGrant).where(RoleGrant.telegram_id == telegram_id))
        assert grant is not None
        await roles.revoke(session, grant.id, actor=ADMIN, now=bot.clock.now())


async def call_and_admin(bot: RunningBot) -> tuple[int, Person]:
    """AUTHOR's team (volunteer 1001 in it) and their call due in an hour; ADMIN an admin."""
    team = await steps.make_coordinator(bot, AUTHOR)
    async with steps.database(bot) as session:
        await roles.grant(session, ADMIN, "admin", team=None, now=bot.clock.now())
    await steps.member(bot, 1001, team)
    return await scheduled_call(bot, team), bot.person(ADMIN)


def got_notice(bot: RunningBot, user_id: int) -> bool:
    return any(m.text == NOTICE for m in bot.person(user_id).messages())


async def test_a_revoked_coordinators_call_is_held_until_another_coordinator_releases_it(
    bot: RunningBot, clock: ManualClock
) -> None:
    team = await steps.make_coordinator(bot, AUTHOR)
    await steps.make_coordinator(bot, OTHER)
    await steps.member(bot, 1001, team)
    call = await scheduled_call(bot, team)
    author, other = bot.person(AUTHOR), bot.person(OTHER)
    listed = await author.send("/broadcasts")
    assert listed.last.button_labels() == ["⏸ Pause", "🛑 Cancel the call"]
    old_pause = listed.last.buttons[0][0].callback_data or ""

    await revoke(bot, AUTHOR)
    # The old buttons no longer work: the role is checked again on the server.
    refused = await author.press_data(old_pause, message_id=listed.last.message_id)
    assert refused.alert is not None and NOT_YOURS in refused.alert
    assert await status_of(bot, call) == "scheduled"

    clock.advance(timedelta(hours=2))
    assert await bot.send_broadcasts() == 0
    assert not got_notice(bot, 1001)
    assert await status_of(bot, call) == "held"
    told = other.last()
    assert f"Call #{call} is held" in (told.text or "")
    assert NOTICE in (told.text or "")
    assert told.button_labels() == ["📣 Release it", "🛑 Cancel the call"]
    assert await bot.send_broadcasts() == 0  # held stays held

    released = await other.press("📣 Release it")
    assert released.alert == f"Call #{call} is released; it goes out now."
    assert await bot.send_broadcasts() == 1
    assert got_notice(bot, 1001)
    assert await status_of(bot, call) == "done"
    async with steps.database(bot) as session:
        actions = list(
            await session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.target_type == "broadcast", AuditEntry.target_id == call)
                .order_by(AuditEntry.id)
            )
        )
    assert actions == ["broadcast.create", "broadcast.hold", "broadcast.release"]


async def test_a_revoked_author_cannot_release_their_held_call_and_the_admins_are_told(
    bot: RunningBot, clock: ManualClock
) -> None:
    call, admin = await call_and_admin(bot)
    await revoke(bot, AUTHOR)
    clock.advance(timedelta(hours=2))
    assert await bot.send_broadcasts() == 0
    told = admin.last()  # no other coordinator: the admins are told
    assert f"Call #{call} is held" in (told.text or "")
    author = bot.person(AUTHOR)
    listed = await author.send("/broadcasts")  # not a coordinator any more
    assert "coordinator" in listed.text
    await admin.press("🛑 Cancel the call")
    await admin.press("Yes, cancel it")
    assert await status_of(bot, call) == "cancelled"
    assert await bot.send_broadcasts() == 0
    assert not got_notice(bot, 1001)


async def test_only_an_admin_resumes_a_call_an_admin_paused(
    bot: RunningBot, clock: ManualClock
) -> None:
    call, admin = await call_and_admin(bot)
    await admin.send("/broadcasts")
    await admin.press("⏸ Pause")
    assert await status_of(bot, call) == "paused"

    author = bot.person(AUTHOR)  # still their team's coordinator
    listed = await author.send("/broadcasts")
    assert listed.last.button_labels() == ["▶️ Resume", "🛑 Cancel the call"]
    refused = await author.press("▶️ Resume")
    assert refused.alert is not None and "admin paused this call" in refused.alert
    assert await status_of(bot, call) == "paused"

    resumed = await admin.press("▶️ Resume")
    assert resumed.alert == f"Call #{call} goes on."
    clock.advance(timedelta(hours=2))
    assert await bot.send_broadcasts() == 1
