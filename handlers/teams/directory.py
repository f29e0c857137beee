"""The team directory, for volunteers: `/teams` shows their own teams (to leave one) and opens
the directory of every team, by district and theme, a page of cards at a time; a team's card
says what it does, how many members it has, its activities and service hours this year, and
asks to join it (the request goes to its coordinators: `membership.ask`)."""

from __future__ import annotations

from enum import StrEnum
from functools import partial

from handlers import formatting, paging
from handlers.callbacks import Button, OnTeam
from handlers.context import Context, in_rows, keyboard
from handlers.events import InlineButton
from handlers.router import Router
from handlers.teams.membership import AskToJoin, LeaveTeam, team_of
from models.reference import District, Theme
from models.registration import volunteers
from models.teams import directory, membership
from models.teams.directory import Filters
from models.teams.tables import TeamMember

router = Router()
# Cards to a page: each card is a line and a button, so a page stays short enough to read.
PAGE_SIZE = 8
ANY = 0  # "no filter" in button fields

Facet = StrEnum("Facet", "DISTRICT THEME")


@router.command("teams", menu=80, registered=True, refusal="register_first")
async def my_teams(ctx: Context) -> None:
    """The volunteer asked which teams they are in."""
    mine = await membership.teams_of(ctx.session, ctx.registered_volunteer)
    lines = [ctx.t("teams.mine_header") if mine else ctx.t("teams.mine_none")]
    b = ctx.button
    rows = []
    for member in mine:
        lines.append(ctx.t(f"teams.mine_{member.status}", team=member.team.name))
        label = ctx.t("teams.leave", team=member.team.name[:30])
        rows.append([b(label, LeaveTeam(member.team.id))])
    rows.append([b(ctx.t("teams.browse"), BrowseTeams())])
    ctx.say("\n".join(lines), keyboard(*rows))


class BrowseTeams(Button, action="tm.browse", lasting=True):
    """The volunteer opens the team directory."""


@router.button(BrowseTeams, registered=True, refusal="register_first")
async def browse(ctx: Context, browsing: BrowseTeams) -> None:
    """The volunteer wants to find a team to join: the directory's first page, every team."""
    await _show(ctx, Filters(), 0, edit=False)


class TurnDirectory(Button, action="tm.dir", lasting=True):
    """The volunteer turns a page of the directory, or picked a district or theme."""

    page: int
    district_id: int  # ANY: every district
    theme_id: int  # ANY: every theme


def _filters_of(button: TurnDirectory | ChooseFacet) -> Filters:
    return Filters(district_id=button.district_id or None, theme_id=button.theme_id or None)


def _turn_to(filters: Filters, page: int) -> TurnDirectory:
    return TurnDirectory(page, filters.district_id or ANY, filters.theme_id or ANY)


@router.button(TurnDirectory, registered=True, refusal="register_first")
async def turn_page(ctx: Context, turn: TurnDirectory) -> None:
    """The volunteer turned a page of the directory or changed its district or theme."""
    await _show(ctx, _filters_of(turn), turn.page, edit=True)


async def _show(ctx: Context, filters: Filters, number: int, *, edit: bool) -> None:
    found = await directory.page(
        ctx.session,
        filters,
        number=number,
        size=PAGE_SIZE,
        now=ctx.clock.now(),
        zone=ctx.deployment.zone,
    )
    district = await _name(ctx, District, filters.district_id, "teams.any_district")
    theme = await _name(ctx, Theme, filters.theme_id, "teams.any_theme")
    header = ctx.t("teams.directory_header", district=district, theme=theme, count=found.total)
    if not found.cards:
        header += "\n" + ctx.t("teams.directory_empty")
    entries = [
        paging.Entry(
            ctx.t(
                "teams.directory_line",
                team=card.team.name,
                members=card.members,
                activities=card.activities,
                hours=formatting.duration(ctx.texts, ctx.lang, card.minutes),
            ),
            (ctx.button(card.team.name[:40], ShowTeam(card.team.id)),),
        )
        for card in found.cards
    ]
    pages = max(1, -(-found.total // PAGE_SIZE))
    b = ctx.button
    facets = [
        b(ctx.t("teams.filter_district", district=district), _choose(Facet.DISTRICT, filters)),
        b(ctx.t("teams.filter_theme", theme=theme), _choose(Facet.THEME, filters)),
    ]
    turn = partial(_turn_to, filters)
    paging.show_page(ctx, header, entries, found.number, pages, turn, edit=edit, after=[facets])


async def _name(
    ctx: Context, table: type[District | Theme], row_id: int | None, anything: str
) -> str:
    found: District | Theme | None = None
    if row_id is not None:
        found = await ctx.session.get(table, row_id)
    return found.name(ctx.lang) if found is not None else ctx.t(anything)


class ChooseFacet(Button, action="tm.dir.f", lasting=True):
    """The volunteer wants to pick the directory's district or theme."""

    facet: Facet
    district_id: int  # the filters in use: ANY for any
    theme_id: int


def _choose(facet: Facet, filters: Filters) -> ChooseFacet:
    return ChooseFacet(facet, filters.district_id or ANY, filters.theme_id or ANY)


@router.button(ChooseFacet, registered=True, refusal="register_first")
async def choose_facet(ctx: Context, choice: ChooseFacet) -> None:
    """The volunteer wants to see the teams of one district, or of one theme."""
    current = _filters_of(choice)
    options: list[tuple[str, Filters]]
    if choice.facet is Facet.DISTRICT:
        options = [
            (district.name(ctx.lang), Filters(district.id, current.theme_id))
            for district in await volunteers.districts(ctx.session)
        ]
        options.append((ctx.t("teams.any_district"), Filters(None, current.theme_id)))
    else:
        options = [
            (theme.name(ctx.lang), Filters(current.district_id, theme.id))
            for theme in await volunteers.themes(ctx.session)
        ]
        options.append((ctx.t("teams.any_theme"), Filters(current.district_id, None)))
    buttons: list[InlineButton] = [
        ctx.button(label, _turn_to(filters, 0)) for label, filters in options
    ]
    ctx.edit_pressed(ctx.t(f"teams.choose_{choice.facet}"), keyboard(*in_rows(buttons, 2)))


class ShowTeam(OnTeam, action="tm.show", lasting=True):
    """The volunteer opened a team's card."""


@router.button(ShowTeam)
async def show(ctx: Context, opened: ShowTeam) -> None:
    """The volunteer opened a team's card: what it does and how to join."""
    team = await team_of(ctx, opened.team_id)
    card = await directory.card(ctx.session, team, now=ctx.clock.now(), zone=ctx.deployment.zone)
    themes = [theme.name(ctx.lang) for theme in await directory.themes_of(ctx.session, team.id)]
    district = await _name(ctx, District, team.district_id, "teams.no_district")
    text = ctx.t(
        "teams.card",
        team=team.name,
        description=team.description or "—",
        district=district,
        themes=formatting.joined(ctx.texts, ctx.lang, themes) if themes else "—",
        members=card.members,
        activities=card.activities,
        hours=formatting.duration(ctx.texts, ctx.lang, card.minutes),
    )
    mine = None
    if ctx.volunteer is not None:
        mine = await ctx.session.get(TeamMember, (team.id, ctx.volunteer.id))
    if mine is not None:  # a member, or asked already: no button to ask again
        ctx.say(text + "\n" + ctx.t(f"teams.card_{mine.status}"))
        return
    ctx.say(text, keyboard([ctx.button(ctx.t("teams.ask"), AskToJoin(team.id))]))
