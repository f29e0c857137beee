"""Activities, their shifts, sign-ups (with the waiting list) and attendance records.

The tables are shaped for the whole sign-up → check-in → hours path; the rules that fill them
live in their own modules as the features arrive.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, EnumText, UTCDateTime, one_of

ActivityStatus = StrEnum("ActivityStatus", "DRAFT PUBLISHED CANCELLED")


ShiftStatus = StrEnum("ShiftStatus", "OPEN CLOSED CANCELLED")


SignupStatus = StrEnum("SignupStatus", "CONFIRMED WAITING OFFERED CANCELLED ATTENDED NO_SHOW")


# How a presence was recorded: the shift's code, the volunteer's live location (the phone's own
# position), a static pin (which may be dropped anywhere on the map, so its hours wait for a
# coordinator's look), or the coordinator's roster.
CheckinMethod = StrEnum("CheckinMethod", "CODE LIVE_LOCATION PIN ROSTER")


class Activity(Base):
    __tablename__ = "activities"
    __table_args__ = (
        one_of("status", ActivityStatus),
        CheckConstraint("min_age IS NULL OR min_age BETWEEN 0 AND 120", name="min_age"),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="location_complete"),
        # The nearby search's bounding box (models/stations/nearby.py) is a range scan on it.
        Index("ix_activities_location", "latitude", "longitude"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    title: Mapped[str] = mapped_column(String(128))
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(256))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # The volunteer station it takes place at, if any (its address and pin are the default).
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id", ondelete="SET NULL"))
    signup_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    min_age: Mapped[int | None] = mapped_column(Integer)
    require_real_name: Mapped[bool] = mapped_column(Boolean, default=False)
    require_insurance: Mapped[bool] = mapped_column(Boolean, default=False)
    required_theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id"))
    # Minutes before each shift to remind volunteers; None: the deployment's default.
    reminder_minutes: Mapped[list[int] | None] = mapped_column(JSON)
    status: Mapped[ActivityStatus] = mapped_column(
        EnumText(ActivityStatus, 16), default=ActivityStatus.DRAFT
    )
    link_token: Mapped[str] = mapped_column(String(32), unique=True)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Shift(Base):
    __tablename__ = "shifts"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        one_of("status", ShiftStatus),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    signup_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[ShiftStatus] = mapped_column(EnumText(ShiftStatus, 16), default=ShiftStatus.OPEN)
    # Counts the moves of the shift and of its meeting place: its calendar event's SEQUENCE
    # (RFC 5545 3.8.7.4), so calendars holding an older version take the new one.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    checkin_token: Mapped[str | None] = mapped_column(String(32), unique=True)
    # When the last one-tap call for people went out for it (one per window: broadcasts.shift_call).
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Signup(Base):
    """One volunteer's place (or place in the queue) on one shift."""

    __tablename__ = "signups"
    __table_args__ = (
        UniqueConstraint("shift_id", "volunteer_id", name="uq_signups_shift_volunteer"),
        one_of("status", SignupStatus),
        Index("ix_signups_shift_status_queued", "shift_id", "status", "queued_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"), index=True)
    status: Mapped[SignupStatus] = mapped_column(EnumText(SignupStatus, 16))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ServiceRecord(Base):
    """Presence and hours for one sign-up; minutes, not float hours, so sums are exact."""

    __tablename__ = "service_records"
    __table_args__ = (
        one_of("checkin_method", CheckinMethod),
        CheckConstraint("credited_minutes >= 0", name="credited_non_negative"),
        CheckConstraint("honour_minutes >= 0", name="honour_non_negative"),
        CheckConstraint(
            "checked_out_at IS NULL OR checked_in_at IS NULL OR checked_out_at >= checked_in_at",
            name="out_after_in",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    signup_id: Mapped[int] = mapped_column(ForeignKey("signups.id"), unique=True)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checkin_method: Mapped[CheckinMethod | None] = mapped_column(EnumText(CheckinMethod, 16))
    credited_minutes: Mapped[int] = mapped_column(Integer, default=0)
    honour_minutes: Mapped[int] = mapped_column(Integer, default=0)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    confirmed_by: Mapped[int | None] = mapped_column(BigInteger)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")


class CalendarFeed(Base):
    """A volunteer's calendar subscription address, by its secret token: one per volunteer at a
    time; replacing it makes the old address unknown (models/activities/calendar_feed.py)."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (CheckConstraint("length(token) = 32", name="token_length"),)

    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), primary_key=True
    )
    token: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
