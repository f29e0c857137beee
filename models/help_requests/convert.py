"""Turning a help request into an activity: the teams whose activity it may become, an activity
plan prefilled with what the request says (what, which kind, where), and publishing it linked to
the request, which is then `converted`. Its volunteers then sign up as for any activity.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities.tables import Activity
from models.help_requests.tables import HelpDispatch, HelpRequest, HelpRequestStatus
from models.help_requests.triage import _record, _state, _take, kind_theme, may_start
from models.publishing import activity_input, publication
from models.publishing.publication import ActivityPlan
from models.teams import roles
from models.teams.tables import Team


async def convert_teams(
    session: AsyncSession, request: HelpRequest, telegram_id: int, admin_ids: Collection[int]
) -> list[Team]:
    """The teams whose activity the request may become: those it was dispatched to that this
    person manages (an admin: any of them, or any team at all when it went to the admins)."""
    managed = await roles.managed_teams(session, telegram_id, admin_ids)
    dispatched = set(
        await session.scalars(
            select(HelpDispatch.team_id).where(HelpDispatch.help_request_id == request.id)
        )
    )
    fitting = [team for team in managed if team.id in dispatched]
    admin = await roles.is_admin(session, telegram_id, admin_ids)
    return fitting or (managed if admin and not dispatched else [])


async def prefilled_plan(
    session: AsyncSession, request: HelpRequest, *, title: str, team_id: int | None
) -> ActivityPlan:
    """An activity plan with what the request already says: what, which kind, where."""
    theme = await kind_theme(session, request.kind)
    return ActivityPlan(
        title=title[: activity_input.TITLE_MAX_CHARS],
        description=request.description,
        theme_id=theme.id,
        team_id=team_id,
        district_id=request.district_id,
    )


async def convert(
    session: AsyncSession, request: HelpRequest, plan: ActivityPlan, *, actor: int, now: datetime
) -> Activity:
    """Publish the activity the request becomes and link the two."""
    may_start(request, "convert")
    before = _state(request)
    activity = await publication.publish(session, plan, created_by=actor, now=now)
    _take(request, actor)
    request.status = HelpRequestStatus.CONVERTED
    request.activity_id = activity.id
    _record(session, request, "convert", actor, now, before)
    return activity
