"""Commands that work anywhere: /help and /cancel; replies to what the bot does not understand;
and noticing when a user blocks or unblocks the bot."""

from __future__ import annotations

from handlers.context import Context
from handlers.events import RemoveKeyboard
from handlers.router import Router
from models.teams import roles

router = Router()


@router.command("help", menu=110)
async def show_help(ctx: Context) -> None:
    """The user asked what the bot can do."""
    if ctx.volunteer is None:
        ctx.say(ctx.t("general.help_newcomer"))
        return
    text = ctx.t("general.help_registered")
    if await roles.managed_teams(ctx.session, ctx.user_id, ctx.deployment.admin_ids):
        text += "\n\n" + ctx.t("general.help_coordinator")
    ctx.say(text)


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
