"""What a coordinator's button names, once the presser is shown to manage it. Every management
button asks here, on the server, whatever the button claims: a volunteer pressing a forged or
forwarded one is refused and nothing changes."""

from __future__ import annotations

from handlers.context import Context
from models.activities.tables import Activity, Shift
from models.publishing import publication


async def activity(ctx: Context, activity_id: int) -> Activity:
    return await publication.managed_activity(
        ctx.session, ctx.user_id, activity_id, ctx.deployment.admin_ids
    )


async def shift(ctx: Context, shift_id: int) -> tuple[Shift, Activity]:
    return await publication.managed_shift(
        ctx.session, ctx.user_id, shift_id, ctx.deployment.admin_ids
    )
