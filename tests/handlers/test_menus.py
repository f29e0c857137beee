"""The command menus come from the router, so they cannot drift from it; every text fits
Telegram's limits in both catalogs."""

from __future__ import annotations

import re

import pytest

from bot.texts import catalogs
from handlers import root_router
from handlers.menus import Menus, description_key
from models.teams.tables import Role

MENUS = Menus.of(root_router)
ROLES = (None, Role.ORGANISER, Role.COORDINATOR, Role.ADMIN)
# https://core.telegram.org/bots/api#botcommand, #setmycommands, #setmydescription,
# #setmyshortdescription
COMMAND = re.compile(r"[a-z0-9_]{1,32}")
COMMAND_DESCRIPTION_MAX = 256
COMMANDS_MAX = 100
DESCRIPTION_MAX = 512
SHORT_DESCRIPTION_MAX = 120


@pytest.mark.parametrize("role", ROLES)
def test_every_menu_command_is_one_the_router_serves_to_that_role(role: Role | None) -> None:
    names = MENUS.by_role[role]
    assert names and len(names) == len(set(names)) <= COMMANDS_MAX
    admitted = {None, role} | ({Role.COORDINATOR} if role is Role.ADMIN else set())
    for name in names:
        assert COMMAND.fullmatch(name)
        guarded = root_router.commands[name].guard.role
        assert set(guarded if isinstance(guarded, tuple) else (guarded,)) & admitted, name


def test_each_role_reads_its_own_commands_first_then_the_volunteers() -> None:
    volunteer = MENUS.by_role[None]
    coordinator = MENUS.by_role[Role.COORDINATOR]
    admin = MENUS.by_role[Role.ADMIN]
    assert volunteer[0] == "activities"
    assert coordinator[-len(volunteer) :] == volunteer and "manage" in coordinator
    assert admin[-len(coordinator) :] == coordinator and admin[:3] == ("new_team", "audit", "orgs")
    # An organisation admin's commands are a coordinator's too: holding both loses none.
    organiser = MENUS.by_role[Role.ORGANISER]
    assert set(organiser) <= set(coordinator) and {"stats", "export", "broadcast"} <= set(organiser)
    assert "manage" not in organiser
    assert {"start", "delete_me", "verify"}.isdisjoint(admin)  # kept out of the menus


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_every_text_fits_telegrams_limits(language: str) -> None:
    texts = catalogs()
    for name in MENUS.by_role[Role.ADMIN]:
        description = texts.get(language, description_key(name))
        assert 0 < len(description) <= COMMAND_DESCRIPTION_MAX and "\n" not in description
    assert 0 < len(texts.get(language, "menu.description")) <= DESCRIPTION_MAX
    assert 0 < len(texts.get(language, "menu.short_description")) <= SHORT_DESCRIPTION_MAX


def test_a_router_without_menu_entries_makes_empty_menus() -> None:
    assert Menus().commands(Role.ADMIN, catalogs(), "en") == ()


def test_each_roles_own_commands_are_those_its_menu_adds() -> None:
    """What /help lists under each role: its menu less the menu of the role below it."""
    texts = catalogs()
    admin = [c.command for c in MENUS.commands(Role.ADMIN, texts, "en", alone=True)]
    coordinator = [c.command for c in MENUS.commands(Role.COORDINATOR, texts, "en", alone=True)]
    assert admin == ["new_team", "audit", "orgs"]
    assert tuple(admin + coordinator) + MENUS.by_role[None] == MENUS.by_role[Role.ADMIN]
