"""Joining and leaving teams, for volunteers: a team's link or QR code (`team_<token>`) joins
at once; a request to join (from a team's card in the directory) goes to the team's
coordinators, whose answer comes back here; a volunteer leaves a team from `/teams`."""

from __future__ import annotations

from handlers.callbacks import OnTeam
from handlers.context import Context, keyboard
from handlers.notify import notifier
from handlers.router import Router
from handlers.teams.team_admin import ApproveJoinRequest, DeclineJoinRequest
from models.errors import Conflict
from models.teams import membership, roles
from models.teams.tables import Team

router = Router()
TEAM_LINK_PREFIX = "team"


async def team_of(ctx: Context, team_id: int) -> Team:
    team = await ctx.session.get(Team, team_id)
    if team is None:
        raise Conflict("team_gone")
    return team


class AskToJoin(OnTeam, action="tm.ask", lasting=True):
    """The volunteer asks to join a team."""


@router.button(AskToJoin, registered=True, refusal="register_first")
async def ask(ctx: Context, request: AskToJoin) -> None:
    """The volunteer asked to join: the team's coordinators are asked to decide."""
    volunteer = ctx.registered_volunteer
    team = await team_of(ctx, request.team_id)
    await membership.ask_to_join(ctx.session, volunteer, team, now=ctx.clock.now())
    notify = notifier(ctx)
    for telegram_id in await roles.coordinator_ids(ctx.session, team.id):
        language = await notify.language_of(telegram_id)
        text = notify.text(
            language, "teams.request", name=volunteer.full_name or "—", team=team.name
        )
        notify.send(
            telegram_id,
            text,
            [
                notify.button(
                    telegram_id,
                    language,
                    "teams.approve",
                    ApproveJoinRequest(team.id, volunteer.id),
                ),
                notify.button(
                    telegram_id,
                    language,
                    "teams.decline",
                    DeclineJoinRequest(team.id, volunteer.id),
                ),
            ],
        )
    ctx.edit_pressed(ctx.t("teams.asked", team=team.name))


@router.deep_link(TEAM_LINK_PREFIX)
async def open_link(ctx: Context, token: str) -> None:
    """Someone opened a team's link or QR code: they join at once (it waited until they had
    registered)."""
    volunteer = ctx.registered_volunteer
    team = await membership.team_by_token(ctx.session, token)
    await membership.join(ctx.session, volunteer, team, now=ctx.clock.now())
    ctx.say(ctx.t("teams.joined", team=team.name))


class LeaveTeam(OnTeam, action="tm.leave", lasting=True):
    """The volunteer wants to leave a team (asked to confirm)."""


@router.button(LeaveTeam)
async def ask_leave(ctx: Context, leaving: LeaveTeam) -> None:
    """The volunteer wants to leave a team: ask first."""
    team = await team_of(ctx, leaving.team_id)
    ctx.say(
        ctx.t("teams.confirm_leave", team=team.name),
        keyboard([ctx.button(ctx.t("teams.leave_yes"), ConfirmLeaveTeam(team.id))]),
    )


class ConfirmLeaveTeam(OnTeam, action="tm.leave_ok", lasting=True):
    """The volunteer confirmed leaving a team."""


@router.button(ConfirmLeaveTeam, registered=True, refusal="register_first")
async def leave(ctx: Context, leaving: ConfirmLeaveTeam) -> None:
    """The volunteer confirmed leaving the team."""
    team = await team_of(ctx, leaving.team_id)
    await membership.leave(ctx.session, ctx.registered_volunteer, team.id, now=ctx.clock.now())
    ctx.edit_pressed(ctx.t("teams.left", team=team.name))
