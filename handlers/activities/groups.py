"""Groups and channels: the bot remembers where it was added (and by whom), so coordinators can
post activity cards there."""

from __future__ import annotations

from handlers.context import Context
from handlers.router import Router
from models.activities import groups
from models.activities.groups import ChatKind

router = Router()


@router.on_membership
async def membership_changed(ctx: Context) -> None:
    """The bot was added to or removed from a group or channel."""
    event = ctx.event
    if event.chat_type == "private" or event.blocked is None:
        return
    await groups.remember_membership(
        ctx.session,
        chat_id=event.chat_id,
        title=event.chat_title or "",
        kind=ChatKind(event.chat_type),
        added_by=event.sender.id,
        active=not event.blocked,
        now=ctx.clock.now(),
    )
