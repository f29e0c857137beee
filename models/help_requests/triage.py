"""Help requests, from a resident's difficulty to a volunteer who helps: order → dispatch →
accept → rate, the cycle city programmes run on paper or in apps, without Telegram.

The steps, and the statuses each may start from (`STARTS`): accept (open → accepted); decline,
with a reason the resident reads (open or accepted → declined); convert (open or accepted →
converted); assign (open, accepted or converted; an open request is taken on by it); done
(accepted or converted → done). Then the resident rates it, once.

- Dispatch (`route`): a request goes to the coordinators of the teams best placed to help; when
  no team fits, to those of a few other teams (`FALLBACK_TEAMS`, that kind of help first); when
  no team has a coordinator, the admins are told instead. With no admin either, nobody is told:
  the request waits, open, in the list of every coordinator and admin there will be.
- Any coordinator of a team it was dispatched to, or an admin, may act on it (`handle`); the
  first to take it on is kept in `handled_by`.
- Converting publishes an activity prefilled from the request and links it (`convert`);
  assigning asks chosen volunteers, who answer yes (for a converted request that is a sign-up for
  its next shift, by every sign-up rule) or no (`assignments`).
- Once it is done, the resident who asked rates the help: 1 to 5, then an optional comment
  (`rating`).

This module holds the request as asked, its dispatch, who may act on it, and the coordinator's
own steps (accept, decline, done); the other steps' modules share its `STARTS`, `may_start`,
`lock` and audit record. Every change leaves one audit row: who, what, when, the state before and
after.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.activities.tables import Activity
from models.db import dialect
from models.errors import Conflict, InvalidInput, NotAllowed
from models.help_requests.tables import HelpDispatch, HelpRequest, HelpRequestStatus, visible_to
from models.publishing import activity_input
from models.reference import District, Theme
from models.teams import roles
from models.teams.tables import Role, RoleGrant, Team

DESCRIPTION_MAX_CHARS = 1000
PREFERRED_TIME_MAX_CHARS = 128  # the column's size
CONTACT_MAX_CHARS = 128  # the column's size
# Each request is pushed to every coordinator it is dispatched to, so one person (a Telegram
# account: residents need not register) may have this many waiting for an answer or in hand…
OPEN_PER_PERSON = 3
UNFINISHED = (HelpRequestStatus.OPEN, HelpRequestStatus.ACCEPTED, HelpRequestStatus.CONVERTED)
# …and send this many in any 24 hours.
PER_DAY = 5
DAY = timedelta(days=1)
# The statuses each step may start from; any other is refused with `help_is_<status>`.
STARTS: dict[str, tuple[HelpRequestStatus, ...]] = {
    "accept": (HelpRequestStatus.OPEN,),
    "decline": (HelpRequestStatus.OPEN, HelpRequestStatus.ACCEPTED),
    "convert": (HelpRequestStatus.OPEN, HelpRequestStatus.ACCEPTED),
    "assign": (HelpRequestStatus.OPEN, HelpRequestStatus.ACCEPTED, HelpRequestStatus.CONVERTED),
    "done": (HelpRequestStatus.ACCEPTED, HelpRequestStatus.CONVERTED),
}
# When no team fits a request, it goes to the coordinators of this many other teams, rather than
# to every coordinator of the city (a city may have thousands of teams) or to nobody.
FALLBACK_TEAMS = 3


@dataclass(frozen=True)
class Asked:
    """What the resident told us, as typed."""

    theme_id: int  # the kind of help
    description: str
    district_id: int
    preferred_time: str
    contact: str


def description(value: str) -> str:
    return activity_input.text(value, max_chars=DESCRIPTION_MAX_CHARS, code="help_description")


def preferred_time(value: str) -> str:
    return activity_input.text(value, max_chars=PREFERRED_TIME_MAX_CHARS, code="help_time")


def contact(value: str) -> str:
    return activity_input.text(value, max_chars=CONTACT_MAX_CHARS, code="help_contact")


async def kind_theme(session: AsyncSession, code: str) -> Theme:
    """The theme a kind of help names (the kinds are the deployment's active themes)."""
    theme = await session.scalar(select(Theme).where(Theme.code == code, Theme.active))
    if theme is None:
        raise InvalidInput("help_kind_unknown")
    return theme


# ---- order and dispatch ---------------------------------------------------------------------


@dataclass(frozen=True)
class Dispatch:
    """The teams a request goes to, and whether they fit it (else they are a fallback)."""

    teams: list[Team]
    fits: bool


async def route(session: AsyncSession, theme_id: int, district_id: int | None) -> Dispatch:
    """The teams a request goes to, the closest fit that exists:
    1. teams of the district that have run activities of this kind;
    2. else every team of the district;
    3. else teams serving the whole city (no district) that have run activities of this kind;
    4. else, not fitting, `FALLBACK_TEAMS` others: those that have run activities of this kind
       first, then those serving the whole city, the oldest first.
    Only teams with a coordinator count. None: no team has one, and the admins are told."""
    has_coordinator = exists().where(
        RoleGrant.team_id == Team.id, RoleGrant.role == Role.COORDINATOR
    )
    runs_kind = exists().where(Activity.team_id == Team.id, Activity.theme_id == theme_id)
    tries: list[tuple[ColumnElement[bool], ...]] = [(Team.district_id.is_(None), runs_kind)]
    if district_id is not None:
        in_district = Team.district_id == district_id
        tries = [(in_district, runs_kind), (in_district,), *tries]
    for conditions in tries:
        query = select(Team).where(has_coordinator, *conditions).order_by(Team.id)
        teams = list(await session.scalars(query))
        if teams:
            return Dispatch(teams, fits=True)
    others = (
        select(Team)
        .where(has_coordinator)
        .order_by(case((runs_kind, 0), else_=1), case((Team.district_id.is_(None), 0), else_=1))
        .order_by(Team.id)
        .limit(FALLBACK_TEAMS)
    )
    return Dispatch(list(await session.scalars(others)), fits=False)


async def check_limits(session: AsyncSession, requester: int, *, now: datetime) -> None:
    """Refuse a new request from someone with `OPEN_PER_PERSON` unfinished, or `PER_DAY` sent
    in the last 24 hours (saying when the next may be sent)."""
    mine = HelpRequest.requester_telegram_id == requester
    unfinished = await session.scalar(
        select(func.count())
        .select_from(HelpRequest)
        .where(mine, HelpRequest.status.in_(UNFINISHED))
    )
    if (unfinished or 0) >= OPEN_PER_PERSON:
        raise NotAllowed("help_too_many_open", limit=OPEN_PER_PERSON)
    recent = list(
        await session.scalars(
            select(HelpRequest.created_at)
            .where(mine, HelpRequest.created_at > now - DAY)
            .order_by(HelpRequest.created_at.desc())
            .limit(PER_DAY)
        )
    )
    if len(recent) >= PER_DAY:
        raise NotAllowed("help_too_many_today", limit=PER_DAY, after=recent[-1] + DAY)


async def create(
    session: AsyncSession, requester: int, asked: Asked, *, now: datetime
) -> tuple[HelpRequest, Dispatch]:
    """Record the request and dispatch it; returns it and where it went. Refused past the
    person's limits (`check_limits`)."""
    await check_limits(session, requester, now=now)
    theme = await session.get(Theme, asked.theme_id)
    if theme is None or not theme.active:
        raise InvalidInput("help_kind_unknown")
    if await session.get(District, asked.district_id) is None:
        raise InvalidInput("help_district_unknown")
    request = HelpRequest(
        requester_telegram_id=requester,
        kind=theme.code,
        description=description(asked.description),
        district_id=asked.district_id,
        preferred_time=preferred_time(asked.preferred_time),
        contact=contact(asked.contact),
        status=HelpRequestStatus.OPEN,
        created_at=now,
        updated_at=now,
    )
    session.add(request)
    await session.flush()
    dispatch = await route(session, theme.id, asked.district_id)
    teams = [team.id for team in dispatch.teams]
    session.add_all(HelpDispatch(help_request_id=request.id, team_id=team) for team in teams)
    _record(session, request, "ask", requester, now, None, teams=teams, fits=dispatch.fits)
    return request, dispatch


async def recipients(
    session: AsyncSession, request: HelpRequest, configured_admins: Collection[int]
) -> list[int]:
    """Whom to tell of the request: the coordinators of its teams, else the admins (none: there
    is nobody to tell yet)."""
    rows = await session.scalars(
        select(RoleGrant.telegram_id)
        .join(HelpDispatch, HelpDispatch.team_id == RoleGrant.team_id)
        .where(HelpDispatch.help_request_id == request.id, RoleGrant.role == Role.COORDINATOR)
        .order_by(RoleGrant.id)
    )
    coordinators = list(dict.fromkeys(rows))
    return coordinators or await roles.admin_ids(session, configured_admins)


async def may_handle(
    session: AsyncSession, telegram_id: int, request_id: int, admin_ids: Collection[int]
) -> bool:
    if await roles.is_admin(session, telegram_id, admin_ids):
        return True
    mine = select(HelpRequest.id).where(HelpRequest.id == request_id, visible_to(telegram_id))
    return await session.scalar(mine) is not None


async def lock(session: AsyncSession, request_id: int) -> HelpRequest:
    """The request, locked for the rest of the transaction, so that two coordinators pressing
    at once take turns (a row lock on PostgreSQL; SQLite's write lock, taken by a no-op write)."""
    if dialect(session) == "sqlite":
        same = update(HelpRequest).where(HelpRequest.id == request_id)
        await session.execute(same.values(status=HelpRequest.status))
    request = await session.scalar(
        select(HelpRequest)
        .where(HelpRequest.id == request_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if request is None:
        raise Conflict("help_request_gone")
    return request


async def handle(
    session: AsyncSession, request_id: int, *, by: int, admin_ids: Collection[int]
) -> HelpRequest:
    """The request, locked, once `by` is shown to be one of its coordinators or an admin."""
    if not await may_handle(session, by, request_id, admin_ids):
        raise NotAllowed("not_coordinator")
    return await lock(session, request_id)


# ---- a coordinator's steps ------------------------------------------------------------------


def _state(request: HelpRequest) -> dict[str, object]:
    return {
        "status": request.status,
        "handled_by": request.handled_by,
        "activity_id": request.activity_id,
        "decline_reason": request.decline_reason,
        "rating": request.rating,
        "rating_comment": request.rating_comment,
    }


def _record(
    session: AsyncSession,
    request: HelpRequest,
    step: str,
    actor: int,
    now: datetime,
    before: dict[str, object] | None,
    **extra: object,
) -> None:
    request.updated_at = now
    audit.record(
        session,
        actor,
        f"help.{step}",
        request,
        now,
        before=before,
        after={**_state(request), **extra},
    )


def may_start(request: HelpRequest, step: str) -> None:
    """Refuse (Conflict, naming the request's status) a step its status does not allow."""
    if request.status not in STARTS[step]:
        raise Conflict(f"help_is_{request.status}")


def _take(request: HelpRequest, actor: int) -> None:
    if request.status == HelpRequestStatus.OPEN:
        request.status = HelpRequestStatus.ACCEPTED
    if request.handled_by is None:
        request.handled_by = actor


async def accept(session: AsyncSession, request: HelpRequest, *, actor: int, now: datetime) -> None:
    """The coordinator takes the request on."""
    may_start(request, "accept")
    before = _state(request)
    _take(request, actor)
    _record(session, request, "accept", actor, now, before)


async def decline(
    session: AsyncSession, request: HelpRequest, reason: str, *, actor: int, now: datetime
) -> None:
    """The coordinator declines the request, saying why (the resident reads it)."""
    reason = activity_input.text(
        reason, max_chars=activity_input.DESCRIPTION_MAX_CHARS, code="reason"
    )
    may_start(request, "decline")
    before = _state(request)
    request.status = HelpRequestStatus.DECLINED
    request.decline_reason = reason
    request.handled_by = request.handled_by or actor
    _record(session, request, "decline", actor, now, before)


async def finish(session: AsyncSession, request: HelpRequest, *, actor: int, now: datetime) -> None:
    """The coordinator marks the help as given: the resident may now rate it."""
    may_start(request, "done")
    before = _state(request)
    request.status = HelpRequestStatus.DONE
    _record(session, request, "done", actor, now, before)
