"""A call by theme, end to end, as a coordinator and as an admin: the composer says exactly who
will get it (a coordinator reaches only their own teams' members; an admin every volunteer), the
preview counts exactly those, "Send now" says the call is being sent (not "scheduled"), and the
sender delivers it to exactly the people counted — not to those who muted such calls or the
theme, blocked the bot, erased themselves or never registered.

On every framework and database: the count and the outbox come from one rule, in SQL."""

from __future__ import annotations

from sqlalchemy import select

from bot.local.harness import Person, RunningBot
from models.registration.tables import Volunteer
from models.teams import roles
from sandbox.server import SentMessage
from tests.e2e import steps
from tests.e2e.broadcasts.test_compose import COORDINATOR, NOTICE, OTHER_COORDINATOR, mutes

ADMIN = 9100
ADMINS_NOTICE = "周六海滩清洁，还需要5个人。"
ENVIRONMENT = ("environment",)


async def erased(bot: RunningBot, user_id: int) -> None:
    """The volunteer erased themselves (as `/delete_me` leaves them: no account, no name)."""
    async with steps.database(bot) as session:
        volunteer = await session.scalar(select(Volunteer).where(Volunteer.telegram_id == user_id))
        assert volunteer is not None
        volunteer.status, volunteer.telegram_id = "erased", None
        volunteer.full_name = volunteer.phone = None


def got(bot: RunningBot, text: str) -> set[int]:
    """Who received the notice."""
    return {
        user_id
        for user_id in range(1001, 1012)
        if any(m.text == text for m in bot.person(user_id).messages())
    }


async def by_theme(
    person: Person, themes: str, theme: str, done: str
) -> tuple[str | None, SentMessage, SentMessage]:
    """Choose an audience by one theme: the question, then whom it goes to and the count."""
    asked = (await person.press(themes)).last.text
    await person.press(theme)
    told, _, reach = (await person.press(done)).messages
    return asked, told, reach


async def test_a_call_by_theme_says_whom_it_reaches_and_reaches_exactly_them(
    bot: RunningBot,
) -> None:
    haicang = await steps.make_coordinator(bot, COORDINATOR)
    jimei = await steps.make_coordinator(bot, OTHER_COORDINATOR, "Jimei Team")
    await steps.member(bot, 1001, haicang, themes=ENVIRONMENT)  # reached by both
    await steps.member(bot, 1002, haicang, themes=ENVIRONMENT)  # reached by both
    muted = await steps.member(bot, 1003, haicang, themes=ENVIRONMENT)
    await muted.send("/notifications")
    await muted.press("🔇 Stop calls for volunteers")
    await steps.member(bot, 1004, haicang, themes=("environment", "events"))
    await mutes(bot, 1004, "environment")  # calls about this theme only
    blocked = await steps.member(bot, 1005, haicang, themes=ENVIRONMENT)
    await blocked.block()
    await steps.member(bot, 1006, haicang, themes=ENVIRONMENT)
    await erased(bot, 1006)
    await steps.member(bot, 1007, haicang, themes=("elderly",))  # another theme
    await steps.member(bot, 1008, jimei, themes=ENVIRONMENT)  # another team: the admin's only
    await steps.registered(bot, 1009, themes=ENVIRONMENT)  # in no team: the admin's only
    await bot.person(1010).send("/start")  # never registered
    async with steps.database(bot) as session:
        await roles.grant(session, ADMIN, "admin", team=None, now=bot.clock.now())

    # The coordinator: each audience chosen by a trait says it is their teams' members.
    coordinator = bot.person(COORDINATOR)
    await coordinator.send("/broadcast")
    await coordinator.send(NOTICE)
    await coordinator.press("No activity")
    reply = await coordinator.press("Districts…")
    assert reply.last.text == (
        "Choose the districts: the members of Haicang Team who live in any of them get it"
        " (tap again to unchoose), then tap Done."
    )
    await coordinator.press("⬅️ Back")
    asked, told, reach = await by_theme(
        coordinator, "Themes…", "Environmental protection", "Done ➡️"
    )
    assert asked == (
        "Choose the themes: the members of Haicang Team who like any of them get it"
        " (tap again to unchoose), then tap Done."
    )
    assert told.text == "To: the members of Haicang Team who like Environmental protection."
    assert reach.text == (
        "This call will reach 2 volunteers. The notice above is exactly what they will get."
        " Volunteers who turned such calls off are not counted and won't get it."
    )

    reply = await coordinator.press("📣 Send now")
    assert reply.alert == "Call #1 is going out now."
    assert reply.last.text == (
        "📣 Call #1: sending…\nIt is going out now; the figures appear here as it is sent."
    )
    await bot.run_background()
    assert got(bot, NOTICE) == {1001, 1002}
    progress = next(m for m in coordinator.messages() if m.message_id == reach.message_id)
    assert progress.text == (
        "✅ Call #1: finished.\nSent 2 · failed 0 · blocked the bot 0 · left 0 (of 2)"
    )

    # The admin (in Chinese): every volunteer who likes the theme, whatever their team.
    admin = await steps.registered(bot, ADMIN, "zh-CN")  # likes no theme: not reached
    await admin.send("/broadcast")
    await admin.send(ADMINS_NOTICE)
    await admin.press("不关联活动")
    asked, told, reach = await by_theme(admin, "按主题…", "生态环保", "完成 ➡️")
    assert asked == (
        "请选择主题：对其中任一主题感兴趣的所有志愿者都会收到（再点一次取消选择），然后点“完成”。"
    )
    assert told.text == "发送给：对生态环保感兴趣的所有志愿者。"
    assert reach.text == (
        "这条通知将发给4位志愿者。上面就是他们将看到的内容。"
        "关闭了此类通知的志愿者不计在内，也不会收到。"
    )

    reply = await admin.press("📣 立即发送")
    assert reply.alert == "招募通知 #2 正在发出。"
    assert reply.last.text == "📣 招募通知 #2：发送中…\n正在开始发送；这里会显示进度。"
    await bot.run_background()
    assert got(bot, ADMINS_NOTICE) == {1001, 1002, 1008, 1009}
    progress = next(m for m in admin.messages() if m.message_id == reach.message_id)
    assert (progress.text or "").startswith("✅ 招募通知 #2：已发送完毕。\n已发送4 ·")
