"""The dashboard's figures and downloads for coordinators: what `/stats` shows (as JSON series
for the page's charts) and what `/export` sends (CSV or XLSX), for the teams the chat's own
rules let them see (`stats.allowed`, `exports.exportable_team`), every export audited."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.dashboard.access import FORBIDDEN, ApiError, Caller, require_coordinator
from handlers.formatting import today
from handlers.reports.exports import CHAT_ROWS_MAX
from handlers.services import Services
from models.errors import Conflict, NotAllowed
from models.reports import exports, stats
from models.reports.export_files import Cell, FileFormat, Table
from models.reports.stats import Service

E = TypeVar("E", bound=StrEnum)
CONTENT_TYPES = {
    FileFormat.CSV: "text/csv",
    FileFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _team_id(query: dict[str, str]) -> int | None:
    team = query.get("team", "")
    if not team:
        return None
    if not team.isdigit() or len(team) > 12:
        raise ApiError(400, "invalid_team", "team")
    return int(team)


def _service(service: Service) -> dict[str, int]:
    return {
        "participations": service.participations,
        "volunteers": service.volunteers,
        "activities": service.activities,
        "credited_minutes": service.credited,
        "honour_minutes": service.honour,
    }


async def figures(
    services: Services, session: AsyncSession, who: Caller, query: dict[str, str]
) -> dict[str, Any]:
    """The /stats figures of all their teams, or of one (`team`)."""
    await require_coordinator(session, services, who)
    zone, admins = services.deployment.zone, services.deployment.admin_ids
    try:
        shown = await stats.allowed(session, who.telegram_id, admins, _team_id(query))
    except Conflict as error:
        raise ApiError(404, "not_found") from error
    except NotAllowed as error:
        raise FORBIDDEN from error
    month = stats.month_of(services.clock.now(), zone)
    overview = await stats.overview(
        session, shown.scope, last=month, months=stats.MONTHS_SHOWN, zone=zone
    )
    return {
        "team": {"id": shown.team.id, "name": shown.team.name} if shown.team else None,
        "first_month": overview.period.first.isoformat(),
        "last_month": overview.period.last.isoformat(),
        "volunteers": {
            "registered": overview.volunteers.registered,
            "new": overview.volunteers.new,
        },
        "service": _service(overview.service),
        "teams": [
            {"id": line.team_id, "name": line.name, "members": line.members}
            | _service(line.service)
            for line in overview.teams
        ],
        "themes": [
            {"id": line.theme_id, "name": line.name(who.language)} | _service(line.service)
            for line in overview.themes
        ],
        "months": [
            {
                "month": line.month.isoformat(),
                "participations": line.participations,
                "credited_minutes": line.credited,
                "honour_minutes": line.honour,
            }
            for line in overview.months
        ],
    }


@dataclass(frozen=True)
class Download:
    """A file to send: its rows are read (and the export audited) in the request's
    transaction; the file is written afterwards, in a thread (`exports.build`)."""

    filename: str
    file_format: FileFormat
    table: Table
    rows: list[list[Cell]]

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.file_format]

    def build(self) -> bytes:
        return exports.build(self.file_format, self.table, self.rows)


def _choice(kind: type[E], query: dict[str, str], field: str) -> E:
    try:
        return kind(query.get(field, ""))
    except ValueError as error:
        raise ApiError(400, f"invalid_{field}", field) from error


async def download(
    services: Services, session: AsyncSession, who: Caller, query: dict[str, str]
) -> Download:
    """/export's files: `kind` volunteers or records (of a `period`), as `format` csv or xlsx,
    of one `team` or (admins) all."""
    await require_coordinator(session, services, who)
    table = _choice(Table, query, "kind")
    file_format = _choice(FileFormat, query, "format")
    try:
        team = await exports.exportable_team(
            session, who.telegram_id, _team_id(query), services.deployment.admin_ids
        )
    except Conflict as error:
        raise ApiError(404, "not_found") from error
    except NotAllowed as error:
        raise FORBIDDEN from error
    zone, now = services.deployment.zone, services.clock.now()
    day = today(now, zone)
    first = last = None
    if table is Table.RECORDS:
        first, last = exports.period_days(_choice(exports.Period, query, "period"), day)
    scope = exports.Scope(table, team.id if team else None, first, last)
    if await exports.count(session, scope, zone) > CHAT_ROWS_MAX:
        raise ApiError(409, "export_too_many")
    rows, totals = await exports.read(session, scope, zone=zone, cipher=services.cipher)
    exports.record(
        session, actor=who.telegram_id, scope=scope, file_format=file_format, totals=totals, at=now
    )
    days = day.isoformat() if first is None or last is None else f"{first}_{last}"
    name = f"{table}-{f'team{team.id}' if team else 'all'}-{days}.{file_format}"
    return Download(name, file_format, table, rows)
