"""The team a coordinator's button names, once the presser is shown to manage it (a coordinator
of the team, or an admin): asked on the server, whatever the button claims."""

from __future__ import annotations

from handlers.context import Context
from models.errors import Conflict
from models.teams import roles
from models.teams.tables import Team


async def team(ctx: Context, team_id: int) -> Team:
    found = await ctx.session.get(Team, team_id)
    if found is None:
        raise Conflict("team_gone")
    await roles.require_manager(ctx.session, ctx.user_id, found.id, ctx.deployment.admin_ids)
    return found
