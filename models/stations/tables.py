"""Stations and the teams linked to them. A station's location is required (finding what is
near is what a station is for); latitude and longitude are indexed together, so the nearby
search's bounding box is a range scan, not a read of every row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime

NAME_MAX_CHARS = 128
ADDRESS_MAX_CHARS = 256
HOURS_MAX_CHARS = 256


class Station(Base):
    __tablename__ = "stations"
    __table_args__ = (
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
        Index("ix_stations_location", "latitude", "longitude"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX_CHARS), unique=True)
    address: Mapped[str] = mapped_column(String(ADDRESS_MAX_CHARS))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    # Free text as the station posts it ("周一至周五 9:00-17:00"): hours vary too much to model.
    opening_hours: Mapped[str] = mapped_column(String(HOURS_MAX_CHARS), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StationTeam(Base):
    """A team linked to a station: its coordinators manage the station."""

    __tablename__ = "station_teams"

    station_id: Mapped[int] = mapped_column(
        ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True, index=True
    )
