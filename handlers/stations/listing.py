"""/stations: the stations a coordinator or admin runs, a page at a time, with the buttons to add
one (`manage`) and to import a file (`import_stations`); a station's card (from that list or
/nearby's), its pin first, with Change for those who run it."""

from __future__ import annotations

from handlers import paging
from handlers.activities import cards
from handlers.callbacks import Button
from handlers.context import Context, keyboard
from handlers.events import InlineKeyboard
from handlers.router import Router
from handlers.stations.manage import REFUSAL, AddStation, EditStation, summary
from models.errors import Conflict
from models.stations import stations
from models.stations.stations import StationPlan
from models.stations.tables import Station
from models.teams.tables import Role

router = Router()


# ---- /stations ----------------------------------------------------------------------------------


@router.command("stations", menu=35, role=Role.COORDINATOR, refusal=REFUSAL)
async def list_stations(ctx: Context) -> None:
    """A coordinator or admin wants the stations they run."""
    await _show_list(ctx, 0, edit=False)


class TurnStations(Button, action="sta.page", lasting=True):
    """The coordinator turns a page of /stations."""

    page: int


@router.button(TurnStations, role=Role.COORDINATOR, refusal=REFUSAL)
async def turn_stations(ctx: Context, turn: TurnStations) -> None:
    """The coordinator turned a page of their stations."""
    await _show_list(ctx, turn.page, edit=True)


async def _show_list(ctx: Context, page: int, *, edit: bool) -> None:
    mine = await stations.managed(ctx.session, ctx.user_id, ctx.deployment.admin_ids)
    entries = [
        paging.Entry(
            ctx.t("stations.item", name=station.name, address=station.address),
            (ctx.button(station.name[:40], OpenStation(station.id)),),
        )
        for station in mine
    ]
    header = ctx.t("stations.header", count=len(mine)) if mine else ctx.t("stations.none")
    actions = [
        ctx.button(ctx.t("stations.add"), AddStation()),
        ctx.button(ctx.t("stations.import"), ImportStations()),
    ]
    paging.show(ctx, header, entries, page, TurnStations, edit=edit, after=[actions])


class ImportStations(Button, action="sta.import", lasting=True):
    """The coordinator wants to import stations from a file (handled in `import_stations`)."""


# ---- a station's card -------------------------------------------------------------------------


class OpenStation(Button, action="sta.show", lasting=True):
    """Someone opens a station's card (from the nearby list, or /stations)."""

    station_id: int


@router.button(OpenStation)
async def open_station(ctx: Context, choice: OpenStation) -> None:
    """Someone opened a station: its pin on the map, then its card."""
    station = await ctx.session.get(Station, choice.station_id)
    if station is None:
        raise Conflict("station_gone")
    pin = cards.venue_pin(ctx.event.chat_id, station)
    if pin is not None:
        ctx.outbox.add(pin)
    text, markup = await _card(ctx, station)
    ctx.say(text, markup)


async def _card(ctx: Context, station: Station) -> tuple[str, InlineKeyboard | None]:
    """Name, address, district, opening hours and teams; the Change button for its managers."""
    plan = StationPlan.of(station, [t.id for t in await stations.teams_of(ctx.session, station.id)])
    buttons = []
    if await stations.may_manage(ctx.session, ctx.user_id, station.id, ctx.deployment.admin_ids):
        buttons.append(ctx.button(ctx.t("stations.edit"), EditStation(station.id)))
    return await summary(ctx, plan), keyboard(buttons)
