"""What is near me: /nearby asks for the volunteer's location (a location shared outside any
conversation comes here too, when there is no shift to check in to: otherwise it checks in,
handlers/attendance/checkin.py); the answer lists the stations and the activities with a place
open within the deployment's radius, nearest first with their distance, filtered by theme and
date as /activities is (its filter and page buttons), each opening its card. A station's card
comes with its pin on the map.

The location rides in the list's buttons (to about a metre), so paging and filters need
nothing stored and keep working from an old message.
"""

from __future__ import annotations

from enum import StrEnum

from handlers import formatting
from handlers.activities import browse
from handlers.activities.browse import NONE, FilterKind
from handlers.attendance import checkin
from handlers.callbacks import Button
from handlers.context import Context, in_rows, keyboard
from handlers.events import RemoveKeyboard, ReplyButton, ReplyKeyboard
from handlers.flows import Flow
from handlers.publishing.activity_plan import sent
from handlers.router import Router
from handlers.stations import listing
from models.activities.browse import Filters, Period
from models.errors import NotAllowed
from models.stations import nearby
from models.stations.nearby import Kind

router = Router()
PAGE_SIZE = 5
# Button fields are whole numbers: a location in units of 1e-5 degrees (about a metre).
UNITS_PER_DEGREE = 100_000
FILTERS = (FilterKind.THEME, FilterKind.PERIOD)  # no district: the distance says where


class Step(StrEnum):
    WHERE = "where"


NEARBY = Flow("nearby", Step, starts=(Step.WHERE,), moves={})


@router.command("nearby", menu=15)
async def ask_where(ctx: Context) -> None:
    """Someone asked what is near them: ask for their location."""
    await NEARBY.begin(ctx, Step.WHERE)


@NEARBY.asks(Step.WHERE)
async def ask_location(ctx: Context) -> None:
    share = ReplyButton(label=ctx.t("nearby.share_location"), request_location=True)
    radius = formatting.distance(ctx.texts, ctx.lang, ctx.deployment.nearby_radius_m)
    ctx.say(ctx.t("nearby.ask", radius=radius), ReplyKeyboard(rows=((share,),)))


@router.step(NEARBY, Step.WHERE)
async def got_location(ctx: Context) -> None:
    """They shared their location (or sent something else: asked again)."""
    where = sent(ctx, ctx.event.location, "nearby.share_hint")
    ctx.finish()
    await show_nearby(ctx, where.latitude, where.longitude)


# A shared location from someone with nothing to check in to asks what is near.
NOTHING_TO_CHECK_IN = ("checkin_not_registered", "checkin_no_shift_now")


@router.on_location
async def shared_location(ctx: Context) -> None:
    """A location shared outside any conversation: a check-in (or check-out) where the sender
    has a shift to check in to; otherwise what is near it."""
    where = ctx.event.location
    assert where is not None
    try:
        await checkin.location(ctx)
    except NotAllowed as refusal:
        if refusal.code not in NOTHING_TO_CHECK_IN:
            raise
        await show_nearby(ctx, where.latitude, where.longitude)


async def show_nearby(ctx: Context, latitude: float, longitude: float) -> None:
    """The first page near a location just shared (the location keyboard taken away: a message
    has one keyboard, so that is a message of its own)."""
    ctx.say(ctx.t("nearby.searching"), RemoveKeyboard())
    spot = Spot(_units(latitude), _units(longitude))
    await _show(ctx, spot, Filters(), 0, edit=False)


class Spot(Button):
    """The family of the list's buttons: where the list is about."""

    lat: int  # in 1e-5 degrees
    lon: int


class TurnNearby(Spot, action="nb", lasting=True):
    """The volunteer turns a page of the nearby list, or picked a filter."""

    page: int = 0
    theme_id: int = NONE
    period: Period = Period.ANY


class ChooseNearbyFilter(Spot, action="nb.f", lasting=True):
    """The volunteer wants to narrow the nearby activities by theme or date."""

    kind: FilterKind = FilterKind.THEME
    theme_id: int = NONE
    period: Period = Period.ANY


def _units(degrees: float) -> int:
    return round(degrees * UNITS_PER_DEGREE)


def _filters(button: TurnNearby | ChooseNearbyFilter) -> Filters:
    return Filters(theme_id=button.theme_id or None, period=button.period)


def _turn(spot: Spot, page: int, filters: Filters) -> TurnNearby:
    return TurnNearby(spot.lat, spot.lon, page, filters.theme_id or NONE, filters.period)


@router.button(TurnNearby)
async def turn_page(ctx: Context, turn: TurnNearby) -> None:
    """The volunteer turned a page or changed a filter."""
    await _show(ctx, turn, _filters(turn), turn.page, edit=True)


@router.button(ChooseNearbyFilter)
async def choose_filter(ctx: Context, choice: ChooseNearbyFilter) -> None:
    """The volunteer wants to narrow the activities by theme or date."""
    options = await browse.filter_options(ctx, choice.kind, _filters(choice))
    buttons = [ctx.button(label, _turn(choice, 0, f)) for label, f in options]
    ctx.edit_pressed(ctx.t(f"activities.choose_{choice.kind}"), keyboard(*in_rows(buttons, 2)))


async def _show(ctx: Context, spot: Spot, filters: Filters, number: int, *, edit: bool) -> None:
    radius_m = ctx.deployment.nearby_radius_m
    page = await nearby.nearby(
        ctx.session,
        spot.lat / UNITS_PER_DEGREE,
        spot.lon / UNITS_PER_DEGREE,
        filters,
        radius_m=radius_m,
        now=ctx.clock.now(),
        zone=ctx.deployment.zone,
        page=number,
        size=PAGE_SIZE,
    )
    radius = formatting.distance(ctx.texts, ctx.lang, radius_m)
    opens = []
    if not page.found:
        text = ctx.t("nearby.none", radius=radius)
    else:
        lines = [ctx.t("nearby.header", total=page.total, radius=radius)]
        for i, found in enumerate(page.found, start=page.number * PAGE_SIZE + 1):
            away = formatting.distance(ctx.texts, ctx.lang, found.metres)
            button: Button
            if found.kind is Kind.STATION:
                station = page.stations[found.id]
                name, address, key = station.name, station.address, "nearby.station"
                button = listing.OpenStation(station.id)
            else:
                activity = page.activities[found.id]
                name, address, key = activity.title, activity.address, "nearby.activity"
                button = browse.OpenActivity(activity.id)
            lines.append(ctx.t(key, number=i, name=name, distance=away, address=address))
            opens.append(ctx.button(f"{i}. {name}"[:40], button))
        text = "\n".join(lines)
    paging = browse.page_buttons(
        ctx, page.number, page.has_next(PAGE_SIZE), lambda n: _turn(spot, n, filters)
    )
    choose = browse.filter_buttons(
        ctx,
        FILTERS,
        filters,
        lambda kind, f: ChooseNearbyFilter(spot.lat, spot.lon, kind, f.theme_id or NONE, f.period),
    )
    ctx.reply(text, keyboard(*in_rows(opens, 1), paging, choose), edit=edit)
