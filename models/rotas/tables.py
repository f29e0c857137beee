"""The tables of duty rotas: an activity's rule (its fields in columns, so they can be read,
checked and changed one by one), the dates it skips, the occurrences made from it (each an
ordinary shift), and volunteers' standing slots with the dates they skip."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime

ALL_WEEKDAYS = 0b111_1111  # Monday is bit 0, as `date.weekday()` counts


class RotaRule(Base):
    """An activity that recurs: every `every_weeks` weeks on the `weekdays` (a bit per day,
    Monday first) from `starts_on`, until `ends_on` (or for good), from `start_time` to
    `end_time` in the deployment's local time, with `capacity` places each time. Who made or
    changed it is in the audit log."""

    __tablename__ = "rota_rules"
    __table_args__ = (
        CheckConstraint("every_weeks BETWEEN 1 AND 52", name="every_weeks_range"),
        CheckConstraint(f"weekdays BETWEEN 1 AND {ALL_WEEKDAYS}", name="weekdays_range"),
        CheckConstraint("end_time > start_time", name="ends_after_start"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_starts"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), unique=True
    )
    every_weeks: Mapped[int] = mapped_column(Integer, default=1)
    weekdays: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    capacity: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RotaException(Base):
    """A date the rule skips (a holiday, the venue closed)."""

    __tablename__ = "rota_exceptions"
    __table_args__ = (UniqueConstraint("rule_id", "day", name="uq_rota_exceptions_rule_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("rota_rules.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RotaOccurrence(Base):
    """One date of a rule, made into a shift. Written before its shift, so the unique
    constraints decide which of two processes (or two runs) makes it: one shift per activity
    and start, and one per rule and date (a rule changed to other hours does not double a date
    already made)."""

    __tablename__ = "rota_occurrences"
    __table_args__ = (
        UniqueConstraint("activity_id", "starts_at", name="uq_rota_occurrences_activity_start"),
        UniqueConstraint("rule_id", "day", name="uq_rota_occurrences_rule_day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("rota_rules.id", ondelete="CASCADE"))
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    shift_id: Mapped[int | None] = mapped_column(
        ForeignKey("shifts.id", ondelete="CASCADE"), unique=True
    )


class StandingSlot(Base):
    """A volunteer who covers every date of a rule: signed up on each occurrence as it is
    made (a place while there is one, else the waiting list)."""

    __tablename__ = "standing_slots"
    __table_args__ = (
        UniqueConstraint("rule_id", "volunteer_id", name="uq_standing_slots_rule_volunteer"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("rota_rules.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SlotSkip(Base):
    """A date the holder of a standing slot will not come: no sign-up is made for it, and one
    made already was given back."""

    __tablename__ = "standing_slot_skips"
    __table_args__ = (UniqueConstraint("slot_id", "day", name="uq_standing_slot_skips_slot_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("standing_slots.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
