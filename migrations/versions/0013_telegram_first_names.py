"""Each person's Telegram first name as their latest update gives it, so that a coordinator or
admin who never registered as a volunteer is named to others, never shown by their Telegram id.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversation_states", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_name", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversation_states", schema=None) as batch_op:
        batch_op.drop_column("first_name")
