"""The tables of timed messages: reminders before shifts (a durable queue that workers claim with a
lease) and alerts that must go out once only."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, EnumText, UTCDateTime, one_of

# What a once-only alert is about (its key says which shift or day).
AlertKind = StrEnum("AlertKind", "SHORT_SHIFT DIGEST")


class Alert(Base):
    """A message that must go out once only (a coordinator's alert about a short shift, a daily
    digest, a deadline notice): the unique (kind, key) row is written before it is sent, so two
    processes cannot both send it."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("kind", "key", name="uq_alerts_kind_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[AlertKind] = mapped_column(EnumText(AlertKind, 32))
    key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


ReminderStatus = StrEnum("ReminderStatus", "PENDING SENDING SENT MISSED CANCELLED")


class Reminder(Base):
    __tablename__ = "reminders"
    __table_args__ = (
        one_of("status", ReminderStatus),
        UniqueConstraint("signup_id", "kind", name="uq_reminders_signup_kind"),
        Index("ix_reminders_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    signup_id: Mapped[int] = mapped_column(ForeignKey("signups.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[ReminderStatus] = mapped_column(
        EnumText(ReminderStatus, 16), default=ReminderStatus.PENDING
    )
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
