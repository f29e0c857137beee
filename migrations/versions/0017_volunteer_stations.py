"""Volunteer stations (志愿服务驿站) and the teams linked to them; an activity may take place at
one; latitude and longitude indexed for the nearby search's bounding box.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 20:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("address", sa.String(length=256), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("opening_hours", sa.String(length=256), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(), nullable=False),
        sa.CheckConstraint("latitude BETWEEN -90 AND 90", name=op.f("ck_stations_latitude_range")),
        sa.CheckConstraint(
            "longitude BETWEEN -180 AND 180", name=op.f("ck_stations_longitude_range")
        ),
        sa.ForeignKeyConstraint(
            ["district_id"], ["districts.id"], name=op.f("fk_stations_district_id_districts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stations")),
        sa.UniqueConstraint("name", name=op.f("uq_stations_name")),
    )
    op.create_index("ix_stations_location", "stations", ["latitude", "longitude"], unique=False)
    op.create_table(
        "station_teams",
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_station_teams_station_id_stations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_station_teams_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("station_id", "team_id", name=op.f("pk_station_teams")),
    )
    op.create_index(op.f("ix_station_teams_team_id"), "station_teams", ["team_id"], unique=False)
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("station_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_activities_station_id_stations"),
            "stations",
            ["station_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index("ix_activities_location", ["latitude", "longitude"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index("ix_activities_location")
        batch_op.drop_constraint(
            batch_op.f("fk_activities_station_id_stations"), type_="foreignkey"
        )
        batch_op.drop_column("station_id")
    op.drop_index(op.f("ix_station_teams_team_id"), table_name="station_teams")
    op.drop_table("station_teams")
    op.drop_index("ix_stations_location", table_name="stations")
    op.drop_table("stations")
