"""The activity card: what an activity is, where, and each shift's places left and waiting list.
The same card is shown in a volunteer's chat (with sign-up buttons) and in groups (with a link
into the bot)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import formatting
from handlers.events import SendLocation
from handlers.services import Texts
from models.activities import places
from models.activities.places import ShiftLoad
from models.activities.tables import (
    Activity,
    ActivityStatus,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
)
from models.reference import District, Theme
from models.registration.tables import Volunteer
from models.stations.tables import Station


class Located(Protocol):
    """A place with a pin, or without one: an activity's venue, a station."""

    @property
    def latitude(self) -> float | None: ...

    @property
    def longitude(self) -> float | None: ...


def venue_pin(chat_id: int, place: Located) -> SendLocation | None:
    """The venue's pin on the map (an activity's, a station's), where it has one. Sent with a
    message that has buttons, it goes first: the newest message in a chat is the one people
    answer, and a bare pin under it would push its buttons up."""
    if place.latitude is None or place.longitude is None:
        return None
    return SendLocation(chat_id, place.latitude, place.longitude)


@dataclass(frozen=True)
class ShiftView:
    shift: Shift
    load: ShiftLoad
    mine: Signup | None = None
    position: int | None = None  # in the waiting list, when `mine` is waiting

    @property
    def places_left(self) -> int:
        return max(0, self.shift.capacity - self.load.held)

    def open_for_signup(self, now: datetime) -> bool:
        return self.shift.status == ShiftStatus.OPEN and self.shift.starts_at > now


async def shift_views(
    session: AsyncSession, activity: Activity, volunteer: Volunteer | None, *, now: datetime
) -> list[ShiftView]:
    """The activity's shifts still to come, with their load and the volunteer's own place."""
    shifts = list(
        await session.scalars(
            select(Shift)
            .where(
                Shift.activity_id == activity.id,
                Shift.status != ShiftStatus.CANCELLED,
                Shift.ends_at > now,
            )
            .order_by(Shift.starts_at)
        )
    )
    loads = await places.loads(session, [shift.id for shift in shifts])
    mine: dict[int, Signup] = {}
    if volunteer is not None and shifts:
        rows = await session.scalars(
            select(Signup).where(
                Signup.volunteer_id == volunteer.id,
                Signup.shift_id.in_([shift.id for shift in shifts]),
                Signup.status.in_(places.ACTIVE),
            )
        )
        mine = {row.shift_id: row for row in rows}
    views = []
    for shift in shifts:
        own = mine.get(shift.id)
        position = (
            await places.waiting_position(session, own)
            if own is not None and own.status == SignupStatus.WAITING
            else None
        )
        views.append(ShiftView(shift, loads[shift.id], own, position))
    return views


async def card_text(
    session: AsyncSession,
    texts: Texts,
    language: str,
    zone: ZoneInfo,
    activity: Activity,
    views: list[ShiftView],
) -> str:
    def t(key: str, **params: object) -> str:
        return texts.get(language, key, **params)

    theme = await session.get(Theme, activity.theme_id)
    district = await session.get(District, activity.district_id) if activity.district_id else None
    lines = [t("cards.title", title=activity.title)]
    place = theme.name(language) if theme else ""
    if district is not None:
        place = t("cards.theme_district", theme=place, district=district.name(language))
    lines.append(t("cards.theme", theme=place))
    station = await session.get(Station, activity.station_id) if activity.station_id else None
    if station is not None:
        lines.append(t("cards.station_address", station=station.name, address=activity.address))
    else:
        lines.append(t("cards.address", address=activity.address))
    if activity.description:
        lines += ["", activity.description]
    if activity.status == ActivityStatus.CANCELLED:
        lines += ["", t("cards.cancelled")]
        return "\n".join(lines)
    lines += ["", t("cards.shifts")]
    for view in views:
        lines.append(_shift_line(texts, language, zone, view))
    if not views:
        lines.append(t("cards.no_shifts"))
    lines += await _conditions(session, texts, language, zone, activity)
    return "\n".join(lines)


def _shift_line(texts: Texts, language: str, zone: ZoneInfo, view: ShiftView) -> str:
    when = formatting.when(texts, language, view.shift, zone)
    if view.places_left:
        line = texts.get(
            language,
            "cards.shift_free",
            when=when,
            left=view.places_left,
            capacity=view.shift.capacity,
        )
    else:
        line = texts.get(language, "cards.shift_full", when=when, waiting=view.load.waiting)
    if view.shift.status == ShiftStatus.CLOSED:
        line = texts.get(language, "cards.shift_closed", when=when)
    if view.mine is not None:
        status = view.mine.status
        if status == SignupStatus.WAITING:
            line += texts.get(language, "cards.mine_waiting", position=view.position)
        elif status == SignupStatus.OFFERED and view.mine.offer_expires_at is not None:
            until = formatting.moment(texts, language, view.mine.offer_expires_at, zone)
            line += texts.get(language, "cards.mine_offered", until=until)
        else:
            line += texts.get(language, "cards.mine_confirmed")
    return line


async def _conditions(
    session: AsyncSession, texts: Texts, language: str, zone: ZoneInfo, activity: Activity
) -> list[str]:
    lines: list[str] = []
    if activity.signup_deadline is not None:
        deadline = formatting.moment(texts, language, activity.signup_deadline, zone)
        lines.append(texts.get(language, "cards.deadline", deadline=deadline))
    needs = []
    if activity.min_age is not None:
        needs.append(texts.get(language, "cards.needs_age", age=activity.min_age))
    if activity.require_real_name:
        needs.append(texts.get(language, "cards.needs_real_name"))
    if activity.required_theme_id is not None:
        theme = await session.get(Theme, activity.required_theme_id)
        if theme is not None:
            needs.append(texts.get(language, "cards.needs_theme", theme=theme.name(language)))
    if needs:
        lines.append(texts.get(language, "cards.requirements", needs="; ".join(needs)))
    return ["", *lines] if lines else []
