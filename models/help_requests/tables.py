"""Residents' requests for help ("if you have a difficulty, find a volunteer"), the teams each
request was dispatched to, the volunteers a coordinator asked directly, and the lookups that show
them. The rules that move a request along are in `models.help_requests.triage`, `convert`,
`assignments` and `rating`."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Integer,
    Select,
    String,
    Text,
    UniqueConstraint,
    and_,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.activities.tables import Shift, Signup, SignupStatus
from models.base import Base, EnumText, UTCDateTime, one_of
from models.errors import Conflict, InvalidInput
from models.registration.tables import Volunteer
from models.teams import roles
from models.teams.tables import Role, RoleGrant

HelpRequestStatus = StrEnum("HelpRequestStatus", "OPEN ACCEPTED DECLINED CONVERTED DONE CANCELLED")


class HelpRequest(Base):
    __tablename__ = "help_requests"
    __table_args__ = (
        one_of("status", HelpRequestStatus),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Anyone may ask, registered or not: the asker is known only by their Telegram account.
    requester_telegram_id: Mapped[int] = mapped_column(BigInteger, index=True)
    kind: Mapped[str] = mapped_column(String(32))  # the code of the theme the help falls under
    description: Mapped[str] = mapped_column(Text)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    preferred_time: Mapped[str] = mapped_column(String(128), default="")
    contact: Mapped[str] = mapped_column(String(128), default="")
    status: Mapped[HelpRequestStatus] = mapped_column(
        EnumText(HelpRequestStatus, 16), default=HelpRequestStatus.OPEN
    )
    handled_by: Mapped[int | None] = mapped_column(BigInteger)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"), index=True)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HelpDispatch(Base):
    """A team whose coordinators were told of a request and may act on it. A request with none
    went to the admins, as no team had a coordinator then: any coordinator may act on it."""

    __tablename__ = "help_dispatches"

    help_request_id: Mapped[int] = mapped_column(
        ForeignKey("help_requests.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True, index=True
    )


AssignmentStatus = StrEnum("AssignmentStatus", "ASKED ACCEPTED DECLINED")


class HelpAssignment(Base):
    """A volunteer a coordinator asked to help with a request, and their answer."""

    __tablename__ = "help_assignments"
    __table_args__ = (
        one_of("status", AssignmentStatus),
        UniqueConstraint("help_request_id", "volunteer_id", name="uq_help_assignments_volunteer"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    help_request_id: Mapped[int] = mapped_column(ForeignKey("help_requests.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[AssignmentStatus] = mapped_column(
        EnumText(AssignmentStatus, 16), default=AssignmentStatus.ASKED
    )
    asked_by: Mapped[int] = mapped_column(BigInteger)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# ---- lookups ------------------------------------------------------------------------------

# What a coordinator's list shows under each filter.
FILTERS: dict[str, tuple[HelpRequestStatus, ...]] = {
    "open": (HelpRequestStatus.OPEN,),
    "accepted": (HelpRequestStatus.ACCEPTED, HelpRequestStatus.CONVERTED),
    "done": (HelpRequestStatus.DONE,),
    "declined": (HelpRequestStatus.DECLINED, HelpRequestStatus.CANCELLED),
}


def dispatched_to(telegram_id: int) -> Select[int]:
    """The ids of the requests dispatched to a team this person coordinates."""
    return (
        select(HelpDispatch.help_request_id)
        .join(RoleGrant, RoleGrant.team_id == HelpDispatch.team_id)
        .where(RoleGrant.telegram_id == telegram_id, RoleGrant.role == Role.COORDINATOR)
    )


def visible_to(telegram_id: int) -> ColumnElement[bool]:
    """The requests a coordinator may see and act on: those dispatched to a team they
    coordinate, and those dispatched to none (sent when no team had a coordinator, they wait for
    whoever becomes one). Admins may act on every request."""
    undispatched = ~exists().where(HelpDispatch.help_request_id == HelpRequest.id)
    coordinator = exists().where(
        RoleGrant.telegram_id == telegram_id, RoleGrant.role == Role.COORDINATOR
    )
    return or_(HelpRequest.id.in_(dispatched_to(telegram_id)), and_(undispatched, coordinator))


async def assignments(session: AsyncSession, request_id: int) -> list[tuple[str, AssignmentStatus]]:
    """Who was asked to help with the request, and their answer: (name, status)."""
    rows = await session.execute(
        select(Volunteer.full_name, HelpAssignment.status)
        .join(Volunteer, Volunteer.id == HelpAssignment.volunteer_id)
        .where(HelpAssignment.help_request_id == request_id)
        .order_by(HelpAssignment.id)
    )
    return [(name or "—", status) for name, status in rows]


async def get(session: AsyncSession, request_id: int) -> HelpRequest:
    request = await session.get(HelpRequest, request_id)
    if request is None:
        raise Conflict("help_request_gone")
    return request


def _visible(telegram_id: int, admin: bool) -> list[ColumnElement[bool]]:
    return [] if admin else [visible_to(telegram_id)]


async def counts(
    session: AsyncSession, telegram_id: int, admin_ids: Collection[int]
) -> dict[str, int]:
    """How many requests this person may handle are under each filter."""
    admin = await roles.is_admin(session, telegram_id, admin_ids)
    rows = await session.execute(
        select(HelpRequest.status, func.count())
        .where(*_visible(telegram_id, admin))
        .group_by(HelpRequest.status)
    )
    by_status = {status: count for status, count in rows}
    return {name: sum(by_status.get(s, 0) for s in statuses) for name, statuses in FILTERS.items()}


async def listing(
    session: AsyncSession,
    telegram_id: int,
    admin_ids: Collection[int],
    filter_name: str,
    *,
    limit: int | None = None,
) -> list[HelpRequest]:
    """The requests under a filter that this person may handle, newest first."""
    if filter_name not in FILTERS:
        raise InvalidInput("help_filter_unknown")
    admin = await roles.is_admin(session, telegram_id, admin_ids)
    query = (
        select(HelpRequest)
        .where(HelpRequest.status.in_(FILTERS[filter_name]), *_visible(telegram_id, admin))
        .order_by(HelpRequest.created_at.desc(), HelpRequest.id.desc())
        .limit(limit)
    )
    return list(await session.scalars(query))


async def coming(session: AsyncSession, activity_id: int) -> int:
    """How many volunteers hold a confirmed place on the activity."""
    count = await session.scalar(
        select(func.count())
        .select_from(Signup)
        .join(Shift, Shift.id == Signup.shift_id)
        .where(Shift.activity_id == activity_id, Signup.status == SignupStatus.CONFIRMED)
    )
    return count or 0


async def for_activity(session: AsyncSession, activity_id: int) -> HelpRequest | None:
    """The request an activity was made from, if it was."""
    return await session.scalar(select(HelpRequest).where(HelpRequest.activity_id == activity_id))
