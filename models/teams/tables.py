"""Teams, their members, and the roles that let people coordinate."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, EnumText, UTCDateTime, one_of


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    join_token: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


MemberStatus = StrEnum("MemberStatus", "PENDING ACTIVE")


class TeamMember(Base):
    __tablename__ = "team_members"
    __table_args__ = (one_of("status", MemberStatus),)

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[MemberStatus] = mapped_column(
        EnumText(MemberStatus, 16), default=MemberStatus.PENDING
    )
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)


# ORGANISER: an organisation admin, who sees the figures and exports of an organisation's
# teams and may send calls to their members (models/organisations).
Role = StrEnum("Role", "ADMIN COORDINATOR ORGANISER")
# Who sees teams' figures and exports and may call their members (each within their own teams,
# `models.organisations.organisations.overseen_teams`): the guard of /stats, /export, /broadcast.
OVERSEERS: tuple[Role, ...] = (Role.COORDINATOR, Role.ORGANISER)


class RoleGrant(Base):
    """A role held by a Telegram account; coordinators hold it for one team, organisation
    admins for one organisation."""

    __tablename__ = "role_grants"
    __table_args__ = (
        one_of("role", Role),
        CheckConstraint(
            f"(role = '{Role.COORDINATOR}') = (team_id IS NOT NULL)", name="team_for_coordinator"
        ),
        CheckConstraint(
            f"(role = '{Role.ORGANISER}') = (organisation_id IS NOT NULL)",
            name="organisation_for_organiser",
        ),
        UniqueConstraint("telegram_id", "role", "team_id", name="uq_role_grants_holder"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, index=True)
    role: Mapped[Role] = mapped_column(EnumText(Role))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    granted_by: Mapped[int | None] = mapped_column(BigInteger)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Invite(Base):
    """A one-time link that makes whoever opens it first a coordinator of the team, or an
    admin of the organisation."""

    __tablename__ = "invites"
    # An invite makes a coordinator or an organisation admin, never an admin.
    __table_args__ = (
        CheckConstraint(f"role IN ('{Role.COORDINATOR}', '{Role.ORGANISER}')", name="role"),
        CheckConstraint(
            f"(role = '{Role.COORDINATOR}' AND team_id IS NOT NULL AND organisation_id IS NULL)"
            f" OR (role = '{Role.ORGANISER}' AND organisation_id IS NOT NULL AND team_id IS NULL)",
            name="one_place",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    role: Mapped[Role] = mapped_column(EnumText(Role, 16), default=Role.COORDINATOR)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_by: Mapped[int | None] = mapped_column(BigInteger)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Withdrawn by an admin before anyone used it: the link no longer works.
    withdrawn_by: Mapped[int | None] = mapped_column(BigInteger)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
