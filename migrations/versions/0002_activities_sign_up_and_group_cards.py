"""Group chats the bot is in, and the activity cards posted there.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 11:56:21.197806
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "group_chats",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=256), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("added_by", sa.BigInteger(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_group_chats")),
    )
    with op.batch_alter_table("group_chats", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_chats_added_by"), ["added_by"], unique=False)

    op.create_table(
        "group_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("shown_text", sa.Text(), nullable=True),
        sa.Column("edited_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_group_cards_activity_id_activities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["group_chats.chat_id"],
            name=op.f("fk_group_cards_chat_id_group_chats"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_cards")),
        sa.UniqueConstraint("activity_id", "chat_id", name="uq_group_cards_activity_chat"),
    )
    with op.batch_alter_table("group_cards", schema=None) as batch_op:
        batch_op.create_index("ix_group_cards_stale", ["stale"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("group_cards", schema=None) as batch_op:
        batch_op.drop_index("ix_group_cards_stale")

    op.drop_table("group_cards")
    with op.batch_alter_table("group_chats", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_chats_added_by"))

    op.drop_table("group_chats")
