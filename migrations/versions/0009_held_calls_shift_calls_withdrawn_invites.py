"""Calls held when their author lost the role, only an admin resuming an admin's pause, when a
shift's last one-tap call went, and withdrawn coordinator invites.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = "'draft', 'scheduled', 'running', 'paused', 'cancelled', 'done'"


def upgrade() -> None:
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("paused_by_admin", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("released_by", sa.BigInteger(), nullable=True))
        batch_op.drop_constraint(batch_op.f("ck_broadcasts_status"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_broadcasts_status"), f"status IN ({BEFORE}, 'held')"
        )
    with op.batch_alter_table("shifts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("called_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_by", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.drop_column("withdrawn_at")
        batch_op.drop_column("withdrawn_by")
    with op.batch_alter_table("shifts", schema=None) as batch_op:
        batch_op.drop_column("called_at")
    op.execute("UPDATE broadcasts SET status = 'paused' WHERE status = 'held'")
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_broadcasts_status"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_broadcasts_status"), f"status IN ({BEFORE})"
        )
        for column in ("released_by", "paused_by_admin"):
            batch_op.drop_column(column)
