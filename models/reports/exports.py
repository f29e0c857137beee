"""Records export for the national volunteer information system and for spreadsheets: the
volunteers (of a team, or of the whole deployment) and their confirmed service records, as CSV or
XLSX in the stable column layout documented in docs/exports.md (the layout and the file writers
are `export_files`).

A city holds hundreds of thousands of volunteers and millions of records, so nothing is loaded
whole: rows are read in keyset chunks (`id > last id`, a fresh query per chunk, so no cursor
stays open while the file is written) and written straight out, XLSX in openpyxl's write-only
mode, which keeps memory flat. Totals are counted on the way and returned, so that callers can
say what the file holds.

Exports carry personal data: the national system matches volunteers by their real ID number, so
the number is decrypted with the deployment's key.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.activities.tables import Activity, ServiceRecord, Shift, Signup
from models.attendance.hours import hours_text
from models.crypto import IdCipher
from models.errors import Conflict, NotAllowed
from models.numbers import whole_number
from models.organisations import organisations
from models.organisations.tables import Organisation, OrganisationTeam
from models.reference import District, Theme
from models.registration.tables import Volunteer, VolunteerStatus, volunteer_themes
from models.reports.export_files import COLUMNS, Cell, FileFormat, Table, _open
from models.spreadsheet import Sheet
from models.teams import roles
from models.teams.tables import MemberStatus, Team, TeamMember
from models.training import qualifications

CHUNK_ROWS = 1000
ID_TYPE_RESIDENT = "居民身份证"  # the national system's name for a PRC resident ID card
LIST_SEPARATOR = "、"  # the Chinese enumeration comma, between themes in one cell
DATE_FORMAT = "%Y-%m-%d"
TIME_FORMAT = "%Y-%m-%d %H:%M"  # local time in the deployment's zone, no offset

Progress = Callable[[int], None]


# The periods offered in the chat, by the deployment's local calendar.
Period = StrEnum("Period", "THIS_MONTH LAST_MONTH THIS_YEAR LAST_YEAR")


@dataclass(frozen=True)
class Scope:
    """What to export: a table, one team, an organisation's teams or all (both None), and for
    records the local days of the shifts served, inclusive (None: unbounded)."""

    table: Table
    team_id: int | None = None
    first_day: date | None = None
    last_day: date | None = None
    organisation_id: int | None = None

    def team_ids(self) -> Select[Any] | list[int] | None:
        """The ids of the teams exported (a subquery for an organisation's), or None for every
        team."""
        if self.organisation_id is not None:
            return select(OrganisationTeam.team_id).where(
                OrganisationTeam.organisation_id == self.organisation_id
            )
        return None if self.team_id is None else [self.team_id]


@dataclass
class Totals:
    volunteers: int = 0
    records: int = 0
    credited_minutes: int = 0
    honour_minutes: int = 0

    @property
    def rows(self) -> int:
        return self.volunteers + self.records


# ---- periods and teams ------------------------------------------------------------------------


def period_days(period: Period, today: date) -> tuple[date, date]:
    """The first and last local day of `period` as seen on `today`."""
    if period is Period.THIS_YEAR:
        return date(today.year, 1, 1), date(today.year, 12, 31)
    if period is Period.LAST_YEAR:
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    first = today.replace(day=1)
    if period is Period.LAST_MONTH:
        first = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=31)).replace(day=1)
    return first, following - timedelta(days=1)


async def find_team(session: AsyncSession, name_or_id: str) -> Team | None:
    """A team by its exact name, or else by its id."""
    team = await session.scalar(select(Team).where(Team.name == name_or_id.strip()))
    number = whole_number(name_or_id)
    if team is None and number is not None:
        team = await session.get(Team, number)
    return team


async def exportable_team(
    session: AsyncSession, telegram_id: int, team_id: int | None, admin_ids: Collection[int]
) -> Team | None:
    """The team to export (None: all teams), once the asker is shown to manage it — all teams
    only for an admin (the chat's /export and the dashboard); NotAllowed otherwise."""
    if team_id is None:
        if not await roles.is_admin(session, telegram_id, admin_ids):
            raise NotAllowed("not_coordinator")
        return None
    team = await session.get(Team, team_id)
    if team is None:
        raise Conflict("export_team_gone")
    if not await roles.may_manage(
        session, telegram_id, team_id, admin_ids
    ) and team_id not in await organisations.team_ids_of(session, telegram_id):
        raise NotAllowed("not_coordinator")
    return team


async def exportable_organisation(
    session: AsyncSession, telegram_id: int, organisation_id: int, admin_ids: Collection[int]
) -> Organisation:
    """The organisation whose teams to export together, once the asker is shown to be an admin
    or one of its admins; NotAllowed otherwise."""
    organisation = await organisations.get(session, organisation_id)
    if not await roles.is_admin(session, telegram_id, admin_ids) and organisation.id not in {
        o.id for o in await organisations.administered(session, telegram_id)
    }:
        raise NotAllowed("not_coordinator")
    return organisation


# ---- the queries ------------------------------------------------------------------------------


def _volunteers(scope: Scope) -> Select[Any]:
    query = select(Volunteer.id).where(Volunteer.status == VolunteerStatus.ACTIVE)
    if (teams := scope.team_ids()) is not None:
        # Someone in two of the teams is one row.
        members = select(TeamMember.volunteer_id).where(
            TeamMember.team_id.in_(teams), TeamMember.status == MemberStatus.ACTIVE
        )
        query = query.where(Volunteer.id.in_(members))
    return query


def _records(scope: Scope, zone: ZoneInfo) -> Select[Any]:
    """Confirmed records whose shift starts on the scope's local days, in the scope's team."""
    query = (
        select(ServiceRecord.id)
        .join(Signup, Signup.id == ServiceRecord.signup_id)
        .join(Shift, Shift.id == Signup.shift_id)
        .join(Activity, Activity.id == Shift.activity_id)
        .where(ServiceRecord.confirmed_at.is_not(None))
    )
    if (teams := scope.team_ids()) is not None:
        query = query.where(Activity.team_id.in_(teams))
    if scope.first_day is not None:
        query = query.where(Shift.starts_at >= datetime.combine(scope.first_day, time(), zone))
    if scope.last_day is not None:
        following = scope.last_day + timedelta(days=1)
        query = query.where(Shift.starts_at < datetime.combine(following, time(), zone))
    return query


async def count(session: AsyncSession, scope: Scope, zone: ZoneInfo) -> int:
    """How many rows the export will have below its header (for a progress bar or a limit)."""
    base = _volunteers(scope) if scope.table is Table.VOLUNTEERS else _records(scope, zone)
    counted = base.with_only_columns(func.count(), maintain_column_froms=True)
    return int(await session.scalar(counted) or 0)


async def _chunks(
    session: AsyncSession, query: Select[Any], key: Any
) -> AsyncIterator[Sequence[Any]]:
    """The query's rows in `key` order, CHUNK_ROWS at a time (the key is the rows' first
    column)."""
    last: int | None = None
    while True:
        page = query if last is None else query.where(key > last)
        rows = (await session.execute(page.order_by(key).limit(CHUNK_ROWS))).all()
        if not rows:
            return
        yield rows
        if len(rows) < CHUNK_ROWS:
            return
        last = rows[-1][0]


# ---- rows -------------------------------------------------------------------------------------


class _Ids:
    """Real ID numbers from the stored ciphertext."""

    def __init__(self, cipher: IdCipher | None) -> None:
        self._cipher = cipher

    def number(self, encrypted: bytes | None) -> str | None:
        if encrypted is None:
            return None
        if self._cipher is None:
            raise Conflict("export_no_key")
        return self._cipher.decrypt(encrypted)


def _clean(value: str | None) -> str | None:
    """Text typed by people, without the control characters XLSX cannot hold."""
    return None if value is None else ILLEGAL_CHARACTERS_RE.sub("", value)


def _local(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return None if moment is None else moment.astimezone(zone).strftime(TIME_FORMAT)


def _hours(minutes: int) -> Decimal:
    return Decimal(hours_text(minutes))


async def _volunteer_rows(
    session: AsyncSession, scope: Scope, zone: ZoneInfo, ids: _Ids, totals: Totals
) -> AsyncIterator[list[list[Cell]]]:
    query = (
        _volunteers(scope)
        .add_columns(
            Volunteer.full_name,
            Volunteer.id_number_encrypted,
            Volunteer.birth_date,
            Volunteer.phone,
            District.name_zh,
            Volunteer.registered_at,
        )
        .outerjoin(District, District.id == Volunteer.district_id)
    )
    async for chunk in _chunks(session, query, Volunteer.id):
        themes = await _themes(session, [row[0] for row in chunk])
        held = await qualifications.listed(session, [row[0] for row in chunk], zone=zone)
        rows: list[list[Cell]] = []
        for volunteer_id, name, encrypted, birth, phone, district, registered in chunk:
            number = ids.number(encrypted)
            rows.append(
                [
                    volunteer_id,
                    name,
                    ID_TYPE_RESIDENT if number else None,
                    number,
                    birth.strftime(DATE_FORMAT) if birth else None,
                    phone,
                    district,
                    LIST_SEPARATOR.join(themes.get(volunteer_id, ())) or None,
                    _local(registered, zone),
                    held.get(volunteer_id),
                ]
            )
        totals.volunteers += len(rows)
        yield rows


async def _themes(session: AsyncSession, volunteer_ids: list[int]) -> dict[int, list[str]]:
    """The themes each volunteer likes, by their Chinese names, in the deployment's order."""
    rows = await session.execute(
        select(volunteer_themes.c.volunteer_id, Theme.name_zh)
        .join(Theme, Theme.id == volunteer_themes.c.theme_id)
        .where(volunteer_themes.c.volunteer_id.in_(volunteer_ids))
        .order_by(volunteer_themes.c.volunteer_id, Theme.sort_order, Theme.id)
    )
    themes: dict[int, list[str]] = {}
    for volunteer_id, name in rows:
        themes.setdefault(volunteer_id, []).append(name)
    return themes


async def _record_rows(
    session: AsyncSession, scope: Scope, zone: ZoneInfo, ids: _Ids, totals: Totals
) -> AsyncIterator[list[list[Cell]]]:
    query = (
        _records(scope, zone)
        .add_columns(
            Signup.volunteer_id,
            Volunteer.full_name,
            Volunteer.id_number_encrypted,
            Team.name.label("team"),
            Activity.id.label("activity_id"),
            Activity.title,
            Theme.name_zh.label("theme"),
            Activity.address,
            Shift.starts_at,
            Shift.ends_at,
            ServiceRecord.checked_in_at,
            ServiceRecord.checked_out_at,
            ServiceRecord.credited_minutes,
            ServiceRecord.honour_minutes,
            ServiceRecord.confirmed_at,
            ServiceRecord.note,
        )
        .join(Volunteer, Volunteer.id == Signup.volunteer_id)
        .join(Team, Team.id == Activity.team_id)
        .join(Theme, Theme.id == Activity.theme_id)
    )
    async for chunk in _chunks(session, query, ServiceRecord.id):
        rows: list[list[Cell]] = []
        for r in chunk:
            rows.append(
                [
                    r.id,
                    r.volunteer_id,
                    r.full_name,  # None once the volunteer erased their data: the record stays
                    ids.number(r.id_number_encrypted),
                    _clean(r.team),
                    r.activity_id,
                    _clean(r.title),
                    r.theme,
                    _clean(r.address),
                    r.starts_at.astimezone(zone).strftime(DATE_FORMAT),
                    _local(r.starts_at, zone),
                    _local(r.ends_at, zone),
                    _local(r.checked_in_at, zone),
                    _local(r.checked_out_at, zone),
                    _hours(r.credited_minutes),
                    _hours(r.honour_minutes),
                    r.credited_minutes,
                    r.honour_minutes,
                    _local(r.confirmed_at, zone),
                    _clean(r.note) or None,
                ]
            )
            totals.credited_minutes += r.credited_minutes
            totals.honour_minutes += r.honour_minutes
        totals.records += len(rows)
        yield rows


def _start(file_format: FileFormat, out: BinaryIO, table: Table) -> Sheet:
    """The file's sheet, its header written."""
    sheet = _open(file_format, out, table)
    sheet.row([column.header for column in COLUMNS[table]])
    return sheet


def _rows(scope: Scope) -> Callable[..., AsyncIterator[list[list[Cell]]]]:
    return _volunteer_rows if scope.table is Table.VOLUNTEERS else _record_rows


async def export(
    session: AsyncSession,
    scope: Scope,
    file_format: FileFormat,
    out: BinaryIO,
    *,
    zone: ZoneInfo,
    cipher: IdCipher | None,
    progress: Progress | None = None,
) -> Totals:
    """Write the scope's table to `out` (left open), a chunk at a time as it is read, in
    flat memory (`volbot export`, on the server); what it holds. `progress` is told the rows
    written so far after each chunk."""
    sheet = _start(file_format, out, scope.table)
    totals = Totals()
    async for chunk in _rows(scope)(session, scope, zone, _Ids(cipher), totals):
        for cells in chunk:
            sheet.row(cells)
        if progress is not None:
            progress(totals.rows)
    sheet.close()
    return totals


async def read(
    session: AsyncSession, scope: Scope, *, zone: ZoneInfo, cipher: IdCipher | None
) -> tuple[list[list[Cell]], Totals]:
    """The scope's rows, all of them (an export in the chat, of at most a hundred thousand), so
    that the transaction reading them can end before the file is written (`build`)."""
    totals = Totals()
    rows: list[list[Cell]] = []
    async for chunk in _rows(scope)(session, scope, zone, _Ids(cipher), totals):
        rows.extend(chunk)
    return rows, totals


def build(file_format: FileFormat, table: Table, rows: list[list[Cell]]) -> bytes:
    """The file of rows `read` gave: CPU work without the database, for a thread."""
    out = io.BytesIO()
    sheet = _start(file_format, out, table)
    for cells in rows:
        sheet.row(cells)
    sheet.close()
    return out.getvalue()


def record(
    session: AsyncSession,
    *,
    actor: int | None,
    scope: Scope,
    file_format: FileFormat,
    totals: Totals,
    at: datetime,
    **more: str,
) -> None:
    """The audit row of an export: who (a Telegram account, or `more["by"]` on the server),
    what and when, and what the file held."""
    audit.record(
        session,
        actor,
        f"export.{scope.table}",
        ("organisation", scope.organisation_id)
        if scope.organisation_id is not None
        else ("team", scope.team_id),
        at,
        after={
            "format": str(file_format),
            "from": scope.first_day.isoformat() if scope.first_day else None,
            "to": scope.last_day.isoformat() if scope.last_day else None,
            "volunteers": totals.volunteers,
            "records": totals.records,
            "credited_minutes": totals.credited_minutes,
            "honour_minutes": totals.honour_minutes,
            **more,
        },
    )
