"""Commands that work anywhere: /help and /cancel; replies to what the bot does not understand;
and noticing when a user blocks or unblocks the bot."""

from __future__ import annotations

from handlers import menus
from handlers.context import Context
from handlers.events import RemoveKeyboard
from handlers.router import Router
from models.teams.tables import Role

router = Router()


# Whose own commands /help lists after the volunteers', for each role (an admin holds both).
STAFF_SECTIONS: dict[Role | None, tuple[Role, ...]] = {
    None: (),
    Role.ORGANISER: (Role.ORGANISER,),
    Role.COORDINATOR: (Role.COORDINATOR,),
    Role.ADMIN: (Role.COORDINATOR, Role.ADMIN),
}


@router.command("help", menu=110)
async def show_help(ctx: Context) -> None:
    """The user asked what the bot can do: what their menus offer, for each role they hold (a
    newcomer's way in, else the volunteers' commands; an organisation admin's; a coordinator's;
    an admin's)."""
    if ctx.volunteer is None:
        parts = [ctx.t("general.help_newcomer").rstrip()]
    else:
        also = ctx.t("general.help_also").rstrip()
        parts = [_section(ctx, "general.help_registered", None) + "\n" + also]
    role = await menus.role_of(ctx.session, ctx.user_id, ctx.deployment.admin_ids)
    parts += [_section(ctx, f"general.help_{held}", held) for held in STAFF_SECTIONS[role]]
    ctx.say("\n\n".join(parts))


def _section(ctx: Context, header: str, role: Role | None) -> str:
    """A header, then a line per command of `role`'s own menu, as the menu describes it."""
    commands = ctx.services.menus.commands(role, ctx.texts, ctx.lang, alone=True)
    lines = [
        ctx.t("general.help_line", command=c.command, description=c.description) for c in commands
    ]
    return "\n".join([ctx.t(header), *lines])


@router.command("cancel", menu=120)
async def cancel(ctx: Context) -> None:
    """The user wants out of the current conversation; nothing unconfirmed is kept."""
    if ctx.state.flow is None:
        ctx.say(ctx.t("general.nothing_to_cancel"), RemoveKeyboard())
        return
    ctx.finish()
    ctx.say(ctx.t("general.cancelled"), RemoveKeyboard())


@router.otherwise
async def not_understood(ctx: Context) -> None:
    """A message outside any conversation step."""
    key = "general.not_understood" if ctx.volunteer is not None else "general.not_registered"
    ctx.say(ctx.t(key))


@router.on_membership
async def reachability_changed(ctx: Context) -> None:
    """The user blocked or unblocked the bot: stop or resume messaging them."""
    private = ctx.event.chat_type == "private"
    if private and ctx.volunteer is not None and ctx.event.blocked is not None:
        ctx.volunteer.reachable = not ctx.event.blocked
