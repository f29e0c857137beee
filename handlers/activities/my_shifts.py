"""/my: a volunteer's upcoming shifts with their status (confirmed, waiting #n, offered), to
cancel (with a confirmation) or to add to a calendar (.ics, one shift or all); and their calendar
subscription, with a way to replace its address (the old one stops working)."""

from __future__ import annotations

from functools import partial

from handlers import formatting, paging
from handlers.activities import calendar_feed, calendar_file, links, offers
from handlers.callbacks import Button, OnSignup
from handlers.context import Context, keyboard
from handlers.events import InlineButton, SendDocument
from handlers.router import Router
from models.activities import places, signup
from models.activities.calendar_feed import replace_token
from models.activities.tables import Activity, Shift, Signup, SignupStatus
from models.errors import NotAllowed
from models.registration.tables import Volunteer

router = Router()
ALL_SHIFTS = 0  # the calendar button for every upcoming shift names none


async def upcoming(ctx: Context, volunteer: Volunteer) -> list[tuple[Signup, Shift, Activity]]:
    return await places.upcoming(ctx.session, volunteer.id, ending_after=ctx.clock.now())


@router.command("my", menu=20)
async def show_mine(ctx: Context) -> None:
    """The volunteer asked for their shifts."""
    await _show(ctx, edit=False)


class TurnMyShiftsPage(Button, action="my.page", lasting=True):
    """The volunteer turns a page of a long list of their shifts."""

    page: int


@router.button(TurnMyShiftsPage)
async def turn_page(ctx: Context, turn: TurnMyShiftsPage) -> None:
    """The volunteer turned a page of their shifts."""
    await _show(ctx, turn.page, edit=True)


async def _show(ctx: Context, page: int = 0, *, edit: bool) -> None:
    if ctx.volunteer is None:
        ctx.say(ctx.t("general.not_registered"))
        return
    items = await upcoming(ctx, ctx.volunteer)
    subscribe = await calendar_feed.subscribe_button(ctx)
    header, after = ctx.t("my.header") if items else ctx.t("my.none"), []
    if subscribe is not None:
        header += "\n" + ctx.t("my.subscribe_hint")
        after.append([subscribe, ctx.button(ctx.t("my.replace_link"), AskToReplaceLink())])
    if not items:
        ctx.reply(header, keyboard(*after) if after else None, edit=edit)
        return
    entries = [paging.Entry(await _line(ctx, *item), tuple(_buttons(ctx, *item))) for item in items]
    every = [ctx.button(ctx.t("my.calendar_all"), GetCalendar())]
    paging.show(ctx, header, entries, page, TurnMyShiftsPage, edit=edit, after=[every, *after])


async def _line(ctx: Context, mine: Signup, shift: Shift, activity: Activity) -> str:
    when = formatting.when(ctx.texts, ctx.lang, shift, ctx.deployment.zone)
    if mine.status == SignupStatus.WAITING:
        status = ctx.t("my.waiting", position=await places.waiting_position(ctx.session, mine))
    elif mine.status == SignupStatus.OFFERED and mine.offer_expires_at is not None:
        until = formatting.moment(ctx.texts, ctx.lang, mine.offer_expires_at, ctx.deployment.zone)
        status = ctx.t("my.offered", until=until)
    else:
        status = ctx.t("my.confirmed")
    return ctx.t("my.item", when=when, title=activity.title, status=status)


def _buttons(ctx: Context, mine: Signup, shift: Shift, activity: Activity) -> list[InlineButton]:
    day = formatting.moment(ctx.texts, ctx.lang, shift.starts_at, ctx.deployment.zone)
    if mine.status == SignupStatus.OFFERED:
        return [
            ctx.button(ctx.t("offers.accept"), offers.AcceptOffer(mine.id)),
            ctx.button(ctx.t("offers.decline"), offers.DeclineOffer(mine.id)),
        ]
    return [
        ctx.button(ctx.t("my.cancel", when=day), AskToCancel(mine.id)),
        ctx.button(ctx.t("my.calendar_one"), GetCalendar(mine.id)),
    ]


class AskToCancel(OnSignup, action="my.cancel", lasting=True):
    """The volunteer wants to give back a place: the bot asks first."""


@router.button(AskToCancel)
async def ask_cancel(ctx: Context, choice: AskToCancel) -> None:
    """The volunteer wants to give back a place: ask before doing it."""
    mine = await _own(ctx, choice.signup_id)
    shift = await ctx.session.get(Shift, mine.shift_id)
    activity = await ctx.session.get(Activity, shift.activity_id) if shift else None
    if mine.status not in places.ACTIVE or shift is None or activity is None:
        ctx.answer(ctx.t("errors.not_signed_up"), alert=True)
        return
    when = formatting.when(ctx.texts, ctx.lang, shift, ctx.deployment.zone)
    key = "my.confirm_leave_list" if mine.status == SignupStatus.WAITING else "my.confirm_cancel"
    ctx.edit_pressed(
        ctx.t(key, title=activity.title, when=when),
        keyboard(
            [
                ctx.button(ctx.t("my.cancel_yes"), ConfirmCancel(mine.id)),
                ctx.button(ctx.t("my.cancel_no"), KeepShift()),
            ]
        ),
    )


class ConfirmCancel(OnSignup, action="my.cancel_ok", lasting=True):
    """The volunteer confirms they give the place back."""


@router.button(ConfirmCancel)
async def cancel(ctx: Context, choice: ConfirmCancel) -> None:
    """The volunteer confirmed: the place is given back and offered to whoever waits first."""
    mine = await _own(ctx, choice.signup_id)
    vacancy = await ctx.apply_signup_rule(signup.cancel, mine.id)
    await offers.announce(ctx, vacancy)
    ctx.say(ctx.t("my.cancelled"))
    await _show(ctx, edit=True)


class KeepShift(Button, action="my.keep", lasting=True):
    """The volunteer changed their mind about cancelling."""


@router.button(KeepShift)
async def keep(ctx: Context, choice: KeepShift) -> None:
    """The volunteer changed their mind about cancelling."""
    await _show(ctx, edit=True)


class GetCalendar(Button, action="my.ics", lasting=True):
    """The volunteer wants one shift, or all of them (ALL_SHIFTS), in their calendar."""

    signup_id: int = ALL_SHIFTS


@router.button(GetCalendar, registered=True)
async def calendar(ctx: Context, choice: GetCalendar) -> None:
    """The volunteer wants a shift (or all of them) in their calendar."""
    items = await upcoming(ctx, ctx.registered_volunteer)
    one = choice.signup_id != ALL_SHIFTS
    if one:
        items = [item for item in items if item[0].id == choice.signup_id]
    if not items:
        ctx.answer(ctx.t("my.none"), alert=True)
        return
    content = calendar_file.ics(
        items,
        link=partial(links.activity_link, ctx),
        host=ctx.bot_username,
        zone=ctx.deployment.zone,
        calendar_name=ctx.t("my.calendar_name"),
    )
    filename = f"shift-{items[0][1].id}.ics" if one else "my-shifts.ics"
    ctx.outbox.add(
        SendDocument(
            ctx.event.chat_id,
            filename,
            content,
            caption=ctx.t("my.calendar_caption", count=len(items)),
        )
    )


class AskToReplaceLink(Button, action="my.feed_new", lasting=True):
    """The volunteer wants a new calendar address: the bot asks first."""


@router.button(AskToReplaceLink, registered=True)
async def ask_replace_link(ctx: Context, choice: AskToReplaceLink) -> None:
    """The volunteer wants a new calendar address: say the old one stops working, and ask."""
    ctx.edit_pressed(
        ctx.t("my.replace_confirm"),
        keyboard(
            [
                ctx.button(ctx.t("my.replace_yes"), ReplaceLink()),
                ctx.button(ctx.t("my.cancel_no"), KeepShift()),
            ]
        ),
    )


class ReplaceLink(Button, action="my.feed_new_ok", lasting=True):
    """The volunteer confirms: a new calendar address, the old one gone."""


@router.button(ReplaceLink, registered=True)
async def replace_link(ctx: Context, choice: ReplaceLink) -> None:
    """The volunteer confirmed: the old address stops working; /my shows the new one."""
    await replace_token(ctx.session, ctx.registered_volunteer, now=ctx.clock.now())
    ctx.say(ctx.t("my.replaced"))
    await _show(ctx, edit=True)


async def _own(ctx: Context, signup_id: int) -> Signup:
    mine = await ctx.session.get(Signup, signup_id)
    if ctx.volunteer is None or mine is None or mine.volunteer_id != ctx.volunteer.id:
        raise NotAllowed("not_your_signup")
    return mine
