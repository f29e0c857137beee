"""/stats: a coordinator sees their teams' figures (one team, or all of theirs), an admin
everyone's (or one team's): volunteers, active volunteers, activities, participations and
confirmed hours, by team, theme and month, with a chart of the last 12 months; and a monthly
report to forward as the organisation's bulletin. What the figures mean is in
`models/reports/stats.py`; the chart is drawn by `models/reports/charts.py`.

The report is one self-contained HTML file (styles inline, the chart embedded as a PNG data URI).
A bulletin is read and passed on, not analysed: a tap in the chat opens it in any phone's or
computer's browser, Chinese reads without a font inside the file (the reader's own fonts set it),
and it prints or pastes into an e-mail or an article as it is. Spreadsheets of the records
themselves are the exports' job.
"""

from __future__ import annotations

import asyncio
import base64
import html
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select

from handlers import formatting
from handlers.callbacks import Button
from handlers.context import Context, in_rows, keyboard
from handlers.events import InlineButton, InlineKeyboard, SendDocument, SendPhoto
from handlers.formatting import today
from handlers.reports.splits import people_lines
from handlers.reports.splits import summary_lines as split_lines
from handlers.router import Router
from models.attendance import certificate
from models.attendance.certificate import CertificateFontMissing
from models.attendance.hours import hours_text
from models.reports import charts, splits, stats
from models.reports.charts import ChartWording
from models.reports.splits import Split
from models.reports.stats import MonthLine, Overview, Scope, Service
from models.teams.tables import OVERSEERS, Team

router = Router()
log = logging.getLogger(__name__)

ALL = "all"  # a scope button's argument: every team the presser may see
LIST_MAX = 10  # lines by team and by theme in the message; the report lists them all
TEAM_BUTTONS_MAX = 8
TEAM_NAME_SHOWN_MAX = 40  # characters of a team's name on a button
REPORT_MONTHS_BACK = 12  # how far back a monthly report can be asked for
LAST_MONTH = ""  # a report button that names no month: last month's, with the others to pick


@dataclass(frozen=True)
class View:
    """Whose figures are shown, to someone allowed to see them."""

    scope: Scope
    key: str  # how buttons name the scope: ALL or a team id
    name: str  # how people read it
    admin: bool
    teams: tuple[Team, ...]  # a coordinator's own teams (an admin's are not listed)
    organisation: bool = False  # `name` is the organisation whose teams these are

    @property
    def one_team(self) -> bool:
        return self.scope.team_ids is not None and len(self.scope.team_ids) == 1


async def _view(ctx: Context, key: str) -> View:
    """The scope `key` names, once the asker (an admin or a coordinator: the router checked)
    is shown to be an admin or its coordinator (`stats.allowed`)."""
    team_id = None if key == ALL else int(key)
    shown = await stats.allowed(ctx.session, ctx.user_id, ctx.deployment.admin_ids, team_id)
    admin, teams = shown.admin, shown.teams
    if shown.team is not None:
        return View(shown.scope, str(shown.team.id), shown.team.name, admin, teams)
    if admin:
        return View(shown.scope, ALL, ctx.t("stats.scope_all"), admin, teams)
    if shown.organisation is not None:
        return View(shown.scope, ALL, shown.organisation.name, admin, teams, organisation=True)
    name = teams[0].name if len(teams) == 1 else ctx.t("stats.scope_teams", count=len(teams))
    return View(shown.scope, ALL, name, admin, teams)


@router.command("stats", menu=90, role=OVERSEERS, refusal="stats_not_coordinator")
async def show_stats(ctx: Context) -> None:
    """A coordinator or admin asked for statistics (of one team, when they named it)."""
    view = await _view(ctx, ALL)
    if typed := ctx.event.command_args:
        team_id = await ctx.session.scalar(select(Team.id).where(Team.name == typed))
        if team_id is None:
            ctx.say(ctx.t("stats.team_unknown", name=typed[:TEAM_NAME_SHOWN_MAX]))
            return
        view = await _view(ctx, str(team_id))
    await _show(ctx, view)


class ShowScope(Button, action="st.show", lasting=True):
    """The coordinator picks one team's figures, or all of theirs."""

    scope: str  # ALL or a team id


@router.button(ShowScope, role=OVERSEERS, refusal="stats_not_coordinator")
async def show_scope(ctx: Context, choice: ShowScope) -> None:
    """The coordinator picked one team, or all of theirs."""
    await _show(ctx, await _view(ctx, choice.scope))


async def _show(ctx: Context, view: View) -> None:
    zone = ctx.deployment.zone
    month = stats.month_of(ctx.clock.now(), zone)
    overview = await stats.overview(
        ctx.session, view.scope, last=month, months=stats.MONTHS_SHOWN, zone=zone
    )
    split = await splits.split(
        ctx.session, view.scope, last=month, months=stats.MONTHS_SHOWN, zone=zone
    )
    chart = await asyncio.to_thread(charts.render_chart, overview.months, *chart_wording(ctx))
    period = overview.period
    caption = ctx.t("stats.chart_caption", scope=view.name, first=period.first, last=period.last)
    ctx.outbox.add(SendPhoto(ctx.event.chat_id, "stats.png", chart, caption=caption))
    ctx.say(summary(ctx, view, overview, split), buttons(ctx, view, overview))


def chart_wording(ctx: Context) -> tuple[ChartWording, Path | None]:
    """The chart's words, in the asker's language set in the CJK font; without that font, in
    English and matplotlib's own font (Chinese would show as empty boxes)."""
    language = ctx.lang
    try:
        font: Path | None = certificate.find_font(ctx.deployment.certificates.font)
    except CertificateFontMissing:
        log.warning("no CJK font for charts: their words are in English")
        font, language = None, "en"
    wording = ChartWording(
        title=ctx.texts.get(language, "stats.chart_title"),
        hours=ctx.texts.get(language, "stats.chart_hours"),
        participations=ctx.texts.get(language, "stats.chart_participations"),
    )
    return wording, font


def summary(ctx: Context, view: View, overview: Overview, split: Split) -> str:
    """The figures as a chat message, with what they mean underneath."""
    zone, period, served = ctx.deployment.zone, overview.period, overview.service
    people = overview.volunteers
    month = overview.months[-1]
    lines = [
        ctx.t("stats.header", scope=view.name),
        ctx.t("stats.as_of", date=today(ctx.clock.now(), zone), zone=zone.key),
        "",
        ctx.t("stats.volunteers_all", registered=people.registered, new=people.new)
        if view.scope.everything
        else ctx.t("stats.volunteers_teams", registered=people.registered, new=people.new),
        ctx.t("stats.window", first=period.first, last=period.last),
        ctx.t(
            "stats.service",
            volunteers=served.volunteers,
            activities=served.activities,
            participations=served.participations,
            hours=hours_value(ctx, served),
        ),
        ctx.t(
            "stats.this_month",
            participations=month.participations,
            hours=formatting.duration(ctx.texts, ctx.lang, month.minutes),
        ),
    ]
    if not view.one_team:
        lines += ["", ctx.t("stats.by_team")]
        lines += [
            ctx.t(
                "stats.team_line",
                name=line.name,
                members=line.members,
                volunteers=line.service.volunteers,
                participations=line.service.participations,
                hours=formatting.duration(ctx.texts, ctx.lang, line.service.minutes),
            )
            for line in overview.teams[:LIST_MAX]
        ]
        if len(overview.teams) > LIST_MAX:
            lines.append(ctx.t("stats.more", count=len(overview.teams) - LIST_MAX))
    lines += ["", ctx.t("stats.by_theme")]
    lines += [
        ctx.t(
            "stats.theme_line",
            name=line.name(ctx.lang),
            participations=line.service.participations,
            hours=formatting.duration(ctx.texts, ctx.lang, line.service.minutes),
        )
        for line in overview.themes[:LIST_MAX]
    ] or [ctx.t("stats.none")]
    if len(overview.themes) > LIST_MAX:
        lines.append(ctx.t("stats.more", count=len(overview.themes) - LIST_MAX))
    lines += split_lines(ctx, split, one_team=view.one_team)
    lines += ["", ctx.t("stats.footnote", zone=zone.key)]
    return "\n".join(lines)


def hours_value(ctx: Context, served: Service) -> str:
    """`7 h (credited 6.5 h, honour 0.5 h)`."""
    return ctx.t(
        "stats.hours_value",
        total=formatting.duration(ctx.texts, ctx.lang, served.minutes),
        credited=formatting.duration(ctx.texts, ctx.lang, served.credited),
        honour=formatting.duration(ctx.texts, ctx.lang, served.honour),
    )


def buttons(ctx: Context, view: View, overview: Overview) -> InlineKeyboard | None:
    """Other teams to look at, all of them, and the monthly report of what is shown."""
    if view.admin:
        choices = [(line.team_id, line.name) for line in overview.teams] if view.key == ALL else []
    else:
        choices = [(team.id, team.name) for team in view.teams] if len(view.teams) > 1 else []
    b = ctx.button
    teams = [
        b(name[:TEAM_NAME_SHOWN_MAX], ShowScope(str(team_id)))
        for team_id, name in choices
        if str(team_id) != view.key
    ][:TEAM_BUTTONS_MAX]
    every: list[InlineButton] = []
    if view.key != ALL:
        label = ctx.t("stats.button_all") if view.admin else ctx.t("stats.button_all_mine")
        every.append(b(label, ShowScope(ALL)))
    report = [b(ctx.t("stats.button_report"), SendReport(view.key))]
    return keyboard(*in_rows(teams, 2), every, report)


# ---- the monthly report -----------------------------------------------------------------------


class SendReport(Button, action="st.report", lasting=True):
    """The coordinator asks for the monthly report of what is shown: last month's, or a month
    they picked (YYYY-MM)."""

    scope: str  # ALL or a team id
    month: str = LAST_MONTH


@router.button(SendReport, role=OVERSEERS, refusal="stats_not_coordinator")
async def send_report(ctx: Context, report: SendReport) -> None:
    """The coordinator asked for a monthly report: last month's, or the month they picked."""
    view = await _view(ctx, report.scope)
    zone = ctx.deployment.zone
    this_month = stats.month_of(ctx.clock.now(), zone)
    last_month = stats.add_months(this_month, -1)
    picked = report.month != LAST_MONTH
    month = date.fromisoformat(f"{report.month}-01") if picked else last_month
    overview = await stats.overview(ctx.session, view.scope, last=month, months=1, zone=zone)
    split = await splits.split(ctx.session, view.scope, last=month, months=1, zone=zone)
    chart = await asyncio.to_thread(charts.render_chart, overview.months, *chart_wording(ctx))
    named = ctx.t("stats.month", month=month)
    ctx.outbox.add(
        SendDocument(
            ctx.event.chat_id,
            f"volunteer-report-{month:%Y-%m}.html",
            report_html(ctx, view, overview, split, chart).encode(),
            caption=ctx.t("stats.report_caption", scope=view.name, month=named),
        )
    )
    if not picked:
        # This month so far, then the ones before last month.
        back = range(1, REPORT_MONTHS_BACK)
        others = [this_month, *(stats.add_months(last_month, -n) for n in back)]
        choices = [
            ctx.button(f"{other:%Y-%m}", SendReport(view.key, f"{other:%Y-%m}")) for other in others
        ]
        ctx.say(ctx.t("stats.report_other"), keyboard(*in_rows(choices, 3)))


REPORT_STYLE = """
body { font-family: sans-serif; max-width: 46em; margin: 2em auto; padding: 0 1em; color: #222 }
h1 { font-size: 1.5em; margin-bottom: 0.2em } .sub { color: #666; margin-top: 0 }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0 1.5em }
th, td { border-bottom: 1px solid #ddd; padding: 0.35em 0.5em; text-align: left }
td.n, th.n { text-align: right } img { max-width: 100% } .note { color: #666; font-size: 0.9em }
"""


def _element(tag: str, text: str, css_class: str = "") -> str:
    attribute = f' class="{css_class}"' if css_class else ""
    return f"<{tag}{attribute}>{html.escape(text)}</{tag}>"


def _table(head: list[str], rows: list[list[str]], numeric_from: int = 1) -> str:
    """An HTML table; columns from `numeric_from` on are figures (right-aligned)."""

    def cells(tag: str, values: list[str]) -> str:
        return "".join(
            _element(tag, value, "n" if i >= numeric_from else "") for i, value in enumerate(values)
        )

    body = "".join(f"<tr>{cells('td', row)}</tr>" for row in rows)
    return f"<table><thead><tr>{cells('th', head)}</tr></thead><tbody>{body}</tbody></table>"


def _amounts(line: Service | MonthLine) -> list[str]:
    return [str(line.participations), hours_text(line.minutes)]


def report_html(ctx: Context, view: View, overview: Overview, split: Split, chart: bytes) -> str:
    """The monthly report: the month's figures, by team, organisation, gender and age and by
    theme, and the last 12 months (a table and the chart), with what the words mean."""
    t, served, people = ctx.t, overview.service, overview.volunteers
    title = t("stats.report_title", month=t("stats.month", month=overview.period.first))
    # A bulletin is read by others: "your 2 teams" would not tell them whose it is.
    mine = view.key == ALL and not view.admin and not view.organisation
    named = (
        formatting.joined(ctx.texts, ctx.lang, (t.name for t in view.teams)) if mine else view.name
    )
    made = t("stats.report_made", scope=named, date=today(ctx.clock.now(), ctx.deployment.zone))
    everyone = view.scope.everything
    figures = [
        [
            t("stats.report_registered") if everyone else t("stats.report_members"),
            str(people.registered),
        ],
        [t("stats.report_new") if everyone else t("stats.report_joined"), str(people.new)],
        [t("stats.report_active"), str(served.volunteers)],
        [t("stats.report_activities"), str(served.activities)],
        [t("stats.report_participations"), str(served.participations)],
        [t("stats.report_hours"), hours_value(ctx, served)],
    ]
    counts = [t("stats.report_participations"), t("stats.report_hours_column")]
    parts = [
        _element("h1", title),
        _element("p", made, "sub"),
        _element("h2", t("stats.report_figures")),
        _table([t("stats.report_figure"), t("stats.report_value")], figures),
    ]
    if not view.one_team:
        head = [t("stats.report_team"), t("stats.report_members"), t("stats.report_active")]
        rows = [
            [line.name, str(line.members), str(line.service.volunteers), *_amounts(line.service)]
            for line in overview.teams
        ]
        parts += [_element("h2", t("stats.by_team")), _table(head + counts, rows)]
    if split.organisations and not view.one_team:
        head = [t("stats.report_organisation"), t("stats.report_teams")]
        rows = [
            [line.name, str(line.teams), *_amounts(line.service)] for line in split.organisations
        ]
        parts += [_element("h2", t("stats.by_organisation")), _table(head + counts, rows)]
    if split.people.stated:
        rows = [[what, str(count)] for what, count in people_lines(ctx, split.people)]
        head = [
            t("stats.report_figure"),
            t("stats.report_members" if not everyone else "stats.report_registered"),
        ]
        parts += [_element("h2", t("stats.by_person")), _table(head, rows)]
    themes = [[line.name(ctx.lang), *_amounts(line.service)] for line in overview.themes]
    months = [[f"{line.month:%Y-%m}", *_amounts(line)] for line in overview.months]
    picture = base64.b64encode(chart).decode()
    parts += [
        _element("h2", t("stats.by_theme")),
        _table([t("stats.report_theme"), *counts], themes)
        if themes
        else _element("p", t("stats.none")),
        _element("h2", t("stats.report_trend")),
        f'<img alt="{html.escape(t("stats.chart_title"))}" src="data:image/png;base64,{picture}">',
        _table([t("stats.report_month"), *counts], months),
        _element("p", t("stats.report_footnote", zone=ctx.deployment.zone.key), "note"),
    ]
    body = "\n".join(parts)
    return (
        f'<!DOCTYPE html>\n<html lang="{ctx.lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{REPORT_STYLE}</style></head>\n"
        f"<body>\n{body}\n</body></html>\n"
    )
