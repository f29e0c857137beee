"""Teams, for coordinators and admins: `/team` lists the teams they run, each with its members,
requests to join (approve or decline), and its join link and QR code (replaced in
`handlers.teams.invites`); admins also create teams (`/new_team`), see and revoke a team's
coordinators, and invite a new one with a one-time link (pending ones are withdrawn in
`invites`). Every button checks the role again on the server, and every change is audited."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from enum import StrEnum
from functools import partial

from handlers import formatting, menus, paging
from handlers.callbacks import Button, OnTeam
from handlers.context import Context, keyboard
from handlers.events import InlineButton
from handlers.flows import Flow
from handlers.notify import notifier
from handlers.router import Router
from handlers.teams import managed
from handlers.teams.invites import ListInvites, ReplaceJoinLink, send_join_link
from models.errors import Conflict, NotAllowed
from models.registration.tables import Volunteer
from models.teams import membership, roles
from models.teams.tables import MemberStatus, Role, RoleGrant, Team

router = Router()
REQUESTS_SHOWN = 50  # a message each, with its buttons: the latest; decided ones make room
INVITE_LINK_PREFIX = "inv"
INVITE_VALID = timedelta(days=7)


class Step(StrEnum):
    NAME = "name"


# /new_team: one question, the team's name.
NEW_TEAM = Flow("new_team", Step, starts=(Step.NAME,), moves={})


def team_choices(
    ctx: Context, teams: Iterable[Team], button: Callable[[int], Button]
) -> list[list[InlineButton]]:
    """A button per team, one to a row, named as much as a button shows of the team's name."""
    return ctx.choices({team.id: team.name[:40] for team in teams}, button)


@router.command("team", menu=70, role=Role.COORDINATOR, refusal="team_not_coordinator")
async def list_teams(ctx: Context) -> None:
    """A coordinator asked for the teams they run."""
    teams = await roles.managed_teams(ctx.session, ctx.user_id, ctx.deployment.admin_ids)
    if not teams:
        # An admin before any team exists (or a role whose team is gone): refused as before.
        raise NotAllowed("team_not_coordinator")
    ctx.say(ctx.t("team_admin.header"), keyboard(*team_choices(ctx, teams, ManageTeam)))


class ManageTeam(OnTeam, action="ta.show", lasting=True):
    """A coordinator opened one of the teams they run."""


@router.button(ManageTeam)
async def show(ctx: Context, opened: ManageTeam) -> None:
    """The coordinator opened one of their teams."""
    team = await managed.team(ctx, opened.team_id)
    active = await membership.count(ctx.session, team.id, status=MemberStatus.ACTIVE)
    pending = await membership.count(ctx.session, team.id, status=MemberStatus.PENDING)
    b = ctx.button
    rows = [
        [b(ctx.t("team_admin.members", count=active), ListMembers(team.id))],
        [b(ctx.t("team_admin.requests", count=pending), ListJoinRequests(team.id))],
        [b(ctx.t("team_admin.link"), ShowJoinLink(team.id))],
        [b(ctx.t("team_admin.relink"), ReplaceJoinLink(team.id))],
    ]
    if await roles.is_admin(ctx.session, ctx.user_id, ctx.deployment.admin_ids):
        rows.append([b(ctx.t("team_admin.coordinators"), ListCoordinators(team.id))])
    ctx.say(ctx.t("team_admin.card", team=team.name), keyboard(*rows))


class ListMembers(OnTeam, action="ta.members", lasting=True):
    """A coordinator wants to see who is in the team."""


@router.button(ListMembers)
async def members(ctx: Context, listing: ListMembers) -> None:
    """The coordinator wants to see who is in the team (phone numbers: coordinators only)."""
    await _members(ctx, listing.team_id, 0, edit=False)


class TurnMembersPage(OnTeam, action="ta.mpage", lasting=True):
    """A coordinator turns a page of a large team's members."""

    page: int


@router.button(TurnMembersPage)
async def turn_members_page(ctx: Context, turn: TurnMembersPage) -> None:
    """The coordinator turned a page of the team's members."""
    await _members(ctx, turn.team_id, turn.page, edit=True)


async def _members(ctx: Context, team_id: int, page: int, *, edit: bool) -> None:
    team = await managed.team(ctx, team_id)
    found = await membership.members(ctx.session, team.id, status=MemberStatus.ACTIVE)
    header = ctx.t("team_admin.members_header", team=team.name)
    if not found:
        header += "\n" + ctx.t("team_admin.no_members")
    entries = [
        paging.Entry(
            ctx.t(
                "team_admin.member",
                name=volunteer.full_name or "—",
                phone=volunteer.phone or "—",
                joined=formatting.day(ctx.texts, ctx.lang, joined, ctx.deployment.zone),
            )
        )
        for volunteer, joined in found
    ]
    paging.show(ctx, header, entries, page, partial(TurnMembersPage, team.id), edit=edit)


class ListJoinRequests(OnTeam, action="ta.requests", lasting=True):
    """A coordinator wants to see who asked to join the team."""


@router.button(ListJoinRequests)
async def requests(ctx: Context, listing: ListJoinRequests) -> None:
    """The coordinator wants to see who asked to join."""
    team = await managed.team(ctx, listing.team_id)
    pending = await membership.members(
        ctx.session, team.id, status=MemberStatus.PENDING, limit=REQUESTS_SHOWN
    )
    if not pending:
        ctx.say(ctx.t("team_admin.no_requests", team=team.name))
        return
    b = ctx.button
    for volunteer, _ in pending:
        ctx.say(
            ctx.t("teams.request", name=volunteer.full_name or "—", team=team.name),
            keyboard(
                [
                    b(ctx.t("teams.approve"), ApproveJoinRequest(team.id, volunteer.id)),
                    b(ctx.t("teams.decline"), DeclineJoinRequest(team.id, volunteer.id)),
                ]
            ),
        )


class ApproveJoinRequest(OnTeam, action="ta.yes", lasting=True):
    """A coordinator lets the volunteer into the team."""

    volunteer_id: int


@router.button(ApproveJoinRequest)
async def approve(ctx: Context, request: ApproveJoinRequest) -> None:
    """The coordinator let the volunteer in."""
    await _decide(ctx, request.team_id, request.volunteer_id, approve=True)


class DeclineJoinRequest(OnTeam, action="ta.no", lasting=True):
    """A coordinator turns the volunteer's request to join down."""

    volunteer_id: int


@router.button(DeclineJoinRequest)
async def decline(ctx: Context, request: DeclineJoinRequest) -> None:
    """The coordinator turned the request down."""
    await _decide(ctx, request.team_id, request.volunteer_id, approve=False)


async def _decide(ctx: Context, team_id: int, volunteer_id: int, *, approve: bool) -> None:
    team = await managed.team(ctx, team_id)
    volunteer = await ctx.session.get(Volunteer, volunteer_id)
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


class ShowJoinLink(OnTeam, action="ta.link", lasting=True):
    """A coordinator wants the team's join link and QR code."""


@router.button(ShowJoinLink)
async def join_link(ctx: Context, link: ShowJoinLink) -> None:
    """The coordinator wants the team's join link and a QR code to print."""
    send_join_link(ctx, await managed.team(ctx, link.team_id))


# ---- admins: coordinators, invites, new teams -------------------------------------------


class ListCoordinators(OnTeam, action="ta.coords", lasting=True):
    """An admin opened a team's coordinators."""


@router.button(ListCoordinators, role=Role.ADMIN)
async def coordinators(ctx: Context, listing: ListCoordinators) -> None:
    """An admin opened a team's coordinators."""
    team = await managed.team(ctx, listing.team_id)
    grants = await roles.coordinators_of(ctx.session, team.id)
    lines = [ctx.t("team_admin.coords_header", team=team.name)]
    b = ctx.button
    rows = []
    for grant in grants:
        name = await _name_of(ctx, grant)
        lines.append(ctx.t("team_admin.coord", name=name, telegram_id=grant.telegram_id))
        rows.append([b(ctx.t("team_admin.revoke", name=name[:30]), RevokeCoordinator(grant.id))])
    if not grants:
        lines.append(ctx.t("team_admin.no_coords"))
    pending = await roles.pending_invites(ctx.session, team.id, now=ctx.clock.now())
    rows.append([b(ctx.t("team_admin.invite"), InviteCoordinator(team.id))])
    rows.append([b(ctx.t("team_admin.invites", count=len(pending)), ListInvites(team.id))])
    ctx.say("\n".join(lines), keyboard(*rows))


async def _name_of(ctx: Context, grant: RoleGrant) -> str:
    # The id only for someone the bot has never heard from (appointed in the database).
    return await roles.staff_name(ctx.session, grant.telegram_id) or str(grant.telegram_id)


class RevokeCoordinator(Button, action="ta.revoke", lasting=True):
    """An admin takes a coordinator's role (a role grant) away."""

    grant_id: int


@router.button(RevokeCoordinator, role=Role.ADMIN)
async def revoke(ctx: Context, revoking: RevokeCoordinator) -> None:
    """An admin took a coordinator's role away."""
    grant = await ctx.session.get(RoleGrant, revoking.grant_id)
    if grant is None or grant.team_id is None:
        raise Conflict("role_gone")
    team = await managed.team(ctx, grant.team_id)
    name = await _name_of(ctx, grant)
    await roles.revoke(ctx.session, grant.id, actor=ctx.user_id, now=ctx.clock.now())
    ctx.edit_pressed(ctx.t("team_admin.revoked", name=name, team=team.name))
    # Their menu loses the coordinator commands (unless they still coordinate another team).
    ctx.outbox.add(await menus.own_menu(ctx.session, ctx.services, grant.telegram_id))


class InviteCoordinator(OnTeam, action="ta.invite", lasting=True):
    """An admin wants a one-time link that makes someone a coordinator of the team."""


@router.button(InviteCoordinator, role=Role.ADMIN)
async def invite(ctx: Context, inviting: InviteCoordinator) -> None:
    """An admin wants a one-time link to make someone a coordinator of the team."""
    team = await managed.team(ctx, inviting.team_id)
    made = await roles.invite(
        ctx.session, team, actor=ctx.user_id, now=ctx.clock.now(), valid_for=INVITE_VALID
    )
    until = formatting.moment(ctx.texts, ctx.lang, made.expires_at, ctx.deployment.zone)
    url = ctx.deep_link(f"{INVITE_LINK_PREFIX}_{made.token}")
    ctx.say(ctx.t("team_admin.invite_made", team=team.name, link=url, until=until))


@router.deep_link(INVITE_LINK_PREFIX, anyone=True)
async def accept_invite(ctx: Context, token: str) -> None:
    """Someone opened a coordinator invite (or an organisation admin's)."""
    place = await roles.accept_invite(ctx.session, token, ctx.user_id, now=ctx.clock.now())
    if isinstance(place, Team):
        ctx.say(ctx.t("team_admin.invite_accepted", team=place.name))
    else:
        ctx.say(ctx.t("organisations.invite_accepted", name=place.name))
    ctx.outbox.add(await menus.own_menu(ctx.session, ctx.services, ctx.user_id))


@router.command("new_team", menu=10, role=Role.ADMIN)
async def ask_name(ctx: Context) -> None:
    """An admin wants a new team: its name?"""
    ctx.finish()
    await NEW_TEAM.ask(ctx, Step.NAME)


@NEW_TEAM.asks(Step.NAME)
async def ask_team_name(ctx: Context) -> None:
    ctx.say(ctx.t("team_admin.ask_name"))


@router.step(NEW_TEAM, Step.NAME, role=Role.ADMIN)
async def got_name(ctx: Context) -> None:
    """The admin typed the team's name."""
    typed = ctx.event.text or ""
    team = await roles.create_team(ctx.session, typed, now=ctx.clock.now(), actor=ctx.user_id)
    ctx.finish()
    ctx.say(
        ctx.t("team_admin.created", team=team.name),
        keyboard([ctx.button(team.name[:40], ManageTeam(team.id))]),
    )
