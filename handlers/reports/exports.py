"""/export: a coordinator (for their teams) or an admin (for one team or all) downloads the
volunteers or the confirmed service records as CSV or XLSX, in the layout the national volunteer
information system imports (docs/exports.md), with the totals in the caption.

Every choice is a button, and each button carries the choices made so far, so a press needs no
conversation state and is checked afresh on the server: the team is re-checked against the
presser's roles at every step and once more before anything is read. Every export is audited.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from functools import partial

from handlers import formatting
from handlers.callbacks import Button
from handlers.context import Context, in_rows, keyboard
from handlers.events import SendDocument
from handlers.router import Router
from models.organisations import organisations
from models.reports import exports
from models.reports.export_files import FileFormat, Table
from models.reports.exports import Period, Scope
from models.teams import roles
from models.teams.tables import OVERSEERS

router = Router()

# Telegram takes documents of up to 50 MB from a bot
# (https://core.telegram.org/bots/api#sending-files).
DOCUMENT_MAX_BYTES = 50 * 1024 * 1024
# Beyond this many rows the file is made on the server with `volbot export`: a chat export holds
# its rows in memory between reading them and writing the file.
CHAT_ROWS_MAX = 100_000
TEAMS_PER_PAGE = 8
ALL_TEAMS = 0
NO_PERIOD = "-"

# One kind of button per answer, each carrying the answers before it.


@router.command("export", menu=100, role=OVERSEERS, refusal="export_not_coordinator")
async def start(ctx: Context) -> None:
    """A coordinator or admin asked to export: volunteers or service records?"""
    _ask_what(ctx)


class StartExport(Button, action="ex.start", lasting=True):
    """(Under /manage) the same as /export."""


@router.button(StartExport, role=OVERSEERS, refusal="export_not_coordinator")
async def start_from_manage(ctx: Context, choice: StartExport) -> None:
    """The coordinator pressed Export under their /manage list."""
    _ask_what(ctx)


def _ask_what(ctx: Context) -> None:
    b = ctx.button
    ctx.say(
        ctx.t("exports.choose_what"),
        keyboard(
            [b(ctx.t("exports.what_volunteers"), ChooseTable(Table.VOLUNTEERS))],
            [b(ctx.t("exports.what_records"), ChooseTable(Table.RECORDS))],
        ),
    )


class ChooseTable(Button, action="ex.what", lasting=True):
    """Volunteers or service records?"""

    what: Table


@router.button(ChooseTable, role=OVERSEERS)
async def chose_what(ctx: Context, choice: ChooseTable) -> None:
    """They chose the table: which team (unless they coordinate just one)?"""
    await _ask_team(ctx, choice.what, page=0)


class ShowMoreTeams(Button, action="ex.teams", lasting=True):
    """Another page of teams to export."""

    what: Table
    page: int


@router.button(ShowMoreTeams, role=OVERSEERS)
async def more_teams(ctx: Context, choice: ShowMoreTeams) -> None:
    """They asked for the next page of teams."""
    await _ask_team(ctx, choice.what, page=choice.page)


async def _ask_team(ctx: Context, what: Table, page: int) -> None:
    """Which team: one of theirs, all of an organisation's they are an admin of (an
    organisation admin), or all teams (an admin)."""
    teams = await organisations.overseen_teams(ctx.session, ctx.user_id, ctx.deployment.admin_ids)
    admin = await roles.is_admin(ctx.session, ctx.user_id, ctx.deployment.admin_ids)
    groups = await organisations.administered(ctx.session, ctx.user_id)
    if len(teams) == 1 and not admin and not groups:
        await _after_team(ctx, what, teams[0].id)
        return
    shown = teams[page * TEAMS_PER_PAGE : (page + 1) * TEAMS_PER_PAGE]
    named = {team.id: team.name[:40] for team in shown}
    if page == 0:
        every = {-o.id: ctx.t("exports.organisation_teams", name=o.name[:40]) for o in groups}
        if admin:
            every = {ALL_TEAMS: ctx.t("exports.all_teams")}
        named = {**every, **named}
    rows = ctx.choices(named, partial(ChooseTeam, what))
    if len(teams) > (page + 1) * TEAMS_PER_PAGE:
        rows.append([ctx.button(ctx.t("exports.more_teams"), ShowMoreTeams(what, page + 1))])
    ctx.edit_pressed(ctx.t("exports.choose_team"), keyboard(*rows))


class ChooseTeam(Button, action="ex.team", lasting=True):
    """The team to export (ALL_TEAMS, for admins; minus an organisation's id: all of its
    teams, for its admins). The later buttons carry the same `team_id`."""

    what: Table
    team_id: int


@router.button(ChooseTeam)
async def chose_team(ctx: Context, choice: ChooseTeam) -> None:
    """They chose the team (or all teams)."""
    await _team(ctx, choice.team_id)
    await _after_team(ctx, choice.what, choice.team_id)


async def _after_team(ctx: Context, what: Table, team_id: int) -> None:
    """Records are for a period; volunteers are everyone on the list today."""
    if what is Table.VOLUNTEERS:
        _ask_format(ctx, what, team_id, NO_PERIOD)
        return
    buttons = [
        ctx.button(ctx.t(f"exports.period_{period}"), ChoosePeriod(what, team_id, period))
        for period in Period
    ]
    ctx.edit_pressed(ctx.t("exports.choose_period"), keyboard(*in_rows(buttons, 2)))


class ChoosePeriod(Button, action="ex.period", lasting=True):
    """The period of the service records."""

    what: Table
    team_id: int
    period: Period


@router.button(ChoosePeriod)
async def chose_period(ctx: Context, choice: ChoosePeriod) -> None:
    """They chose the period of the records."""
    await _team(ctx, choice.team_id)
    _ask_format(ctx, choice.what, choice.team_id, choice.period)


def _ask_format(ctx: Context, what: Table, team_id: int, period: str) -> None:
    buttons = [
        ctx.button(ctx.t(f"exports.format_{f}"), ChooseFormat(what, team_id, period, f))
        for f in FileFormat
    ]
    ctx.edit_pressed(ctx.t("exports.choose_format"), keyboard(buttons))


class ChooseFormat(Button, action="ex.format", lasting=True):
    """The file format: the file is made and sent."""

    what: Table
    team_id: int
    period: str  # a `Period`, or NO_PERIOD for volunteers
    file_format: FileFormat


@router.button(ChooseFormat)
async def chose_format(ctx: Context, choice: ChooseFormat) -> None:
    """They chose the file format: make the file and send it, with its totals."""
    what, team_id, period, file_format = (
        choice.what,
        choice.team_id,
        choice.period,
        choice.file_format,
    )
    team_name, scoped = await _team(ctx, team_id)
    zone, now = ctx.deployment.zone, ctx.clock.now()
    today = formatting.today(now, zone)
    first, last = (
        (None, None) if period == NO_PERIOD else exports.period_days(Period(period), today)
    )
    scope = scoped(what, first, last)
    rows = await exports.count(ctx.session, scope, zone)
    if rows == 0:
        ctx.edit_pressed(ctx.t(f"exports.empty_{what}", team=team_name))
        return
    if rows > CHAT_ROWS_MAX:
        ctx.edit_pressed(ctx.t("exports.too_many", rows=f"{rows:,}", max=f"{CHAT_ROWS_MAX:,}"))
        return
    days = today.isoformat() if first is None or last is None else f"{first}_{last}"
    named = {ALL_TEAMS: "all"}.get(team_id, f"team{team_id}" if team_id > 0 else f"org{-team_id}")
    filename = f"{what}-{named}-{days}.{file_format}"
    ctx.after_commit(partial(_send, ctx, scope, file_format, filename, team_name, now))


async def _send(
    ctx: Context,
    scope: Scope,
    file_format: FileFormat,
    filename: str,
    team_name: str,
    now: datetime,
) -> None:
    """After the choice's transaction: read the rows in a read-only transaction, write the file
    in a thread (the CPU work of XLSX), then audit it in a short transaction of its own, so
    that no lock is held while the file is made (on SQLite, every other write would wait)."""
    zone = ctx.deployment.zone
    async with ctx.reading() as session:
        rows, totals = await exports.read(session, scope, zone=zone, cipher=ctx.cipher)
    content = await asyncio.to_thread(exports.build, file_format, scope.table, rows)
    del rows
    if len(content) > DOCUMENT_MAX_BYTES:
        ctx.edit_pressed(ctx.t("exports.too_large", mb=DOCUMENT_MAX_BYTES // (1024 * 1024)))
        return
    async with ctx.writing() as session:
        exports.record(
            session,
            actor=ctx.user_id,
            scope=scope,
            file_format=file_format,
            totals=totals,
            at=now,
        )
    ctx.edit_pressed(ctx.t("exports.sending", team=team_name))
    caption = _caption(ctx, scope, team_name, totals)
    ctx.outbox.add(SendDocument(ctx.event.chat_id, filename, content, caption=caption))


def _caption(ctx: Context, scope: Scope, team_name: str, totals: exports.Totals) -> str:
    if scope.table is Table.VOLUNTEERS:
        count = f"{totals.volunteers:,}"
        return ctx.t("exports.caption_volunteers", team=team_name, count=count)
    return ctx.t(
        "exports.caption_records",
        team=team_name,
        first=scope.first_day,
        last=scope.last_day,
        count=f"{totals.records:,}",
        credited=formatting.duration(ctx.texts, ctx.lang, totals.credited_minutes),
        honour=formatting.duration(ctx.texts, ctx.lang, totals.honour_minutes),
    )


async def _team(ctx: Context, team_id: int) -> tuple[str, partial[Scope]]:
    """The name of the teams a button names and their export scope (waiting for the table and
    days), once the presser is shown to see them: all teams only for an admin, an
    organisation's teams for its admins (and admins)."""
    admin_ids = ctx.deployment.admin_ids
    if team_id < 0:
        group = await exports.exportable_organisation(ctx.session, ctx.user_id, -team_id, admin_ids)
        return group.name, partial(_scope, organisation_id=group.id)
    chosen = None if team_id == ALL_TEAMS else team_id
    team = await exports.exportable_team(ctx.session, ctx.user_id, chosen, admin_ids)
    if team is None:
        return ctx.t("exports.every_team"), partial(_scope)
    return team.name, partial(_scope, team_id=team.id)


def _scope(
    table: Table,
    first: date | None,
    last: date | None,
    *,
    team_id: int | None = None,
    organisation_id: int | None = None,
) -> Scope:
    return Scope(table, team_id, first, last, organisation_id)
