"""/dashboard in the chat (and the chats' menu button, `handlers.menus`): both open the Mini App
(`bot/webapp.py`) at PUBLIC_URL/app/. Telegram opens only https Mini Apps, so without an https
PUBLIC_URL there is no dashboard button (the sandbox's terminal prints a local address instead:
`:dashboard`)."""

from __future__ import annotations

from handlers.context import Context, keyboard
from handlers.events import InlineButton
from handlers.menus import dashboard_url
from handlers.router import Router

router = Router()


@router.command("dashboard", menu=25)
async def open_dashboard(ctx: Context) -> None:
    """Someone asked for the dashboard (volunteers and coordinators alike: the page shows what
    their roles allow, checked again by the API on every request)."""
    url = dashboard_url(ctx.deployment.public_url)
    if url is None:
        ctx.say(ctx.t("dashboard_chat.unavailable"))
        return
    button = InlineButton(ctx.t("dashboard_chat.open"), web_app=url)
    ctx.say(ctx.t("dashboard_chat.intro"), keyboard([button]))
