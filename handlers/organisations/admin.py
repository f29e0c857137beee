"""/orgs, for the deployment's admins: create organisations (federations, alliances), add and
remove their teams (removal asks for a confirmation), invite their admins with the coordinators'
one-time link (`roles.invite`; opened in `handlers.teams.team_admin.accept_invite`) and take the
role away. Every button checks the role again on the server; every change is audited."""

from __future__ import annotations

from enum import StrEnum

from handlers import formatting, menus
from handlers.callbacks import Button
from handlers.context import Context, keyboard
from handlers.flows import Flow
from handlers.router import Router
from handlers.teams.invites import say_pending
from handlers.teams.team_admin import INVITE_LINK_PREFIX, INVITE_VALID
from models.errors import Conflict
from models.organisations import organisations
from models.organisations.tables import Organisation
from models.teams import roles
from models.teams.tables import Role, RoleGrant

router = Router()
TEAMS_PER_PAGE = 8
NAME_SHOWN = 40  # characters of a name on a button


class Step(StrEnum):
    NAME = "name"


# A new organisation: one question, its name.
NEW_ORGANISATION = Flow("new_organisation", Step, starts=(Step.NAME,), moves={})


@router.command("orgs", menu=25, role=Role.ADMIN)
async def list_organisations(ctx: Context) -> None:
    """An admin asked for the organisations."""
    found = await organisations.all_organisations(ctx.session)
    rows = ctx.choices({o.id: o.name[:NAME_SHOWN] for o in found}, ShowOrganisation)
    rows.append([ctx.button(ctx.t("organisations.new"), NewOrganisation())])
    header = "organisations.header" if found else "organisations.none"
    ctx.say(ctx.t(header), keyboard(*rows))


class NewOrganisation(Button, action="og.new"):
    """An admin wants a new organisation."""


@router.button(NewOrganisation, role=Role.ADMIN)
async def new_organisation(ctx: Context, pressed: NewOrganisation) -> None:
    ctx.finish()
    await NEW_ORGANISATION.ask(ctx, Step.NAME)


@NEW_ORGANISATION.asks(Step.NAME)
async def ask_name(ctx: Context) -> None:
    ctx.say(ctx.t("organisations.ask_name"))


@router.step(NEW_ORGANISATION, Step.NAME, role=Role.ADMIN)
async def got_name(ctx: Context) -> None:
    """The admin typed the organisation's name (a clash or a bad name is asked again)."""
    made = await organisations.create(
        ctx.session, ctx.event.text or "", actor=ctx.user_id, now=ctx.clock.now()
    )
    ctx.finish()
    await _card(ctx, made, edit=False)


class ShowOrganisation(Button, action="og.show", lasting=True):
    """An admin opened an organisation: its teams and admins."""

    organisation_id: int


@router.button(ShowOrganisation, role=Role.ADMIN)
async def show(ctx: Context, shown: ShowOrganisation) -> None:
    await _card(ctx, await organisations.get(ctx.session, shown.organisation_id), edit=False)


async def _card(ctx: Context, organisation: Organisation, *, edit: bool) -> None:
    """The organisation: its teams (each with a button to remove it) and its admins (each with
    one to take the role away), and buttons to add a team and invite an admin."""
    teams = await organisations.teams(ctx.session, organisation.id)
    grants = await organisations.admins(ctx.session, organisation.id)
    names = [
        await roles.staff_name(ctx.session, g.telegram_id) or str(g.telegram_id) for g in grants
    ]
    none = ctx.t("organisations.nobody")
    lines = [
        ctx.t("organisations.card", name=organisation.name, count=len(teams)),
        formatting.joined(ctx.texts, ctx.lang, (team.name for team in teams)) or none,
        ctx.t("organisations.admins", count=len(grants)),
        formatting.joined(ctx.texts, ctx.lang, names) or none,
    ]
    b, id_ = ctx.button, organisation.id
    rows = [
        [b(ctx.t("organisations.remove_team", team=t.name[:NAME_SHOWN]), RemoveTeam(id_, t.id))]
        for t in teams
    ]
    rows += [
        [b(ctx.t("organisations.revoke", name=name[:NAME_SHOWN]), RevokeOrganiser(grant.id))]
        for grant, name in zip(grants, names, strict=True)
    ]
    rows.append([b(ctx.t("organisations.add_team"), PickTeam(id_, 0))])
    pending = await roles.pending_invites(
        ctx.session, None, now=ctx.clock.now(), organisation_id=id_
    )
    rows.append([b(ctx.t("organisations.invite"), InviteOrganiser(id_))])
    if pending:
        rows.append(
            [b(ctx.t("organisations.invites", count=len(pending)), ListOrganiserInvites(id_))]
        )
    ctx.reply("\n".join(lines), keyboard(*rows), edit=edit)


class PickTeam(Button, action="og.pick", lasting=True):
    """An admin wants to add a team: the teams not in it yet, a page at a time."""

    organisation_id: int
    page: int


@router.button(PickTeam, role=Role.ADMIN)
async def pick_team(ctx: Context, picking: PickTeam) -> None:
    organisation = await organisations.get(ctx.session, picking.organisation_id)
    outside = await organisations.teams_outside(ctx.session, organisation.id)
    if not outside:
        ctx.answer(ctx.t("organisations.no_team_to_add"), alert=True)
        return
    page = picking.page
    shown = outside[page * TEAMS_PER_PAGE : (page + 1) * TEAMS_PER_PAGE]
    rows = ctx.choices(
        {team.id: team.name[:NAME_SHOWN] for team in shown},
        lambda team_id: AddTeam(organisation.id, team_id),
    )
    if len(outside) > (page + 1) * TEAMS_PER_PAGE:
        more = PickTeam(organisation.id, page + 1)
        rows.append([ctx.button(ctx.t("organisations.more_teams"), more)])
    ctx.say(ctx.t("organisations.pick_team", name=organisation.name), keyboard(*rows))


class OnOrganisationTeam(Button):
    """The family of buttons about one team in (or for) one organisation."""

    organisation_id: int
    team_id: int


class AddTeam(OnOrganisationTeam, action="og.add"):
    """An admin adds this team to the organisation."""


class RemoveTeam(OnOrganisationTeam, action="og.remove"):
    """An admin wants a team out of the organisation: asked to confirm first."""


class ConfirmRemoveTeam(OnOrganisationTeam, action="og.remove_ok"):
    """The admin confirmed taking the team out."""


@router.button(RemoveTeam, role=Role.ADMIN)
async def remove_team(ctx: Context, removing: RemoveTeam) -> None:
    organisation = await organisations.get(ctx.session, removing.organisation_id)
    inside = {t.id: t for t in await organisations.teams(ctx.session, organisation.id)}
    team = inside.get(removing.team_id)
    if team is None:
        raise Conflict("organisation_team_out")
    sure = ConfirmRemoveTeam(organisation.id, team.id)
    back = ShowOrganisation(organisation.id)
    ctx.say(
        ctx.t("organisations.remove_confirm", team=team.name, name=organisation.name),
        keyboard(
            [ctx.button(ctx.t("organisations.remove_yes"), sure)],
            [ctx.button(ctx.t("organisations.remove_no"), back)],
        ),
    )


@router.button(AddTeam, ConfirmRemoveTeam, role=Role.ADMIN)
async def change_teams(ctx: Context, pressed: OnOrganisationTeam) -> None:
    """An admin added a team, or confirmed taking one out: the card shows the teams now."""
    organisation = await organisations.get(ctx.session, pressed.organisation_id)
    adding = isinstance(pressed, AddTeam)
    change = organisations.add_team if adding else organisations.remove_team
    team = await change(
        ctx.session, organisation, pressed.team_id, actor=ctx.user_id, now=ctx.clock.now()
    )
    said = "organisations.team_added" if adding else "organisations.team_removed"
    ctx.answer(ctx.t(said, team=team.name, name=organisation.name))
    await _card(ctx, organisation, edit=True)


class InviteOrganiser(Button, action="og.invite", lasting=True):
    """An admin wants a one-time link that makes someone an admin of the organisation."""

    organisation_id: int


@router.button(InviteOrganiser, role=Role.ADMIN)
async def invite(ctx: Context, inviting: InviteOrganiser) -> None:
    organisation = await organisations.get(ctx.session, inviting.organisation_id)
    made = await roles.invite(
        ctx.session, organisation, actor=ctx.user_id, now=ctx.clock.now(), valid_for=INVITE_VALID
    )
    until = formatting.moment(ctx.texts, ctx.lang, made.expires_at, ctx.deployment.zone)
    url = ctx.deep_link(f"{INVITE_LINK_PREFIX}_{made.token}")
    ctx.say(ctx.t("organisations.invite_made", name=organisation.name, link=url, until=until))


class ListOrganiserInvites(Button, action="og.invites", lasting=True):
    """An admin wants to see the organisation's admin invites nobody has used yet."""

    organisation_id: int


@router.button(ListOrganiserInvites, role=Role.ADMIN)
async def list_invites(ctx: Context, listing: ListOrganiserInvites) -> None:
    """One message per pending invite, with the teams' Withdraw (asked to confirm)."""
    organisation = await organisations.get(ctx.session, listing.organisation_id)
    pending = await roles.pending_invites(
        ctx.session, None, now=ctx.clock.now(), organisation_id=organisation.id
    )
    ctx.say(ctx.t("organisations.invites_header", name=organisation.name, count=len(pending)))
    say_pending(ctx, pending)


class RevokeOrganiser(Button, action="og.revoke", lasting=True):
    """An admin takes an organisation admin's role (a role grant) away."""

    grant_id: int


@router.button(RevokeOrganiser, role=Role.ADMIN)
async def revoke(ctx: Context, revoking: RevokeOrganiser) -> None:
    grant = await ctx.session.get(RoleGrant, revoking.grant_id)
    if grant is None or grant.organisation_id is None:
        raise Conflict("role_gone")
    organisation = await organisations.get(ctx.session, grant.organisation_id)
    await roles.revoke(ctx.session, grant.id, actor=ctx.user_id, now=ctx.clock.now())
    ctx.say(ctx.t("organisations.revoked", name=organisation.name))
    # Their menu loses the organisation admin's commands (unless they hold another role).
    ctx.outbox.add(await menus.own_menu(ctx.session, ctx.services, grant.telegram_id))
