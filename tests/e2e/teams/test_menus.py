"""The bot's command menus and descriptions, as Telegram shows them: set at start for each
language, a coordinator's own menu in their chat once they accept an invite, taken away when an
admin removes them, and an admin's set at start."""

from __future__ import annotations

import re

import pytest

from bot.local.harness import RunningBot
from bot.local.terminal import COORDINATOR_ID, Terminal
from models.teams import roles
from tests.e2e import steps

ADMIN = 9100
COORDINATOR = 9001
INVITE = re.compile(r"start=(inv_[A-Za-z0-9_-]+)")


def commands(bot: RunningBot, user_id: int) -> list[str]:
    return [entry["command"] for entry in bot.sandbox.menu(user_id)]


async def test_the_menus_and_descriptions_are_set_for_each_language_at_start(
    bot: RunningBot,
) -> None:
    chinese = bot.person(1001, language_code="zh-hans")
    english = bot.person(1002, language_code="en-GB")
    other = bot.person(1003, language_code="fr")
    api = bot.sandbox.api
    in_chinese = bot.sandbox.menu(chinese.id)
    in_english = bot.sandbox.menu(english.id)
    assert "activities" in [entry["command"] for entry in in_chinese]
    assert [e["command"] for e in in_chinese] == [e["command"] for e in in_english]
    assert {"manage", "audit", "start"}.isdisjoint(commands(bot, chinese.id))
    described = {e["command"]: e["description"] for e in in_chinese}
    assert described["activities"] == "查找活动、报名班次"
    assert {e["command"]: e["description"] for e in in_english}["activities"] == (
        "Browse activities and sign up"
    )
    # Anyone else reads the deployment's default language (English in the tests).
    assert bot.sandbox.menu(other.id) == in_english
    assert set(api.descriptions) == {"", "zh", "en"}
    assert set(api.short_descriptions) == {"", "zh", "en"}
    assert "志愿" in api.descriptions["zh"] and "volunteer" in api.descriptions["en"]
    assert api.descriptions[""] == api.descriptions["en"]


async def test_a_coordinator_gets_their_menu_with_the_role_and_loses_it_with_it(
    bot: RunningBot,
) -> None:
    async with steps.database(bot) as session:
        await roles.grant(session, ADMIN, "admin", team=None, now=bot.clock.now())
    boss = await steps.registered(bot, ADMIN, name="Admin")
    coordinator = await steps.registered(bot, COORDINATOR, "zh-CN", name="Coordinator")
    volunteer_menu = commands(bot, COORDINATOR)
    assert "manage" not in volunteer_menu

    await boss.send("/new_team")
    await boss.send("Jimei Seniors")
    await boss.press("Jimei Seniors")
    await boss.press("🧑‍💼 Coordinators")
    invite = await boss.press("✉️ Invite a coordinator")
    link = INVITE.search(invite.text)
    assert link is not None
    await coordinator.send(f"/start {link.group(1)}")
    scope = bot.sandbox.api.commands_in_chat(COORDINATOR)
    assert scope is not None
    assert {"manage", "broadcast", "activities"} <= {e["command"] for e in scope}
    assert "audit" not in {e["command"] for e in scope}
    # In the coordinator's own language (Chinese), whatever their Telegram app's language.
    assert {e["command"]: e["description"] for e in scope}["activities"] == "查找活动、报名班次"
    assert "manage" in commands(bot, COORDINATOR)

    await boss.send("/team")
    await boss.press("Jimei Seniors")
    await boss.press("🧑‍💼 Coordinators")
    await boss.press("Remove Coordinator")
    assert bot.sandbox.api.commands_in_chat(COORDINATOR) is None
    assert commands(bot, COORDINATOR) == volunteer_menu

    # The admin granted while the bot ran gets theirs when it starts again.
    assert bot.sandbox.api.commands_in_chat(ADMIN) is None
    await bot.restart()
    admin_menu = bot.sandbox.api.commands_in_chat(ADMIN)
    assert admin_menu is not None
    assert {"audit", "new_team", "manage", "help"} <= {e["command"] for e in admin_menu}


async def test_the_terminal_shows_the_personas_menu(
    bot: RunningBot, capsys: pytest.CaptureFixture[str]
) -> None:
    await steps.make_coordinator(bot, COORDINATOR_ID)
    await bot.restart()  # the coordinator's own menu is set at start
    terminal = Terminal(bot)
    await terminal.handle(":menu")
    shown = capsys.readouterr().out
    assert "/activities – 查找活动、报名班次" in shown and "/manage" not in shown
    await terminal.handle(":as coordinator")
    await terminal.handle(":menu")
    assert "/manage – " in capsys.readouterr().out


async def test_help_lists_the_commands_of_each_role_the_person_holds(bot: RunningBot) -> None:
    """/help names what each menu offers: a newcomer's, a volunteer's, a coordinator's and an
    admin's commands, combined for whoever holds several, registered or not."""
    manage, audit = "/manage – Rosters, links, edit or cancel activities", "/audit – Who did what"
    hours = "/hours – My service hours and star level"
    await steps.make_coordinator(bot, COORDINATOR, "Jimei Seniors")
    async with steps.database(bot) as session:
        await roles.grant(session, ADMIN, "admin", team=None, now=bot.clock.now())

    newcomer = (await bot.person(1001, language_code="en").send("/help")).text
    assert "/start – register as a volunteer" in newcomer
    assert manage not in newcomer and hours not in newcomer

    coordinator = (await bot.person(COORDINATOR, language_code="en").send("/help")).text
    assert "/start – register as a volunteer" in coordinator  # not a volunteer (yet)
    assert manage in coordinator and "/help_requests – Residents' requests for help" in coordinator
    assert audit not in coordinator and hours not in coordinator

    admin = (await bot.person(ADMIN, language_code="en").send("/help")).text
    assert manage in admin and audit in admin and "/new_team – Create a team" in admin

    volunteer = await steps.registered(bot, 1002)
    shown = (await volunteer.send("/help")).text
    assert hours in shown and "/verify – check a service certificate's code" in shown
    assert manage not in shown and "/start – register" not in shown
    registered = await steps.registered(bot, COORDINATOR)
    both = (await registered.send("/help")).text
    assert hours in both and manage in both and audit not in both
