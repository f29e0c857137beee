"""Broadcasts from a durable outbox: the photo, theme, figures and progress message of a call,
uncertain sends, the shared send budget, and themes volunteers muted calls about.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 16:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("theme_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("photo_id", sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column("started_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("total", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("progress_chat_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("progress_message_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("progress_at", UTCDateTime(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_broadcasts_theme_id_themes"), "themes", ["theme_id"], ["id"]
        )
        batch_op.create_index("ix_broadcasts_status", ["status"], unique=False)

    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("uncertain", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    budget = op.create_table(
        "send_budget",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("next_slot", sa.Float(), nullable=False),
        sa.Column("paused_until", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_send_budget")),
    )
    # The two lanes of models/broadcasts/send_budget.py: standard messages and paid broadcasts.
    op.bulk_insert(
        budget,
        [{"id": lane, "next_slot": 0.0, "paused_until": 0.0} for lane in (1, 2)],
    )
    op.create_table(
        "volunteer_muted_themes",
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["themes.id"],
            name=op.f("fk_volunteer_muted_themes_theme_id_themes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_volunteer_muted_themes_volunteer_id_volunteers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("volunteer_id", "theme_id", name=op.f("pk_volunteer_muted_themes")),
    )


def downgrade() -> None:
    op.drop_table("volunteer_muted_themes")
    op.drop_table("send_budget")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("uncertain")
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.drop_index("ix_broadcasts_status")
        batch_op.drop_constraint(batch_op.f("fk_broadcasts_theme_id_themes"), type_="foreignkey")
        for column in (
            "progress_at",
            "progress_message_id",
            "progress_chat_id",
            "total",
            "started_at",
            "photo_id",
            "theme_id",
        ):
            batch_op.drop_column(column)
