"""The inbox counts each update's tries and sets aside one it cannot handle (models/inbox.py);
long polling records its updates there too.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_updates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tries", sa.Integer(), server_default="0", nullable=False))
        batch_op.drop_constraint(op.f("ck_inbound_updates_status"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_inbound_updates_status"),
            "status IN ('pending', 'handling', 'done', 'rejected')",
        )


def downgrade() -> None:
    op.execute("DELETE FROM inbound_updates WHERE status = 'rejected'")
    with op.batch_alter_table("inbound_updates", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_inbound_updates_status"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_inbound_updates_status"), "status IN ('pending', 'handling', 'done')"
        )
        batch_op.drop_column("tries")
