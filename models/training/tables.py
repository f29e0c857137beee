"""Courses, their training sessions, the courses activities require, and volunteers'
qualifications.

A training session is an ordinary activity linked to its course (`TrainingSession`), so that
publishing, sign-up, check-in and hours need nothing new; confirming a session's hours grants the
course's qualification (`models.training.qualifications`).
"""

from __future__ import annotations

from datetime import datetime

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

from models.base import Base, UTCDateTime


class Course(Base):
    """A course the programme runs; courses are the whole deployment's (a first-aid course is the
    same whichever team runs its session)."""

    __tablename__ = "courses"
    __table_args__ = (
        CheckConstraint("validity_months IS NULL OR validity_months > 0", name="validity_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # How long a qualification lasts from the session (or the grant); None: it never expires.
    validity_months: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TrainingSession(Base):
    """An activity that is a session of a course: attending it earns the course's qualification."""

    __tablename__ = "training_sessions"

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True
    )
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)


class CourseRequirement(Base):
    """An activity whose shifts need a valid qualification of the course to sign up."""

    __tablename__ = "course_requirements"

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True
    )
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Qualification(Base):
    """A volunteer's qualification of a course: one row per volunteer and course, renewed by
    attending again, withdrawn (with a reason) by a coordinator. Its history is the audit log."""

    __tablename__ = "qualifications"
    __table_args__ = (
        UniqueConstraint("volunteer_id", "course_id", name="uq_qualifications_volunteer_course"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), index=True
    )
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    granted_by: Mapped[int] = mapped_column(BigInteger)
    # The session attendance that earned it; None when a coordinator granted it by hand.
    signup_id: Mapped[int | None] = mapped_column(ForeignKey("signups.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by: Mapped[int | None] = mapped_column(BigInteger)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
