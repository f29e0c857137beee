"""Finding activities: /activities lists open ones newest first, filtered by theme, district and
date and paginated with buttons; an activity's card (also opened by its deep link) has one button
per shift to sign up or join the waiting list."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum

from handlers import formatting
from handlers.activities import cards, links, signup
from handlers.callbacks import Button, OnActivity
from handlers.context import Context, in_rows, keyboard
from handlers.events import InlineButton
from handlers.publishing import manage
from handlers.rotas import standing_slots
from handlers.router import Router
from models.activities.browse import Filters, Period, open_activities
from models.activities.tables import Activity, ActivityStatus
from models.publishing import publication
from models.registration import volunteers
from models.rotas import slots
from models.teams import roles

router = Router()
PAGE_SIZE = 5
NONE = 0  # "no filter" in button fields


class FilterKind(StrEnum):
    THEME = "theme"
    DISTRICT = "district"
    PERIOD = "period"


def _turn_to(page: int, filters: Filters) -> TurnPage:
    return TurnPage(page, filters.theme_id or NONE, filters.district_id or NONE, filters.period)


def _filters_of(button: TurnPage | ChooseFilter) -> Filters:
    return Filters(
        theme_id=button.theme_id or None,
        district_id=button.district_id or None,
        period=button.period,
    )


@router.command("activities", menu=10)
async def list_activities(ctx: Context) -> None:
    """The volunteer asked what they can sign up for."""
    await _show_page(ctx, Filters(), 0, edit=False)


class TurnPage(Button, action="ls", lasting=True):
    """The volunteer turns a page of the list, or picks a filter (which shows its first page)."""

    page: int
    theme_id: int  # NONE: any theme
    district_id: int  # NONE: any district
    period: Period


@router.button(TurnPage)
async def turn_page(ctx: Context, turn: TurnPage) -> None:
    """The volunteer turned a page or changed a filter."""
    await _show_page(ctx, _filters_of(turn), turn.page, edit=True)


async def _show_page(ctx: Context, filters: Filters, number: int, *, edit: bool) -> None:
    page = await open_activities(
        ctx.session,
        filters,
        now=ctx.clock.now(),
        zone=ctx.deployment.zone,
        page=number,
        size=PAGE_SIZE,
    )
    if page.activities:
        lines = [ctx.t("activities.header", total=page.total)]
        lines += [
            ctx.t("activities.item", number=i + 1, title=a.title, address=a.address)
            for i, a in enumerate(page.activities)
        ]
        text = "\n".join(lines)
    else:
        text = ctx.t("activities.none")
    opens = [
        ctx.button(f"{i + 1}. {a.title}"[:40], OpenActivity(a.id))
        for i, a in enumerate(page.activities)
    ]
    paging = page_buttons(ctx, number, page.has_next(PAGE_SIZE), lambda n: _turn_to(n, filters))
    markup = keyboard(*in_rows(opens, 1), paging, filter_buttons(ctx, FilterKind, filters, _choose))
    ctx.reply(text, markup, edit=edit)


def page_buttons(
    ctx: Context, number: int, has_next: bool, turn: Callable[[int], Button]
) -> list[InlineButton]:
    """◀️ ▶️ of a filtered list (this one, /nearby's): `turn(page)` makes each."""
    paging = []
    if number > 0:
        paging.append(ctx.button(ctx.t("activities.previous"), turn(number - 1)))
    if has_next:
        paging.append(ctx.button(ctx.t("activities.next"), turn(number + 1)))
    return paging


def filter_buttons(
    ctx: Context,
    kinds: Iterable[FilterKind],
    filters: Filters,
    choose: Callable[[FilterKind, Filters], Button],
) -> list[InlineButton]:
    """A button per kind of filter a list offers; `choose(kind, filters)` makes each."""
    return [ctx.button(ctx.t(f"activities.filter_{kind}"), choose(kind, filters)) for kind in kinds]


def _choose(kind: FilterKind, filters: Filters) -> ChooseFilter:
    return ChooseFilter(kind, filters.theme_id or NONE, filters.district_id or NONE, filters.period)


class ChooseFilter(Button, action="ls.f", lasting=True):
    """The volunteer wants to narrow the list by theme, district or date."""

    kind: FilterKind
    theme_id: int  # the filters in use: NONE for any
    district_id: int
    period: Period


@router.button(ChooseFilter)
async def choose_filter(ctx: Context, choice: ChooseFilter) -> None:
    """The volunteer wants to narrow the list by theme, district or date."""
    options = await filter_options(ctx, choice.kind, _filters_of(choice))
    buttons = [ctx.button(label, _turn_to(0, f)) for label, f in options]
    ctx.edit_pressed(ctx.t(f"activities.choose_{choice.kind}"), keyboard(*in_rows(buttons, 2)))


async def filter_options(
    ctx: Context, kind: FilterKind, current: Filters
) -> list[tuple[str, Filters]]:
    """The choices of one kind of filter, each with the filters it leads to (the others kept)."""
    if kind is FilterKind.THEME:
        options = [
            (theme.name(ctx.lang), Filters(theme.id, current.district_id, current.period))
            for theme in await volunteers.themes(ctx.session)
        ]
        options.append(
            (ctx.t("activities.any_theme"), Filters(None, current.district_id, current.period))
        )
        return options
    if kind is FilterKind.DISTRICT:
        options = [
            (district.name(ctx.lang), Filters(current.theme_id, district.id, current.period))
            for district in await volunteers.districts(ctx.session)
        ]
        options.append(
            (ctx.t("activities.any_district"), Filters(current.theme_id, None, current.period))
        )
        return options
    return [
        (
            ctx.t(f"activities.period_{period.value}"),
            Filters(current.theme_id, current.district_id, period),
        )
        for period in Period
    ]


# ---- one activity ----------------------------------------------------------------------------


class OpenActivity(OnActivity, action="act.show", lasting=True):
    """The volunteer opens an activity's card from the list."""


@router.button(OpenActivity)
async def open_card(ctx: Context, choice: OpenActivity) -> None:
    """The volunteer opened an activity from the list."""
    activity = await publication.get_activity(ctx.session, choice.activity_id)
    await show_card(ctx, activity)


@router.deep_link(links.ACTIVITY_LINK_PREFIX)
async def open_link(ctx: Context, token: str) -> None:
    """Someone opened an activity's link (from a poster's QR code, a group card, a share)."""
    activity = await publication.find_by_token(ctx.session, token)
    if activity is None:
        ctx.say(ctx.t("general.link_invalid"))
        return
    await show_card(ctx, activity)


async def show_card(ctx: Context, activity: Activity, *, edit: bool = False) -> None:
    """The activity's card with a button per shift still open to sign up for."""
    now = ctx.clock.now()
    views = await cards.shift_views(ctx.session, activity, ctx.volunteer, now=now)
    text = await cards.card_text(
        ctx.session, ctx.texts, ctx.lang, ctx.deployment.zone, activity, views
    )
    buttons = []
    if activity.status == ActivityStatus.PUBLISHED:
        for view in views:
            if view.mine is not None or not view.open_for_signup(now):
                continue
            when = formatting.when(ctx.texts, ctx.lang, view.shift, ctx.deployment.zone)
            key = "activities.sign_up" if view.places_left else "activities.join_waiting_list"
            buttons.append(ctx.button(ctx.t(key, when=when), signup.SignUp(view.shift.id)))
    extras = []
    volunteer_id = ctx.volunteer.id if ctx.volunteer else None
    if activity.status == ActivityStatus.PUBLISHED and await slots.may_take(
        ctx.session, activity.id, volunteer_id
    ):
        buttons.append(ctx.button(ctx.t("rotas.take_button"), standing_slots.TakeSlot(activity.id)))
    if activity.latitude is not None:
        extras.append(ctx.button(ctx.t("activities.map"), ShowVenueMap(activity.id)))
    if await roles.may_manage(ctx.session, ctx.user_id, activity.team_id, ctx.deployment.admin_ids):
        extras.append(ctx.button(ctx.t("activities.manage"), manage.ShowActivity(activity.id)))
    markup = keyboard(*in_rows(buttons, 1), extras)
    ctx.reply(text, markup, edit=edit)


class ShowVenueMap(OnActivity, action="act.map", lasting=True):
    """The volunteer wants the pin of the activity's venue."""


@router.button(ShowVenueMap)
async def show_map(ctx: Context, choice: ShowVenueMap) -> None:
    """The volunteer wants the venue's pin."""
    activity = await publication.get_activity(ctx.session, choice.activity_id)
    pin = cards.venue_pin(ctx.event.chat_id, activity)
    if pin is None:
        ctx.answer(ctx.t("activities.no_map"), alert=True)
        return
    ctx.outbox.add(pin)
