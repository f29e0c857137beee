"""The dashboard's coordinator endpoints: their activities with each shift's fill, a shift's
roster, confirming and changing hours, calls with pause and resume. Admins see every team;
a coordinator their own teams; anyone else is refused (403) — each asked of the chat's rules
on every request, whatever the page shows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.attendance.hours_notices import HoursNotice, Told, star_minutes, tell
from handlers.dashboard.access import (
    FORBIDDEN,
    ApiError,
    Caller,
    managed_shift,
    require_coordinator,
)
from handlers.events import Outbox
from handlers.notify import Notifier
from handlers.services import Services
from models.activities import places
from models.activities.tables import Activity, ActivityStatus, Shift, Signup, SignupStatus
from models.attendance import hours_review
from models.broadcasts import audience, control, outbox
from models.broadcasts.control import Control
from models.errors import Conflict, InvalidInput, NotAllowed, VolbotError
from models.teams import roles

MAX_IDS = 5000  # confirmed one by one in a request: a shift's roster at most


def _at(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def refused(error: VolbotError) -> ApiError:
    """A rule's refusal as the API answers it: not allowed 403, a conflict 409, bad input 400."""
    if isinstance(error, NotAllowed):
        return ApiError(403, "forbidden")
    if isinstance(error, InvalidInput):
        return ApiError(400, error.code, "minutes" if "hours" in error.code else "reason")
    return ApiError(409, error.code)


async def activities(services: Services, session: AsyncSession, who: Caller) -> dict[str, Any]:
    """The published activities of the teams they manage, with each shift's fill."""
    await require_coordinator(session, services, who)
    admins = services.deployment.admin_ids
    teams = {team.id: team for team in await roles.managed_teams(session, who.telegram_id, admins)}
    found = list(
        await session.scalars(
            select(Activity)
            .where(Activity.team_id.in_(teams), Activity.status == ActivityStatus.PUBLISHED)
            .order_by(Activity.id)
        )
    )
    shifts = list(
        await session.scalars(
            select(Shift)
            .where(Shift.activity_id.in_([activity.id for activity in found]))
            .order_by(Shift.starts_at, Shift.id)
        )
    )
    load = await places.loads(session, [shift.id for shift in shifts])
    by_activity: dict[int, list[dict[str, Any]]] = {}
    for shift in shifts:
        fill = load[shift.id]
        by_activity.setdefault(shift.activity_id, []).append(
            {
                "id": shift.id,
                "start": _at(shift.starts_at),
                "end": _at(shift.ends_at),
                "status": shift.status,
                "fill": {
                    "confirmed": fill.held,
                    "waiting": fill.waiting,
                    "places_left": max(0, shift.capacity - fill.held),
                    "capacity": shift.capacity,
                },
            }
        )
    return {
        "activities": [
            {
                "id": activity.id,
                "title": activity.title,
                "team": {"id": activity.team_id, "name": teams[activity.team_id].name},
                "shifts": by_activity.get(activity.id, []),
            }
            for activity in found
        ]
    }


def _person(line: hours_review.Line) -> dict[str, Any]:
    record, signup = line.record, line.signup
    return {
        "signup_id": signup.id,
        "volunteer_id": line.volunteer.id,
        "name": line.volunteer.full_name,
        "phone": line.volunteer.phone,
        "status": signup.status,
        "checked_in_at": _at(record.checked_in_at if record else None),
        "checked_out_at": _at(record.checked_out_at if record else None),
        "no_show": signup.status == SignupStatus.NO_SHOW,
        "minutes": record.credited_minutes if record else 0,
        "honour_minutes": record.honour_minutes if record else 0,
        "flagged": bool(record and record.flagged),
        "hours_confirmed": bool(record and record.confirmed_at),
    }


async def roster(
    services: Services, session: AsyncSession, who: Caller, shift_id: int
) -> dict[str, Any]:
    """The shift's people (`hours_review.roster`, as the chat's attendance roster)."""
    shift, activity = await managed_shift(session, services, who, shift_id)
    lines = await hours_review.roster(session, shift.id)
    return {
        "shift": {
            "id": shift.id,
            "activity": activity.title,
            "start": _at(shift.starts_at),
            "end": _at(shift.ends_at),
            "capacity": shift.capacity,
        },
        "people": [_person(line) for line in lines],
    }


def _signup_ids(body: dict[str, Any]) -> list[int] | None:
    """None for `{"all": true}`, else the listed sign-ups."""
    if body.get("all") is True:
        return None
    ids = body.get("signup_ids")
    if (
        not isinstance(ids, list)
        or not 0 < len(ids) <= MAX_IDS
        or not all(type(i) is int for i in ids)
    ):
        raise ApiError(400, "signup_ids_invalid", "signup_ids")
    return list(dict.fromkeys(ids))


async def confirm_hours(
    services: Services, session: AsyncSession, who: Caller, shift_id: int, body: dict[str, Any]
) -> tuple[dict[str, Any], list[HoursNotice]]:
    """Confirm all the shift's confirmable hours (`hours_review.confirm_all`, the chat's Confirm
    all) or the listed ones (each `hours_review.confirm`); audited there. The notices to tell
    once committed."""
    shift, _ = await managed_shift(session, services, who, shift_id)
    ids = _signup_ids(body)
    lines = await hours_review.roster(session, shift.id)
    on_shift = {line.signup.id: line.signup for line in lines}
    before = await star_minutes(session, services.deployment.stars, list(on_shift.values()))
    now = services.clock.now()
    try:
        if ids is None:
            done = await hours_review.confirm_all(
                session, actor=who.telegram_id, shift_id=shift.id, now=now
            )
        else:
            if not set(ids) <= on_shift.keys():
                raise ApiError(404, "not_on_roster", "signup_ids")
            for signup_id in ids:
                await hours_review.confirm(
                    session, actor=who.telegram_id, signup_id=signup_id, now=now
                )
            done = [on_shift[signup_id] for signup_id in ids]
    except VolbotError as error:
        raise refused(error) from error
    notices = [HoursNotice(s.id, before[s.id], Told.CONFIRMED) for s in done]
    return {"confirmed": len(done)}, notices


async def change_hours(
    services: Services, session: AsyncSession, who: Caller, signup_id: int, body: dict[str, Any]
) -> tuple[dict[str, Any], list[HoursNotice]]:
    """Set a sign-up's credited minutes with a reason (`hours_review.adjust`, as the chat's
    Change hours)."""
    minutes, reason = body.get("minutes"), body.get("reason")
    if type(minutes) is not int:
        raise ApiError(400, "hours_out_of_range", "minutes")
    if not isinstance(reason, str):
        raise ApiError(400, "reason_needed", "reason")
    signup = await session.get(Signup, signup_id)
    if signup is None:
        raise ApiError(404, "not_found")
    await managed_shift(session, services, who, signup.shift_id)
    before = await star_minutes(session, services.deployment.stars, [signup])
    try:
        record = await hours_review.adjust(
            session,
            actor=who.telegram_id,
            signup_id=signup.id,
            minutes=minutes,
            reason=reason,
            now=services.clock.now(),
        )
    except VolbotError as error:
        raise refused(error) from error
    notice = HoursNotice(signup.id, before[signup.id], Told.CHANGED, record.note)
    row = {
        "signup_id": signup.id,
        "minutes": record.credited_minutes,
        "reason": record.note,
        "hours_confirmed": record.confirmed_at is not None,
    }
    return row, [notice]


async def tell_volunteers(services: Services, notices: list[HoursNotice]) -> None:
    """Tell the volunteers in the chat (as the chat's confirmations do), once committed."""
    if not notices:
        return
    signer, sent = await services.button_signer(), Outbox()
    async with services.sessions() as session, session.begin():
        await tell(Notifier(session, services, signer, sent), notices)
    for action in sent.actions:
        await services.send.perform(action)


LISTED_CALLS = 20


async def broadcasts(services: Services, session: AsyncSession, who: Caller) -> dict[str, Any]:
    """The latest calls they may see (`control.recent`, as /broadcasts), with progress."""
    await require_coordinator(session, services, who)
    admins = tuple(services.deployment.admin_ids)
    scope = await audience.scope_of(session, who.telegram_id, admins)
    calls = await control.recent(session, scope, who.telegram_id, limit=LISTED_CALLS)
    shown = []
    for call in calls:
        figures = await outbox.figures(session, call.id)
        shown.append(
            {
                "id": call.id,
                "text": call.text,
                "status": call.status,
                "send_at": _at(call.send_at),
                "total": figures.total,
                "sent": figures.sent,
                "failed": figures.failed,
                "blocked": figures.blocked,
                "left": figures.left,
                "may_control": await control.may_control(session, call, who.telegram_id, admins),
            }
        )
    return {"broadcasts": shown}


async def control_call(
    services: Services, session: AsyncSession, who: Caller, broadcast_id: int, action: Control
) -> dict[str, Any]:
    """Pause or resume a call (`control.control`, the chat buttons' rule and audit)."""
    await require_coordinator(session, services, who)
    admins = tuple(services.deployment.admin_ids)
    try:
        call = await control.control(
            session,
            broadcast_id,
            action,
            actor=who.telegram_id,
            admin_ids=admins,
            now=services.clock.now(),
        )
    except Conflict as error:
        if error.code == "broadcast_not_found":
            raise ApiError(404, "not_found") from error
        raise refused(error) from error
    except NotAllowed as error:
        raise FORBIDDEN from error
    return {"id": call.id, "status": call.status}
