"""Taking back what lets people into a team: an admin lists a team's pending coordinator invites
and withdraws one (asked to confirm first), after which its link refuses politely; a team's
coordinator (or an admin) replaces its join link (asked first), after which the old link and QR
code refuse politely. Both are audited; every button checks the role again on the server."""

from __future__ import annotations

from handlers import formatting
from handlers.activities import links
from handlers.callbacks import Button, OnTeam
from handlers.context import Context, keyboard
from handlers.events import SendPhoto
from handlers.router import Router
from handlers.teams import managed
from models.errors import Conflict
from models.organisations import organisations
from models.teams import membership, roles
from models.teams.tables import Invite, Role, Team

router = Router()


def send_join_link(ctx: Context, team: Team) -> None:
    """The team's join link, with a QR code to print."""
    url = ctx.deep_link(f"team_{team.join_token}")
    caption = ctx.t("team_admin.link_caption", team=team.name, link=url)
    ctx.outbox.add(SendPhoto(ctx.event.chat_id, "team.png", links.qr_png(url), caption=caption))


# ---- pending coordinator invites (admins) ------------------------------------------------


class ListInvites(OnTeam, action="ta.invites", lasting=True):
    """An admin wants to see the team's coordinator invites nobody has used yet."""


@router.button(ListInvites, role=Role.ADMIN)
async def list_invites(ctx: Context, listing: ListInvites) -> None:
    """An admin opened the team's pending invites: one message each, with Withdraw."""
    team = await managed.team(ctx, listing.team_id)
    pending = await roles.pending_invites(ctx.session, team.id, now=ctx.clock.now())
    if not pending:
        ctx.say(ctx.t("team_admin.no_invites", team=team.name))
        return
    ctx.say(ctx.t("team_admin.invites_header", team=team.name))
    say_pending(ctx, pending)


def say_pending(ctx: Context, pending: list[Invite]) -> None:
    """One message per pending invite (a team's or an organisation's), with Withdraw."""
    zone = ctx.deployment.zone
    for invite in pending:
        text = ctx.t(
            "team_admin.pending_invite",
            made=formatting.moment(ctx.texts, ctx.lang, invite.created_at, zone),
            until=formatting.moment(ctx.texts, ctx.lang, invite.expires_at, zone),
        )
        withdraw = ctx.button(ctx.t("team_admin.withdraw"), WithdrawInvite(invite.id))
        ctx.say(text, keyboard([withdraw]))


class WithdrawInvite(Button, action="ta.withdraw", lasting=True):
    """An admin wants to withdraw a coordinator (or organisation admin) invite (asked to
    confirm)."""

    invite_id: int


async def _invite(ctx: Context, invite_id: int) -> tuple[Invite, str]:
    """The invite and the name of its team (or organisation)."""
    invite = await ctx.session.get(Invite, invite_id)
    if invite is None:
        raise Conflict("invite_gone")
    if invite.team_id is None:
        assert invite.organisation_id is not None
        return invite, (await organisations.get(ctx.session, invite.organisation_id)).name
    return invite, (await managed.team(ctx, invite.team_id)).name


@router.button(WithdrawInvite, role=Role.ADMIN)
async def ask_withdraw(ctx: Context, withdrawing: WithdrawInvite) -> None:
    """Withdrawing cannot be undone (a new invite can be made): ask first."""
    invite, name = await _invite(ctx, withdrawing.invite_id)
    question = "team_admin.withdraw_confirm" if invite.team_id else "organisations.withdraw_confirm"
    ctx.say(
        ctx.t(question, team=name, name=name),
        keyboard([ctx.button(ctx.t("team_admin.withdraw_yes"), ConfirmWithdrawInvite(invite.id))]),
    )


class ConfirmWithdrawInvite(Button, action="ta.withdraw_ok", lasting=True):
    """An admin confirms withdrawing a coordinator invite."""

    invite_id: int


@router.button(ConfirmWithdrawInvite, role=Role.ADMIN)
async def withdraw(ctx: Context, withdrawing: ConfirmWithdrawInvite) -> None:
    """The admin confirmed: the invite's link no longer works."""
    invite, _ = await _invite(ctx, withdrawing.invite_id)
    await roles.withdraw_invite(ctx.session, invite.id, actor=ctx.user_id, now=ctx.clock.now())
    ctx.edit_pressed(ctx.t("team_admin.withdrawn"))


# ---- replacing the join link (the team's coordinators and admins) ---------------------------


class ReplaceJoinLink(OnTeam, action="ta.relink", lasting=True):
    """A coordinator wants a new join link for the team (asked to confirm)."""


@router.button(ReplaceJoinLink)
async def ask_replace_link(ctx: Context, replacing: ReplaceJoinLink) -> None:
    """The old link and QR code stop working: ask first."""
    team = await managed.team(ctx, replacing.team_id)
    ctx.say(
        ctx.t("team_admin.relink_confirm", team=team.name),
        keyboard(
            [
                ctx.button(ctx.t("team_admin.relink_yes"), ConfirmReplaceJoinLink(team.id)),
                ctx.button(ctx.t("team_admin.relink_no"), KeepJoinLink(team.id)),
            ]
        ),
    )


class ConfirmReplaceJoinLink(OnTeam, action="ta.relink_ok", lasting=True):
    """A coordinator confirms replacing the team's join link."""


@router.button(ConfirmReplaceJoinLink)
async def replace_link(ctx: Context, replacing: ConfirmReplaceJoinLink) -> None:
    """The coordinator confirmed: a new link and QR code; the old ones refuse from now on."""
    team = await managed.team(ctx, replacing.team_id)
    await membership.replace_join_token(ctx.session, team, actor=ctx.user_id, now=ctx.clock.now())
    ctx.edit_pressed(ctx.t("team_admin.relinked", team=team.name))
    send_join_link(ctx, team)


class KeepJoinLink(OnTeam, action="ta.relink_no", lasting=True):
    """A coordinator changes their mind: the join link stays."""


@router.button(KeepJoinLink)
async def keep_link(ctx: Context, keeping: KeepJoinLink) -> None:
    team = await managed.team(ctx, keeping.team_id)
    ctx.edit_pressed(ctx.t("team_admin.relink_kept", team=team.name))
