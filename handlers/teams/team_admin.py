"""Teams, for coordinators and admins: `/team` lists the teams they run, each with its members,
requests to join (approve or decline), and its join link and QR code; admins also create teams
(`/new_team`), see and revoke a team's coordinators, and invite a new one with a one-time link.
Every button checks the role again on the server, and every change is audited."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from sqlalchemy import select

from handlers import formatting
from handlers.activities import links
from handlers.callbacks import Press
from handlers.context import Context, in_rows, keyboard
from handlers.events import SendPhoto
from handlers.notify import notifier
from handlers.router import Router
from models.errors import Conflict, InvalidInput, NotAllowed
from models.registration.tables import Volunteer
from models.teams import membership, roles
from models.teams.tables import RoleGrant, Team

router = Router()
FLOW = "new_team"
MEMBERS_SHOWN = 50
INVITE_LINK_PREFIX = "inv"
INVITE_VALID = timedelta(days=7)


class Step(StrEnum):
    NAME = "name"


async def _managed(ctx: Context, team_id: int) -> Team:
    team = await ctx.session.get(Team, team_id)
    if team is None:
        raise Conflict("team_gone")
    await roles.require_manager(ctx.session, ctx.user_id, team.id, ctx.deployment.admin_ids)
    return team


async def _require_admin(ctx: Context) -> None:
    if not await roles.is_admin(ctx.session, ctx.user_id, ctx.deployment.admin_ids):
        raise NotAllowed("not_admin")


@router.command("team")
async def list_teams(ctx: Context) -> None:
    """A coordinator asked for the teams they run."""
    managed = await roles.managed_teams(ctx.session, ctx.user_id, ctx.deployment.admin_ids)
    if not managed:
        ctx.say(ctx.t("manage.not_coordinator"))
        return
    buttons = [ctx.lasting_button(t.name[:40], "ta.show", t.id) for t in managed]
    ctx.say(ctx.t("team_admin.header"), keyboard(*in_rows(buttons, 1)))


@router.button("ta.show", lasting=True)
async def show(ctx: Context, press: Press) -> None:
    """The coordinator opened one of their teams."""
    team = await _managed(ctx, int(press.args[0]))
    active = await membership.members(ctx.session, team.id, status="active")
    pending = await membership.members(ctx.session, team.id, status="pending")
    b = ctx.lasting_button
    rows = [
        [b(ctx.t("team_admin.members", count=len(active)), "ta.members", team.id)],
        [b(ctx.t("team_admin.requests", count=len(pending)), "ta.requests", team.id)],
        [b(ctx.t("team_admin.link"), "ta.link", team.id)],
    ]
    if await roles.is_admin(ctx.session, ctx.user_id, ctx.deployment.admin_ids):
        rows.append([b(ctx.t("team_admin.coordinators"), "ta.coords", team.id)])
    ctx.say(ctx.t("team_admin.card", team=team.name), keyboard(*rows))


@router.button("ta.members", lasting=True)
async def members(ctx: Context, press: Press) -> None:
    """The coordinator wants to see who is in the team (phone numbers: coordinators only)."""
    team = await _managed(ctx, int(press.args[0]))
    found = await membership.members(ctx.session, team.id, status="active", limit=MEMBERS_SHOWN)
    lines = [ctx.t("team_admin.members_header", team=team.name)]
    for volunteer, joined in found:
        day = formatting.day(ctx.texts, ctx.lang, joined, ctx.deployment.zone)
        lines.append(
            ctx.t(
                "team_admin.member",
                name=volunteer.full_name or "—",
                phone=volunteer.phone or "—",
                joined=day,
            )
        )
    if not found:
        lines.append(ctx.t("team_admin.no_members"))
    ctx.say("\n".join(lines))


@router.button("ta.requests", lasting=True)
async def requests(ctx: Context, press: Press) -> None:
    """The coordinator wants to see who asked to join."""
    team = await _managed(ctx, int(press.args[0]))
    pending = await membership.members(ctx.session, team.id, status="pending")
    if not pending:
        ctx.say(ctx.t("team_admin.no_requests", team=team.name))
        return
    b = ctx.lasting_button
    for volunteer, _ in pending:
        ctx.say(
            ctx.t("teams.request", name=volunteer.full_name or "—", team=team.name),
            keyboard(
                [
                    b(ctx.t("teams.approve"), "ta.yes", team.id, volunteer.id),
                    b(ctx.t("teams.decline"), "ta.no", team.id, volunteer.id),
                ]
            ),
        )


@router.button("ta.yes", lasting=True)
async def approve(ctx: Context, press: Press) -> None:
    """The coordinator let the volunteer in."""
    await _decide(ctx, press, approve=True)


@router.button("ta.no", lasting=True)
async def decline(ctx: Context, press: Press) -> None:
    """The coordinator turned the request down."""
    await _decide(ctx, press, approve=False)


async def _decide(ctx: Context, press: Press, *, approve: bool) -> None:
    team = await _managed(ctx, int(press.args[0]))
    volunteer = await ctx.session.get(Volunteer, int(press.args[1]))
    if volunteer is None:
        raise Conflict("request_gone")
    await membership.decide(
        ctx.session,
        actor=ctx.user_id,
        team_id=team.id,
        volunteer_id=volunteer.id,
        approve=approve,
        now=ctx.clock.now(),
    )
    outcome = "approved" if approve else "declined"
    name = volunteer.full_name or "—"
    ctx.edit_pressed(ctx.t(f"team_admin.{outcome}", name=name, team=team.name))
    if volunteer.telegram_id is not None:
        notify = notifier(ctx)
        text = notify.text(volunteer.language, f"teams.told_{outcome}", team=team.name)
        notify.send(volunteer.telegram_id, text)


@router.button("ta.link", lasting=True)
async def join_link(ctx: Context, press: Press) -> None:
    """The coordinator wants the team's join link and a QR code to print."""
    team = await _managed(ctx, int(press.args[0]))
    url = ctx.deep_link(f"team_{team.join_token}")
    caption = ctx.t("team_admin.link_caption", team=team.name, link=url)
    ctx.outbox.add(SendPhoto(ctx.event.chat_id, "team.png", links.qr_png(url), caption=caption))


# ---- admins: coordinators, invites, new teams -------------------------------------------


@router.button("ta.coords", lasting=True)
async def coordinators(ctx: Context, press: Press) -> None:
    """An admin opened a team's coordinators."""
    await _require_admin(ctx)
    team = await _managed(ctx, int(press.args[0]))
    grants = await roles.coordinators_of(ctx.session, team.id)
    lines = [ctx.t("team_admin.coords_header", team=team.name)]
    b = ctx.lasting_button
    rows = []
    for grant in grants:
        name = await _name_of(ctx, grant)
        lines.append(ctx.t("team_admin.coord", name=name, telegram_id=grant.telegram_id))
        rows.append([b(ctx.t("team_admin.revoke", name=name[:30]), "ta.revoke", grant.id)])
    if not grants:
        lines.append(ctx.t("team_admin.no_coords"))
    rows.append([b(ctx.t("team_admin.invite"), "ta.invite", team.id)])
    ctx.say("\n".join(lines), keyboard(*rows))


async def _name_of(ctx: Context, grant: RoleGrant) -> str:
    volunteer = await ctx.session.scalar(
        select(Volunteer).where(Volunteer.telegram_id == grant.telegram_id)
    )
    return (volunteer.full_name if volunteer else None) or str(grant.telegram_id)


@router.button("ta.revoke", lasting=True)
async def revoke(ctx: Context, press: Press) -> None:
    """An admin took a coordinator's role away."""
    await _require_admin(ctx)
    grant = await ctx.session.get(RoleGrant, int(press.args[0]))
    if grant is None or grant.team_id is None:
        raise Conflict("role_gone")
    team = await _managed(ctx, grant.team_id)
    name = await _name_of(ctx, grant)
    await roles.revoke(ctx.session, grant.id, actor=ctx.user_id, now=ctx.clock.now())
    ctx.edit_pressed(ctx.t("team_admin.revoked", name=name, team=team.name))


@router.button("ta.invite", lasting=True)
async def invite(ctx: Context, press: Press) -> None:
    """An admin wants a one-time link to make someone a coordinator of the team."""
    await _require_admin(ctx)
    team = await _managed(ctx, int(press.args[0]))
    made = await roles.invite(
        ctx.session, team, actor=ctx.user_id, now=ctx.clock.now(), valid_for=INVITE_VALID
    )
    until = formatting.moment(ctx.texts, ctx.lang, made.expires_at, ctx.deployment.zone)
    url = ctx.deep_link(f"{INVITE_LINK_PREFIX}_{made.token}")
    ctx.say(ctx.t("team_admin.invite_made", team=team.name, link=url, until=until))


@router.deep_link(INVITE_LINK_PREFIX, anyone=True)
async def accept_invite(ctx: Context, token: str) -> None:
    """Someone opened a coordinator invite."""
    team = await roles.accept_invite(ctx.session, token, ctx.user_id, now=ctx.clock.now())
    ctx.say(ctx.t("team_admin.invite_accepted", team=team.name))


@router.command("new_team")
async def ask_name(ctx: Context) -> None:
    """An admin wants a new team: its name?"""
    await _require_admin(ctx)
    ctx.finish()
    ctx.go(FLOW, Step.NAME)
    ctx.say(ctx.t("team_admin.ask_name"))


@router.step(FLOW, Step.NAME)
async def got_name(ctx: Context) -> None:
    """The admin typed the team's name."""
    await _require_admin(ctx)
    name = (ctx.event.text or "").strip()
    if not 2 <= len(name) <= 128:
        raise InvalidInput("team_name_invalid")
    team = await roles.create_team(ctx.session, name, now=ctx.clock.now(), actor=ctx.user_id)
    ctx.finish()
    ctx.say(
        ctx.t("team_admin.created", team=team.name),
        keyboard([ctx.lasting_button(team.name[:40], "ta.show", team.id)]),
    )
