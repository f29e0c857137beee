"""The tables of recruitment calls: the call, its outbox (one row per recipient, a durable queue
that senders claim with a lease) and the send budget all bot processes share."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
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

# HELD: it fell due after its author lost the role (or a team it reaches) it was made with; it
# waits for another coordinator of the team (or an admin) to release or cancel it.
BroadcastStatus = StrEnum("BroadcastStatus", "DRAFT SCHEDULED RUNNING PAUSED CANCELLED DONE HELD")


class Broadcast(Base):
    __tablename__ = "broadcasts"
    __table_args__ = (
        one_of("status", BroadcastStatus),
        Index("ix_broadcasts_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_by: Mapped[int] = mapped_column(BigInteger)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"))
    # The theme volunteers may have muted calls about (the linked activity's).
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id"))
    text: Mapped[str] = mapped_column(Text)
    # A photo the coordinator sent, by Telegram's file id (the text is then its caption).
    photo_id: Mapped[str | None] = mapped_column(String(256))
    audience: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    status: Mapped[BroadcastStatus] = mapped_column(
        EnumText(BroadcastStatus, 16), default=BroadcastStatus.DRAFT
    )
    send_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Paused by an admin: only an admin resumes it.
    paused_by_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # Who released it after it was held: their role, not the author's, vouches for it since.
    released_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Recipients enqueued when it started.
    total: Mapped[int] = mapped_column(Integer, default=0)
    # The coordinator's progress message, edited in place.
    progress_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


DeliveryStatus = StrEnum("DeliveryStatus", "PENDING SENDING SENT UNCERTAIN FAILED BLOCKED")


class Delivery(Base):
    """One recipient of one broadcast; unique so nobody is enqueued twice."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "volunteer_id", name="uq_deliveries_recipient"),
        one_of("status", DeliveryStatus),
        Index("ix_deliveries_claim", "broadcast_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"))
    status: Mapped[DeliveryStatus] = mapped_column(
        EnumText(DeliveryStatus, 16), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Its send may have arrived without the bot knowing (a timeout, or a sender that died
    # between sending and recording); counted in the report whatever happened next.
    uncertain: Mapped[bool] = mapped_column(Boolean, default=False)


class SendBudget(Base):
    """The one rate budget every bot process shares (a single row): broadcasts reserve their
    next slots here, so that several processes together stay within Telegram's limit, and a
    429 pauses them all. Times are Unix seconds of the wall clock."""

    __tablename__ = "send_budget"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    next_slot: Mapped[float] = mapped_column(Float, default=0.0)
    paused_until: Mapped[float] = mapped_column(Float, default=0.0)
