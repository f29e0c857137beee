"""Help requests, from a resident's difficulty to a volunteer who helps: order → dispatch →
accept → rate, the cycle city programmes run on paper or in apps, without Telegram.

The steps, and the statuses each may start from (`STARTS`): accept (open → accepted); decline,
with a reason the resident reads (open or accepted → declined); convert (open or accepted →
converted); assign (open, accepted or converted; an open request is taken on by it); done
(accepted or converted → done). Then the resident rates it, once.

- Dispatch (`route`): a request goes to the coordinators of the teams best placed to help; when
  no team fits, the admins are told instead.
- Any coordinator of a team it was dispatched to, or an admin, may act on it (`handle`); the
  first to take it on is kept in `handled_by`.
- Converting publishes an activity prefilled from the request (`prefilled_plan`) and links it;
  assigning asks chosen volunteers, who answer yes (for a converted request that is a sign-up for
  its next shift, by every sign-up rule) or no.
- Once it is done, the resident who asked rates the help: 1 to 5, then an optional comment.

Every change leaves one audit row: who, what, when, the state before and after.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.activities import signup
from models.activities.signup import Placed, SignupPolicy
from models.activities.tables import Activity, Shift
from models.errors import Conflict, InvalidInput, NotAllowed
from models.help_requests.tables import HelpAssignment, HelpDispatch, HelpRequest, dispatched_to
from models.publishing import activity_input, publication, recruiting
from models.publishing.publication import ActivityPlan
from models.reference import District, Theme
from models.registration.tables import Volunteer
from models.teams import roles
from models.teams.tables import RoleGrant, Team

DESCRIPTION_MAX_CHARS = 1000
PREFERRED_TIME_MAX_CHARS = 128  # the column's size
CONTACT_MAX_CHARS = 128  # the column's size
COMMENT_MAX_CHARS = 1000
RATINGS = range(1, 6)
# The statuses each step may start from; any other is refused with `help_is_<status>`.
STARTS = {
    "accept": ("open",),
    "decline": ("open", "accepted"),
    "convert": ("open", "accepted"),
    "assign": ("open", "accepted", "converted"),
    "done": ("accepted", "converted"),
}


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


async def route(session: AsyncSession, theme_id: int, district_id: int | None) -> list[Team]:
    """The teams a request goes to, the closest fit that exists:
    1. teams of the district that have run activities of this kind;
    2. else every team of the district;
    3. else teams serving the whole city (no district) that have run activities of this kind.
    Only teams with a coordinator count. None: nobody fits, and the admins are told."""
    has_coordinator = exists().where(RoleGrant.team_id == Team.id, RoleGrant.role == "coordinator")
    runs_kind = exists().where(Activity.team_id == Team.id, Activity.theme_id == theme_id)
    tries = [(Team.district_id.is_(None), runs_kind)]
    if district_id is not None:
        in_district = Team.district_id == district_id
        tries = [(in_district, runs_kind), (in_district,), *tries]
    for conditions in tries:
        query = select(Team).where(has_coordinator, *conditions).order_by(Team.id)
        teams = list(await session.scalars(query))
        if teams:
            return teams
    return []


async def create(
    session: AsyncSession, requester: int, asked: Asked, *, now: datetime
) -> tuple[HelpRequest, list[Team]]:
    """Record the request and dispatch it; returns it and the teams it went to."""
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
        status="open",
        created_at=now,
        updated_at=now,
    )
    session.add(request)
    await session.flush()
    teams = await route(session, theme.id, asked.district_id)
    session.add_all(HelpDispatch(help_request_id=request.id, team_id=team.id) for team in teams)
    _record(session, request, "ask", requester, now, None, teams=[team.id for team in teams])
    return request, teams


async def admin_ids(session: AsyncSession, configured: Collection[int]) -> list[int]:
    """The admins: named in the settings or granted the role."""
    granted = await session.scalars(select(RoleGrant.telegram_id).where(RoleGrant.role == "admin"))
    return sorted({*configured, *granted})


async def recipients(
    session: AsyncSession, request: HelpRequest, configured_admins: Collection[int]
) -> list[int]:
    """Whom to tell of the request: the coordinators of its teams, else the admins."""
    rows = await session.scalars(
        select(RoleGrant.telegram_id)
        .join(HelpDispatch, HelpDispatch.team_id == RoleGrant.team_id)
        .where(HelpDispatch.help_request_id == request.id, RoleGrant.role == "coordinator")
        .order_by(RoleGrant.id)
    )
    coordinators = list(dict.fromkeys(rows))
    return coordinators or await admin_ids(session, configured_admins)


async def may_handle(
    session: AsyncSession, telegram_id: int, request_id: int, admin_ids: Collection[int]
) -> bool:
    if await roles.is_admin(session, telegram_id, admin_ids):
        return True
    mine = dispatched_to(telegram_id).where(HelpDispatch.help_request_id == request_id)
    return await session.scalar(mine) is not None


async def lock(session: AsyncSession, request_id: int) -> HelpRequest:
    """The request, locked for the rest of the transaction, so that two coordinators pressing
    at once take turns (a row lock on PostgreSQL; SQLite's write lock, taken by a no-op write)."""
    if session.bind.dialect.name == "sqlite":
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


async def may_list(session: AsyncSession, telegram_id: int, admin_ids: Collection[int]) -> bool:
    """Whether this person sees help requests at all: admins and coordinators."""
    if await roles.is_admin(session, telegram_id, admin_ids):
        return True
    return bool(await roles.managed_teams(session, telegram_id, admin_ids))


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
        actor=actor,
        action=f"help.{step}",
        target_type="help_request",
        target_id=request.id,
        at=now,
        before=before,
        after={**_state(request), **extra},
    )


def may_start(request: HelpRequest, step: str) -> None:
    """Refuse (Conflict, naming the request's status) a step its status does not allow."""
    if request.status not in STARTS[step]:
        raise Conflict(f"help_is_{request.status}")


def _take(request: HelpRequest, actor: int) -> None:
    if request.status == "open":
        request.status = "accepted"
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
    request.status = "declined"
    request.decline_reason = reason
    request.handled_by = request.handled_by or actor
    _record(session, request, "decline", actor, now, before)


async def convert_teams(
    session: AsyncSession, request: HelpRequest, telegram_id: int, admin_ids: Collection[int]
) -> list[Team]:
    """The teams whose activity the request may become: those it was dispatched to that this
    person manages (an admin: any of them, or any team at all when it went to the admins)."""
    managed = await roles.managed_teams(session, telegram_id, admin_ids)
    dispatched = set(
        await session.scalars(
            select(HelpDispatch.team_id).where(HelpDispatch.help_request_id == request.id)
        )
    )
    fitting = [team for team in managed if team.id in dispatched]
    admin = await roles.is_admin(session, telegram_id, admin_ids)
    return fitting or (managed if admin and not dispatched else [])


async def prefilled_plan(
    session: AsyncSession, request: HelpRequest, *, title: str, team_id: int | None
) -> ActivityPlan:
    """An activity plan with what the request already says: what, which kind, where."""
    theme = await kind_theme(session, request.kind)
    return ActivityPlan(
        title=title[: activity_input.TITLE_MAX_CHARS],
        description=request.description,
        theme_id=theme.id,
        team_id=team_id,
        district_id=request.district_id,
    )


async def convert(
    session: AsyncSession, request: HelpRequest, plan: ActivityPlan, *, actor: int, now: datetime
) -> Activity:
    """Publish the activity the request becomes and link the two."""
    may_start(request, "convert")
    before = _state(request)
    activity = await publication.publish(session, plan, created_by=actor, now=now)
    _take(request, actor)
    request.status = "converted"
    request.activity_id = activity.id
    _record(session, request, "convert", actor, now, before)
    return activity


async def next_shift(session: AsyncSession, activity_id: int, now: datetime) -> Shift | None:
    """The activity's next shift still open for sign-up."""
    return await session.scalar(
        select(Shift)
        .where(Shift.activity_id == activity_id, Shift.status == "open", Shift.starts_at > now)
        .order_by(Shift.starts_at)
        .limit(1)
    )


async def candidates(
    session: AsyncSession, request: HelpRequest, *, now: datetime, policy: SignupPolicy, limit: int
) -> list[Volunteer]:
    """Volunteers to ask: those who like the kind of help (for a converted request, those the
    activity's call for volunteers would reach), of the request's district first, not yet asked
    and not the resident themselves."""
    shift = await next_shift(session, request.activity_id, now) if request.activity_id else None
    if shift is not None:
        activity = await publication.get_activity(session, shift.activity_id)
        query = recruiting.audience(shift, activity, now=now, policy=policy)
    else:
        theme = await kind_theme(session, request.kind)
        query = select(Volunteer).where(
            Volunteer.status == "active",
            Volunteer.reachable.is_(True),
            Volunteer.mute_recruitment.is_(False),
            Volunteer.telegram_id.is_not(None),
            Volunteer.themes.any(id=theme.id),
        )
    asked = select(HelpAssignment.volunteer_id).where(HelpAssignment.help_request_id == request.id)
    elsewhere = case((Volunteer.district_id == request.district_id, 0), else_=1)
    query = (
        query.where(
            Volunteer.id.not_in(asked),
            Volunteer.telegram_id != request.requester_telegram_id,
        )
        .order_by(None)
        .order_by(elsewhere, Volunteer.id)
        .limit(limit)
    )
    return list(await session.scalars(query))


async def assign(
    session: AsyncSession,
    request: HelpRequest,
    volunteer: Volunteer,
    *,
    actor: int,
    now: datetime,
) -> HelpAssignment:
    """Ask a volunteer to help; an open request is taken on by asking."""
    may_start(request, "assign")
    if volunteer.status != "active" or volunteer.telegram_id is None:
        raise Conflict("help_volunteer_gone")
    if volunteer.telegram_id == request.requester_telegram_id:
        raise Conflict("help_own_request")
    already = await session.scalar(
        select(HelpAssignment.id).where(
            HelpAssignment.help_request_id == request.id,
            HelpAssignment.volunteer_id == volunteer.id,
        )
    )
    if already is not None:
        raise Conflict("help_already_asked")
    before = _state(request)
    _take(request, actor)
    assignment = HelpAssignment(
        help_request_id=request.id,
        volunteer_id=volunteer.id,
        status="asked",
        asked_by=actor,
        asked_at=now,
    )
    session.add(assignment)
    await session.flush()
    _record(session, request, "assign", actor, now, before, volunteer_id=volunteer.id)
    return assignment


async def finish(session: AsyncSession, request: HelpRequest, *, actor: int, now: datetime) -> None:
    """The coordinator marks the help as given: the resident may now rate it."""
    may_start(request, "done")
    before = _state(request)
    request.status = "done"
    _record(session, request, "done", actor, now, before)


# ---- the volunteer's answer -----------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    assignment: HelpAssignment
    request: HelpRequest
    placed: Placed | None  # their sign-up, when the request became an activity


async def answer(
    session: AsyncSession,
    volunteer: Volunteer,
    assignment_id: int,
    *,
    yes: bool,
    now: datetime,
    policy: SignupPolicy,
) -> Answer:
    """The volunteer says whether they will help; yes to a converted request signs them up for
    the activity's next shift (every sign-up rule applies)."""
    assignment = await session.get(HelpAssignment, assignment_id)
    if assignment is None or assignment.volunteer_id != volunteer.id:
        raise NotAllowed("help_not_yours")
    request = await lock(session, assignment.help_request_id)
    await session.refresh(assignment)
    if assignment.status != "asked":
        raise Conflict("help_already_answered")
    if request.status not in ("accepted", "converted"):
        raise Conflict(f"help_is_{request.status}")
    placed = None
    if yes and request.activity_id is not None:
        shift = await next_shift(session, request.activity_id, now)
        if shift is None:
            raise NotAllowed("shift_closed")
        placed = await signup.sign_up(session, volunteer, shift.id, now=now, policy=policy)
    assignment.status = "accepted" if yes else "declined"
    assignment.answered_at = now
    assert volunteer.telegram_id is not None
    _record(session, request, "answer", volunteer.telegram_id, now, None, answer=assignment.status)
    return Answer(assignment, request, placed)


# ---- the resident's rating ------------------------------------------------------------------


async def _own(session: AsyncSession, request_id: int, by: int) -> HelpRequest:
    request = await lock(session, request_id)
    if request.requester_telegram_id != by:
        raise NotAllowed("help_not_yours")
    return request


async def rate(
    session: AsyncSession, request_id: int, rating: int, *, by: int, now: datetime
) -> HelpRequest:
    """The resident who asked rates the help they were given, once, after it is done."""
    if rating not in RATINGS:
        raise InvalidInput("help_rating_range", low=RATINGS[0], high=RATINGS[-1])
    request = await _own(session, request_id, by)
    if request.status != "done":
        raise Conflict("help_not_done")
    if request.rating is not None:
        raise Conflict("help_already_rated")
    before = _state(request)
    request.rating = rating
    _record(session, request, "rate", by, now, before)
    return request


async def comment(
    session: AsyncSession, request_id: int, text: str, *, by: int, now: datetime
) -> HelpRequest:
    """The resident adds a few words to their rating."""
    text = activity_input.text(text, max_chars=COMMENT_MAX_CHARS, code="help_comment")
    request = await _own(session, request_id, by)
    if request.rating is None:
        raise Conflict("help_not_rated")
    if request.rating_comment is not None:
        raise Conflict("help_already_rated")
    before = _state(request)
    request.rating_comment = text
    _record(session, request, "comment", by, now, before)
    return request
