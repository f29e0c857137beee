"""/manage: a coordinator's activities, each with its roster, link and QR code, a way to post
its card into a group, and the edit and cancel flows. Every button checks the role again on the
server: a plain volunteer pressing a forged one is refused and nothing changes."""

from __future__ import annotations

from functools import partial

from handlers import formatting, paging
from handlers.activities import cards, links
from handlers.attendance import checkin, hours_review
from handlers.broadcasts import control
from handlers.callbacks import Button, OnActivity, OnShift
from handlers.context import Context, keyboard
from handlers.events import SendPhoto

# Modules, not names: the journeys that make this module's buttons import it, and edit_activity
# (which cancel_activity imports) imports one of them (activities.offers), so names bound here at
# import time would be a cycle.
from handlers.publishing import cancel_activity, edit_activity, managed, shift_roster
from handlers.reports import exports
from handlers.rotas import rota_view
from handlers.router import Router
from models.activities import groups
from models.activities.groups import GroupChat
from models.activities.tables import Activity, Shift
from models.broadcasts import audience, shift_call
from models.broadcasts.audience import Scope
from models.publishing import publication
from models.teams import roles
from models.teams.tables import Role, Team

router = Router()


@router.command("manage", menu=20, role=Role.COORDINATOR, refusal="manage_not_coordinator")
async def list_managed(ctx: Context) -> None:
    """A coordinator asked for the activities they run."""
    await _list(ctx, 0, edit=False)


class TurnManagePage(Button, action="mg.page", lasting=True):
    """A coordinator turns a page of a long list of their activities."""

    page: int


@router.button(TurnManagePage, role=Role.COORDINATOR, refusal="manage_not_coordinator")
async def turn_page(ctx: Context, turn: TurnManagePage) -> None:
    """The coordinator turned a page of their activities."""
    await _list(ctx, turn.page, edit=True)


async def _list(ctx: Context, page: int, *, edit: bool) -> None:
    """The teams' published activities, newest first, a button each, a page at a time."""
    activities = await publication.managed_activities(
        ctx.session, ctx.user_id, ctx.deployment.admin_ids
    )
    entries = [
        paging.Entry("", (ctx.button(a.title[:40], ShowActivity(a.id)),)) for a in activities
    ]
    if not entries:
        ctx.say(ctx.t("manage.none"))
        return
    export = ctx.button(ctx.t("exports.open"), exports.StartExport())
    paging.show(
        ctx, ctx.t("manage.header"), entries, page, TurnManagePage, edit=edit, after=[[export]]
    )


class ShowActivity(OnActivity, action="mg.show", lasting=True):
    """A coordinator opens one of their activities (from /manage, a card, a help request)."""


@router.button(ShowActivity)
async def show(ctx: Context, opened: ShowActivity) -> None:
    """The coordinator opened one of their activities."""
    activity = await managed.activity(ctx, opened.activity_id)
    views = await cards.shift_views(ctx.session, activity, None, now=ctx.clock.now())
    text = await cards.card_text(
        ctx.session, ctx.texts, ctx.lang, ctx.deployment.zone, activity, views
    )
    ctx.say(
        text,
        keyboard(
            [ctx.button(ctx.t("manage.roster"), shift_roster.ShowRoster(activity.id))],
            [ctx.button(ctx.t("manage.link"), ShowLink(activity.id))],
            [ctx.button(ctx.t("manage.post"), PostCard(activity.id))],
            [ctx.button(ctx.t("rotas.open"), rota_view.ShowRota(activity.id))],
            [ctx.button(ctx.t("attendance.code_button"), checkin.ListCheckInCodes(activity.id))],
            [ctx.button(ctx.t("hours_review.open"), hours_review.ChooseShiftToReview(activity.id))],
            [
                ctx.button(ctx.t("manage.edit"), edit_activity.EditActivity(activity.id)),
                ctx.button(ctx.t("manage.cancel"), cancel_activity.CancelActivity(activity.id)),
            ],
        ),
    )


class ShowLink(OnActivity, action="mg.link", lasting=True):
    """The coordinator wants the activity's link and a QR code to print."""


@router.button(ShowLink)
async def link(ctx: Context, wanted: ShowLink) -> None:
    """The coordinator wants the activity's link and a QR code to print."""
    activity = await managed.activity(ctx, wanted.activity_id)
    url = links.activity_link(ctx, activity)
    ctx.outbox.add(
        SendPhoto(
            ctx.event.chat_id,
            "qr.png",
            links.qr_png(url),
            caption=ctx.t("manage.link_caption", title=activity.title, link=url),
        )
    )


class PostCard(OnActivity, action="mg.post", lasting=True):
    """The coordinator wants the activity's card in a group: which one?"""


@router.button(PostCard)
async def choose_group(ctx: Context, posting: PostCard) -> None:
    """The coordinator wants the card in a group or channel: which one?"""
    activity = await managed.activity(ctx, posting.activity_id)
    chats = await _groups(ctx)
    if not chats:
        ctx.say(ctx.t("manage.no_groups", bot=ctx.bot_username))
        return
    named = {chat_id: group.title[:40] or str(chat_id) for chat_id, group in chats.items()}
    choices = ctx.choices(named, partial(PostCardTo, activity.id))
    ctx.say(ctx.t("manage.choose_group"), keyboard(*choices))


async def _groups(ctx: Context) -> dict[int, GroupChat]:
    """The groups and channels the coordinator may post cards in (any, for an admin), by id."""
    admin = await roles.is_admin(ctx.session, ctx.user_id, ctx.deployment.admin_ids)
    return {g.chat_id: g for g in await groups.groups_for(ctx.session, ctx.user_id, admin=admin)}


class PostCardTo(OnActivity, action="mg.post_to", lasting=True):
    """The coordinator chose the group or channel for the activity's card."""

    chat_id: int


@router.button(PostCardTo)
async def post(ctx: Context, posting: PostCardTo) -> None:
    """The coordinator chose the group: the card job posts it and keeps its figures live."""
    activity = await managed.activity(ctx, posting.activity_id)
    group = (await _groups(ctx)).get(posting.chat_id)
    if group is None:
        ctx.answer(ctx.t("manage.group_not_allowed"), alert=True)
        return
    await groups.post_card(
        ctx.session, activity.id, group.chat_id, actor=ctx.user_id, now=ctx.clock.now()
    )
    ctx.edit_pressed(ctx.t("manage.posted", group=group.title))


# ---- a recruitment call for places nobody waits for -----------------------------------------


async def _reach(ctx: Context, shift: Shift, activity: Activity) -> tuple[Scope, int]:
    """What the presser may reach (their teams; everyone for an admin), and how many of those
    could fill the shift."""
    scope = await audience.scope_of(ctx.session, ctx.user_id, tuple(ctx.deployment.admin_ids))
    count = await shift_call.reach(
        ctx.session, shift, activity, scope, now=ctx.clock.now(), policy=ctx.deployment.signup
    )
    return scope, count


class RecruitForShift(OnShift, action="shift.recruit", lasting=True):
    """A coordinator asks to call volunteers for a shift's free places (asks to confirm)."""


@router.button(RecruitForShift)
async def ask_recruit(ctx: Context, recruiting_for: RecruitForShift) -> None:
    """The coordinator tapped the recruitment call for a shift with free places."""
    shift, activity = await managed.shift(ctx, recruiting_for.shift_id)
    shift_call.check_window(shift, now=ctx.clock.now())
    _, count = await _reach(ctx, shift, activity)
    when = formatting.when(ctx.texts, ctx.lang, shift, ctx.deployment.zone)
    ctx.say(
        ctx.t("manage.recruit_confirm", count=count, title=activity.title, when=when),
        keyboard(
            [ctx.button(ctx.t("manage.recruit_send"), SendRecruitCall(shift.id))],
        ),
    )


class SendRecruitCall(OnShift, action="shift.recruit_ok", lasting=True):
    """The coordinator sends the call for volunteers for a shift."""


@router.button(SendRecruitCall)
async def recruit(ctx: Context, call: SendRecruitCall) -> None:
    """The coordinator confirmed the call (or tapped it on an alert): a recruitment call to
    those in their reach who could fill the shift, sent from the outbox like /broadcast's; the
    pressed message becomes its progress message."""
    shift, activity = await managed.shift(ctx, call.shift_id)
    scope, _ = await _reach(ctx, shift, activity)
    team = await ctx.session.get(Team, activity.team_id)
    language, now = ctx.deployment.default_language, ctx.clock.now()  # one text for everyone
    text = ctx.texts.get(
        language,
        "manage.recruit_call",
        team=team.name if team else "",
        title=activity.title,
        when=formatting.when(ctx.texts, language, shift, ctx.deployment.zone),
        address=activity.address,
    )
    broadcast = await shift_call.call(
        ctx.session,
        shift,
        activity,
        text,
        actor=ctx.user_id,
        scope=scope,
        now=now,
        policy=ctx.deployment.signup,
    )
    ctx.answer(ctx.t("manage.recruit_sent", id=broadcast.id, count=broadcast.total))
    await control.show_progress(ctx, broadcast)
