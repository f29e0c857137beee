"""Volunteers: who registered, how to reach them, what they like to do."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, EnumText, UTCDateTime, one_of
from models.reference import District, Theme


class Availability(enum.IntFlag):
    """When a volunteer can usually serve; stored as a bit set."""

    WEEKDAYS = 1
    WEEKENDS = 2
    EVENINGS = 4


VolunteerStatus = enum.StrEnum("VolunteerStatus", "ACTIVE ERASED")


volunteer_themes = Table(
    "volunteer_themes",
    Base.metadata,
    Column("volunteer_id", ForeignKey("volunteers.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
)

# Themes a volunteer wants no recruitment calls about.
volunteer_muted_themes = Table(
    "volunteer_muted_themes",
    Base.metadata,
    Column("volunteer_id", ForeignKey("volunteers.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
)


class Volunteer(Base):
    __tablename__ = "volunteers"
    __table_args__ = (
        one_of("status", VolunteerStatus),
        CheckConstraint("availability >= 0 AND availability < 8", name="availability"),
        CheckConstraint("language IN ('zh-CN', 'en')", name="language"),
        CheckConstraint(
            f"status = '{VolunteerStatus.ERASED}' OR (full_name IS NOT NULL AND phone IS NOT NULL)",
            name="active_has_contact",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # NULL once erased: the row stays so that service records keep their owner, anonymised.
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    status: Mapped[VolunteerStatus] = mapped_column(
        EnumText(VolunteerStatus, 16), default=VolunteerStatus.ACTIVE
    )
    language: Mapped[str] = mapped_column(String(8))
    full_name: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(20))
    # The national ID number is stored only encrypted; the blind index lets us refuse a second
    # registration with the same number without being able to read it.
    id_number_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number_index: Mapped[str | None] = mapped_column(String(64), unique=True)
    id_number_masked: Mapped[str | None] = mapped_column(String(18))
    birth_date: Mapped[date | None] = mapped_column(Date)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    availability: Mapped[int] = mapped_column(Integer, default=0)
    reachable: Mapped[bool] = mapped_column(Boolean, default=True)
    mute_recruitment: Mapped[bool] = mapped_column(Boolean, default=False)
    reminders_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Minutes before a shift to remind; None: the activity's or the deployment's choice.
    reminder_minutes: Mapped[list[int] | None] = mapped_column(JSON)
    no_show_count: Mapped[int] = mapped_column(Integer, default=0)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    district: Mapped[District | None] = relationship(lazy="selectin")
    themes: Mapped[list[Theme]] = relationship(
        secondary=volunteer_themes, lazy="selectin", order_by=Theme.sort_order
    )
    muted_themes: Mapped[list[Theme]] = relationship(
        secondary=volunteer_muted_themes, lazy="selectin", order_by=Theme.sort_order
    )

    @property
    def is_real_name(self) -> bool:
        return self.id_number_index is not None
