"""Help requests: the teams each request is dispatched to, the volunteers a coordinator asks
directly, and the activity a request became found by its id.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 14:45:36.990044
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "help_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("help_request_id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("asked_by", sa.BigInteger(), nullable=False),
        sa.Column("asked_at", UTCDateTime(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('asked', 'accepted', 'declined')",
            name=op.f("ck_help_assignments_status"),
        ),
        sa.ForeignKeyConstraint(
            ["help_request_id"],
            ["help_requests.id"],
            name=op.f("fk_help_assignments_help_request_id_help_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_help_assignments_volunteer_id_volunteers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_assignments")),
        sa.UniqueConstraint(
            "help_request_id", "volunteer_id", name="uq_help_assignments_volunteer"
        ),
    )
    with op.batch_alter_table("help_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_help_assignments_volunteer_id"), ["volunteer_id"], unique=False
        )

    op.create_table(
        "help_dispatches",
        sa.Column("help_request_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["help_request_id"],
            ["help_requests.id"],
            name=op.f("fk_help_dispatches_help_request_id_help_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_help_dispatches_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("help_request_id", "team_id", name=op.f("pk_help_dispatches")),
    )
    with op.batch_alter_table("help_dispatches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_help_dispatches_team_id"), ["team_id"], unique=False)

    with op.batch_alter_table("help_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_help_requests_activity_id"), ["activity_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("help_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_help_requests_activity_id"))

    with op.batch_alter_table("help_dispatches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_help_dispatches_team_id"))

    op.drop_table("help_dispatches")
    with op.batch_alter_table("help_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_help_assignments_volunteer_id"))

    op.drop_table("help_assignments")
