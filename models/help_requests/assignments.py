"""Volunteers asked directly to help with a request: whom a coordinator may ask (those who like
the kind of help, of the request's district first), asking one (the request is taken on), and
their answer — yes to a converted request signs them up for the activity's next shift, by every
sign-up rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities import signup
from models.activities.signup import Placed, SignupPolicy
from models.activities.tables import Shift, ShiftStatus
from models.errors import Conflict, NotAllowed
from models.help_requests.tables import (
    AssignmentStatus,
    HelpAssignment,
    HelpRequest,
    HelpRequestStatus,
)
from models.help_requests.triage import _record, _state, _take, kind_theme, lock, may_start
from models.publishing import publication, recruiting
from models.registration.tables import Volunteer, VolunteerStatus


async def next_shift(session: AsyncSession, activity_id: int, now: datetime) -> Shift | None:
    """The activity's next shift still open for sign-up."""
    return await session.scalar(
        select(Shift)
        .where(
            Shift.activity_id == activity_id,
            Shift.status == ShiftStatus.OPEN,
            Shift.starts_at > now,
        )
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
            Volunteer.status == VolunteerStatus.ACTIVE,
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
    if volunteer.status != VolunteerStatus.ACTIVE or volunteer.telegram_id is None:
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
        status=AssignmentStatus.ASKED,
        asked_by=actor,
        asked_at=now,
    )
    session.add(assignment)
    await session.flush()
    _record(session, request, "assign", actor, now, before, volunteer_id=volunteer.id)
    return assignment


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
    if assignment.status != AssignmentStatus.ASKED:
        raise Conflict("help_already_answered")
    if request.status not in (HelpRequestStatus.ACCEPTED, HelpRequestStatus.CONVERTED):
        raise Conflict(f"help_is_{request.status}")
    placed = None
    if yes and request.activity_id is not None:
        shift = await next_shift(session, request.activity_id, now)
        if shift is None:
            raise NotAllowed("shift_closed")
        placed = await signup.sign_up(session, volunteer, shift.id, now=now, policy=policy)
    assignment.status = AssignmentStatus.ACCEPTED if yes else AssignmentStatus.DECLINED
    assignment.answered_at = now
    assert volunteer.telegram_id is not None
    _record(session, request, "answer", volunteer.telegram_id, now, None, answer=assignment.status)
    return Answer(assignment, request, placed)
