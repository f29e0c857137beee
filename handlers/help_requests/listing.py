"""/help_requests: a coordinator's overview of the requests sent to their teams (open, in hand,
done, declined, with counts) and the list under each, a button per request, a page at a time;
a request opens as its card (`triage`)."""

from __future__ import annotations

from functools import partial

from sqlalchemy import select

from handlers import paging
from handlers.callbacks import Button
from handlers.context import Context, in_rows, keyboard
from handlers.help_requests.triage import ShowHelpRequest
from handlers.router import Router
from models.help_requests import tables
from models.help_requests.tables import HelpRequest
from models.reference import District, Theme
from models.teams.tables import Role

router = Router()


@router.command(
    "help_requests", menu=80, role=Role.COORDINATOR, refusal="help_requests_not_coordinator"
)
async def overview(ctx: Context) -> None:
    """A coordinator asked for the help requests sent to their teams."""
    counts = await tables.counts(ctx.session, ctx.user_id, ctx.deployment.admin_ids)
    buttons = [
        ctx.button(ctx.t(f"help_requests.filter_{name}", count=count), ListHelpRequests(name))
        for name, count in counts.items()
    ]
    ctx.say(ctx.t("help_requests.header"), keyboard(*in_rows(buttons, 2)))


class ListHelpRequests(Button, action="hq.list", lasting=True):
    """The coordinator chooses which requests to see: open, in hand, done or declined (a name
    of `models.help_requests.tables.FILTERS`; the listing refuses any other)."""

    filter_name: str


@router.button(ListHelpRequests, role=Role.COORDINATOR)
async def list_requests(ctx: Context, listing: ListHelpRequests) -> None:
    """The coordinator chose which requests to see: open, in hand, done or declined."""
    await _list(ctx, listing.filter_name, 0, edit=False)


class TurnHelpRequestsPage(Button, action="hq.page", lasting=True):
    """The coordinator turns a page of a long list of requests."""

    filter_name: str
    page: int


@router.button(TurnHelpRequestsPage, role=Role.COORDINATOR)
async def turn_page(ctx: Context, turn: TurnHelpRequestsPage) -> None:
    """The coordinator turned a page of the requests."""
    await _list(ctx, turn.filter_name, turn.page, edit=True)


async def _list(ctx: Context, filter_name: str, page: int, *, edit: bool) -> None:
    """A button per request under the filter, newest first, a page at a time."""
    found = await tables.listing(ctx.session, ctx.user_id, ctx.deployment.admin_ids, filter_name)
    if not found:
        ctx.say(ctx.t("help_requests.none"))
        return
    kinds = {theme.code: theme.name(ctx.lang) for theme in await ctx.session.scalars(select(Theme))}
    districts = {d.id: d.name(ctx.lang) for d in await ctx.session.scalars(select(District))}
    entries = [
        paging.Entry("", (ctx.button(_item(ctx, r, kinds, districts), ShowHelpRequest(r.id)),))
        for r in found
    ]
    turn = partial(TurnHelpRequestsPage, filter_name)
    paging.show(ctx, ctx.t("help_requests.list_header"), entries, page, turn, edit=edit)


def _item(
    ctx: Context, request: HelpRequest, kinds: dict[str, str], districts: dict[int, str]
) -> str:
    kind, district = (
        kinds.get(request.kind, request.kind),
        districts.get(request.district_id or 0, "—"),
    )
    return ctx.t("help_requests.list_item", number=request.id, kind=kind, district=district)
