"""The dashboard's endpoints for everyone who opens it: who they are and what roles they hold,
the page's texts, activities with open places (nearest first when they share where they are),
their shifts and their hours. A volunteer sees only their own."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.activities import links
from handlers.dashboard.access import ApiError, Caller, registered
from handlers.services import Services
from models.activities import browse, places
from models.activities.tables import Activity, Shift, ShiftStatus
from models.attendance import checkin, hours
from models.reference import District, Theme
from models.teams import roles

ACTIVITIES_MAX = 200
SHIFTS_SHOWN = 100


async def me(services: Services, session: AsyncSession, who: Caller) -> dict[str, Any]:
    admins = services.deployment.admin_ids
    admin = await roles.is_admin(session, who.telegram_id, admins)
    teams = await roles.managed_teams(session, who.telegram_id, admins) if not admin else []
    name = who.volunteer.full_name if who.volunteer else None
    return {
        "id": who.telegram_id,
        "name": name or who.first_name,
        "language": who.language,
        "timezone": services.deployment.zone.key,
        "roles": {
            "volunteer": who.volunteer is not None,
            "admin": admin,
            "coordinator_teams": [{"id": team.id, "name": team.name} for team in teams],
        },
    }


def texts(services: Services, language: str) -> dict[str, Any]:
    """The page's texts: the catalog's `dashboard` section in the language, unformatted (the
    page fills its own placeholders). Public, as the catalogs are: the page needs them to say
    that a link is not valid."""
    return {"language": language, "texts": services.texts.section(language, "dashboard")}


def _number(value: str | None, field: str, low: float, high: float) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not low <= number <= high:  # NaN too
        raise ApiError(400, "invalid_number", field)
    return number


async def activities(
    services: Services, session: AsyncSession, who: Caller, query: dict[str, str]
) -> dict[str, Any]:
    """Open activities (`browse.open_activities`, as the chat lists them) with their next open
    shift and places left; nearest first with `lat`/`lon`, else by that shift's start."""
    lat = _number(query.get("lat"), "lat", -90, 90)
    lon = _number(query.get("lon"), "lon", -180, 180)
    if (lat is None) != (lon is None):
        raise ApiError(400, "invalid_number", "lon" if lon is None else "lat")
    limit = int(_number(query.get("limit"), "limit", 1, ACTIVITIES_MAX) or ACTIVITIES_MAX)
    deployment, now = services.deployment, services.clock.now()
    page = await browse.open_activities(
        session, browse.Filters(), now=now, zone=deployment.zone, page=0, size=ACTIVITIES_MAX
    )
    found = {activity.id: activity for activity in page.activities}
    shifts = list(
        await session.scalars(
            select(Shift)
            .where(
                Shift.activity_id.in_(found),
                Shift.status == ShiftStatus.OPEN,
                Shift.starts_at > now,
            )
            .order_by(Shift.starts_at, Shift.id)
        )
    )
    load = await places.loads(session, [shift.id for shift in shifts])
    names = {
        **{("t", t.id): t.name(who.language) for t in await session.scalars(select(Theme))},
        **{("d", d.id): d.name(who.language) for d in await session.scalars(select(District))},
    }
    listed: dict[int, dict[str, Any]] = {}
    for shift in shifts:
        activity: Activity = found[shift.activity_id]
        left = max(0, shift.capacity - load[shift.id].held)
        if activity.id in listed or left == 0:
            continue
        at = activity.latitude, activity.longitude
        distance = None
        if lat is not None and lon is not None and at[0] is not None and at[1] is not None:
            distance = round(checkin.distance_m(lat, lon, at[0], at[1]))
        listed[activity.id] = {
            "id": activity.id,
            "title": activity.title,
            "theme": names.get(("t", activity.theme_id)),
            "district": names.get(("d", activity.district_id or 0)),
            "address": activity.address,
            "lat": at[0],
            "lon": at[1],
            "distance_m": distance,
            "open_places": left,
            "next_shift": {
                "id": shift.id,
                "start": shift.starts_at.isoformat(),
                "end": shift.ends_at.isoformat(),
            },
            "link": links.activity_url(services.bot_username, activity),
        }
    shown = list(listed.values())
    if lat is not None:
        far = float("inf")
        shown.sort(key=lambda a: a["distance_m"] if a["distance_m"] is not None else far)
    return {"activities": shown[:limit]}


async def my_shifts(services: Services, session: AsyncSession, who: Caller) -> dict[str, Any]:
    """Their sign-ups for shifts not yet over, with their place in the queue when waiting."""
    volunteer = registered(who)
    now = services.clock.now()
    rows = await places.upcoming(session, volunteer.id, now)
    shown = [
        {
            "shift_id": shift.id,
            "signup_id": signup.id,
            "activity": activity.title,
            "start": shift.starts_at.isoformat(),
            "end": shift.ends_at.isoformat(),
            "status": signup.status,
            "waiting_position": position,
        }
        for signup, shift, activity, position in rows[:SHIFTS_SHOWN]
    ]
    return {"shifts": shown}


async def my_hours(services: Services, session: AsyncSession, who: Caller) -> dict[str, Any]:
    """Their confirmed hours and star level, as /hours tells them."""
    volunteer = registered(who)
    deployment = services.deployment
    totals = await hours.totals(
        session, volunteer.id, now=services.clock.now(), zone=deployment.zone
    )
    policy = deployment.stars
    progress = hours.progress(totals.for_stars(policy), policy.thresholds)
    recent = await hours.activity_hours(session, volunteer.id, zone=deployment.zone, limit=10)
    return {
        "confirmed_minutes": totals.credited,
        "honour_minutes": totals.honour,
        "star_level": progress.level,
        "star_levels": progress.levels,
        "next_level": progress.level + 1 if progress.to_next is not None else None,
        "minutes_to_next": progress.to_next,
        "certificate_available": totals.activities > 0,
        "recent": [
            {
                "activity_id": line.activity_id,
                "title": line.title,
                "first_day": line.first_day.isoformat(),
                "last_day": line.last_day.isoformat(),
                "minutes": line.credited,
                "honour_minutes": line.honour,
            }
            for line in recent
        ],
    }
