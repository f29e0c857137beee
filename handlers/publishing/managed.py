"""What a coordinator's button names, once the presser is shown to manage it. Every management
button asks here, on the server, whatever the button claims: a volunteer pressing a forged or
forwarded one is refused and nothing changes."""

from __future__ import annotations

from handlers.context import Context
from models.activities.tables import Activity, Shift
from models.errors import Conflict
from models.publishing import publication
from models.teams import roles


async def activity(ctx: Context, activity_id: int) -> Activity:
    found = await publication.get_activity(ctx.session, activity_id)
    await roles.require_manager(ctx.session, ctx.user_id, found.team_id, ctx.deployment.admin_ids)
    return found


async def shift(ctx: Context, shift_id: int) -> tuple[Shift, Activity]:
    found = await ctx.session.get(Shift, shift_id)
    if found is None:
        raise Conflict("shift_gone")
    return found, await activity(ctx, found.activity_id)
