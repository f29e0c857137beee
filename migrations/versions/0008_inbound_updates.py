"""Updates received by webhook, recorded before they are acknowledged (models/inbox.py).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 17:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbound_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'handling', 'done')", name=op.f("ck_inbound_updates_status")
        ),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_inbound_updates")),
    )
    with op.batch_alter_table("inbound_updates", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inbound_updates_status_received", ["status", "received_at"], unique=False
        )


def downgrade() -> None:
    op.drop_table("inbound_updates")
