"""The command menus Telegram shows beside the message box, and the bot's descriptions.

The menu button beside the message box opens the Mini App dashboard when PUBLIC_URL is https.

The menus are derived from the router: a command registered with `menu=<place>` is in the menu
of those its guard admits — volunteers' (no role) for everyone, an organisation admin's adding
theirs (figures, exports, calls), a coordinator's adding the coordinator commands (which include
the organisation admins'), an admin's adding the admin ones — so a menu cannot name a command the
bot does not have, and its description is the catalogs' `menu.<command>`.

Everyone's menu is set per language (the Bot API's two-letter code; plus one, in the
deployment's language, for users whose app speaks neither) for all private chats, so group
chats show none. A coordinator's or admin's menu is set for their own private chat (Telegram's
`BotCommandScopeChat`) without a language code, in the language they chose in the bot, which may
not be their app's; it is set again or taken away whenever their role changes, and at start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.events import (
    Action,
    DeleteCommands,
    MenuCommand,
    SetCommands,
    SetDescriptions,
    SetMenuButton,
)
from handlers.languages import telegram_code
from models.registration import volunteers
from models.teams import roles
from models.teams.tables import Role

if TYPE_CHECKING:
    from handlers.router import Router
    from handlers.services import Services, Texts

log = logging.getLogger(__name__)
# Between two per-person menus set at start: Telegram publishes no limit for these calls, so
# stay far below its general 30 requests a second (a 429 is waited out by the adapter anyway).
PACE_S = 0.1
# Whose menu someone holding several roles gets: the first of these they hold.
MENU_ROLES = (Role.ADMIN, Role.COORDINATOR, Role.ORGANISER)


def description_key(command: str) -> str:
    return f"menu.{command}"


@dataclass(frozen=True)
class Menus:
    """The commands (in menu order) that each role's guard names, that role's alone (`None`:
    the volunteers'); a role's menu (`by_role`) adds those of the roles it holds besides."""

    held: Mapping[Role | None, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, router: Router) -> Menus:
        entries = sorted(
            (route.menu, name, _roles(route.guard.role))
            for name, route in router.commands.items()
            if route.menu is not None
        )
        return cls(
            {
                role: tuple(name for _, name, held in entries if role in held)
                for role in (None, *Role)
            }
        )

    @property
    def by_role(self) -> Mapping[Role | None, tuple[str, ...]]:
        held = self.held
        volunteer = held.get(None, ())
        # Staff read their own commands first; a coordinator's include an organisation admin's.
        coordinator = _once(held.get(Role.COORDINATOR, ()), held.get(Role.ORGANISER, ()), volunteer)
        return {
            None: volunteer,
            Role.ORGANISER: held.get(Role.ORGANISER, ()) + volunteer,
            Role.COORDINATOR: coordinator,
            Role.ADMIN: _once(held.get(Role.ADMIN, ()), coordinator),
        }

    def commands(
        self, role: Role | None, texts: Texts, language: str, *, alone: bool = False
    ) -> tuple[MenuCommand, ...]:
        """The menu of `role`, or (`alone`) only the commands of that role itself."""
        names = (self.held if alone else self.by_role).get(role, ())
        return tuple(
            MenuCommand(name, texts.get(language, description_key(name))) for name in names
        )


def _roles(role: Role | tuple[Role, ...] | None) -> tuple[Role | None, ...]:
    return role if isinstance(role, tuple) else (role,)


def _once(*menus: tuple[str, ...]) -> tuple[str, ...]:
    """The menus one after the other, each command once."""
    return tuple(dict.fromkeys(name for menu in menus for name in menu))


def dashboard_url(public_url: str) -> str | None:
    """The Mini App dashboard's address, if Telegram can open it (only https)."""
    return f"{public_url}/app/" if public_url.startswith("https://") else None


def public_setup(services: Services) -> list[Action]:
    """Everyone's menu and the descriptions, in each language and in the deployment's for the
    rest; and the chats' menu button opening the dashboard, when there is one (its one label
    in the deployment's language: Telegram's default menu button has no per-language text)."""
    texts, menus = services.texts, services.menus
    languages = [(language, telegram_code(language)) for language in texts.languages]
    languages.append((services.deployment.default_language, ""))
    actions: list[Action] = []
    for language, code in languages:
        actions.append(SetCommands(menus.commands(None, texts, language), language=code))
        actions.append(
            SetDescriptions(
                texts.get(language, "menu.description"),
                texts.get(language, "menu.short_description"),
                language=code,
            )
        )
    url = dashboard_url(services.deployment.public_url)
    if url is not None:
        label = texts.get(services.deployment.default_language, "dashboard_chat.menu_button")
        actions.append(SetMenuButton(label, url))
    return actions


async def role_of(
    session: AsyncSession, telegram_id: int, admin_ids: frozenset[int]
) -> Role | None:
    """The role whose menu someone gets: admin, coordinator, organisation admin, or None (a
    volunteer)."""
    if telegram_id in admin_ids:
        return Role.ADMIN
    granted = await roles.held(session, telegram_id)
    return next((role for role in MENU_ROLES if role in granted), None)


async def own_menu(session: AsyncSession, services: Services, telegram_id: int) -> Action:
    """What puts someone's own menu right for the role they hold now: their role's commands in
    their chat, in their language; for a plain volunteer, none of their own (they see
    everyone's). Carried out with the update's reply, once its transaction has committed."""
    deployment = services.deployment
    role = await role_of(session, telegram_id, deployment.admin_ids)
    if role is None:
        return DeleteCommands(telegram_id)
    language = await volunteers.language_of(session, telegram_id)
    return SetCommands(
        services.menus.commands(role, services.texts, language or deployment.default_language),
        chat_id=telegram_id,
    )


async def publish(services: Services, *, pace_s: float = PACE_S) -> None:
    """At start: everyone's menus and the descriptions, then each staff member's own menu, one
    at a time `pace_s` apart. Meant to run in the background: sends never raise (the port logs
    failures), and anything else is logged, never lets the bot fail to start.

    Everything is set again at every start rather than skipped when unchanged: the calls are few
    (six, and one per staff member), harmless to repeat, and a stored fingerprint would miss a
    menu changed elsewhere (another deployment on the same token, BotFather)."""
    port = services.send
    try:
        for action in public_setup(services):
            await port.perform(action)
        async with services.sessions() as session:
            people = await roles.holders(session, services.deployment.admin_ids)
        for telegram_id in people:
            async with services.sessions() as session:
                action = await own_menu(session, services, telegram_id)
            await port.perform(action)
            await asyncio.sleep(pace_s)
    except Exception:
        log.exception("setting the command menus failed; they are set again at the next start")
