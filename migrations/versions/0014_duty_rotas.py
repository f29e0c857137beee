"""Duty rotas: an activity"s recurrence rule and its exception dates, the dates made into
shifts (unique per activity and start), and volunteers" standing slots with their skipped dates.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 20:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rota_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("every_weeks", sa.Integer(), nullable=False),
        sa.Column("weekdays", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_rota_rules_capacity_positive")),
        sa.CheckConstraint("end_time > start_time", name=op.f("ck_rota_rules_ends_after_start")),
        sa.CheckConstraint(
            "ends_on IS NULL OR ends_on >= starts_on", name=op.f("ck_rota_rules_ends_after_starts")
        ),
        sa.CheckConstraint(
            "every_weeks BETWEEN 1 AND 52", name=op.f("ck_rota_rules_every_weeks_range")
        ),
        sa.CheckConstraint("weekdays BETWEEN 1 AND 127", name=op.f("ck_rota_rules_weekdays_range")),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_rota_rules_activity_id_activities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rota_rules")),
        sa.UniqueConstraint("activity_id", name=op.f("uq_rota_rules_activity_id")),
    )
    op.create_table(
        "rota_exceptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["rota_rules.id"],
            name=op.f("fk_rota_exceptions_rule_id_rota_rules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rota_exceptions")),
        sa.UniqueConstraint("rule_id", "day", name="uq_rota_exceptions_rule_day"),
    )
    op.create_table(
        "rota_occurrences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_rota_occurrences_activity_id_activities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["rota_rules.id"],
            name=op.f("fk_rota_occurrences_rule_id_rota_rules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"],
            ["shifts.id"],
            name=op.f("fk_rota_occurrences_shift_id_shifts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rota_occurrences")),
        sa.UniqueConstraint("activity_id", "starts_at", name="uq_rota_occurrences_activity_start"),
        sa.UniqueConstraint("rule_id", "day", name="uq_rota_occurrences_rule_day"),
        sa.UniqueConstraint("shift_id", name=op.f("uq_rota_occurrences_shift_id")),
    )
    op.create_table(
        "standing_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["rota_rules.id"],
            name=op.f("fk_standing_slots_rule_id_rota_rules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_standing_slots_volunteer_id_volunteers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standing_slots")),
        sa.UniqueConstraint("rule_id", "volunteer_id", name="uq_standing_slots_rule_volunteer"),
    )
    with op.batch_alter_table("standing_slots", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_standing_slots_volunteer_id"), ["volunteer_id"], unique=False
        )

    op.create_table(
        "standing_slot_skips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["standing_slots.id"],
            name=op.f("fk_standing_slot_skips_slot_id_standing_slots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standing_slot_skips")),
        sa.UniqueConstraint("slot_id", "day", name="uq_standing_slot_skips_slot_day"),
    )


def downgrade() -> None:
    op.drop_table("standing_slot_skips")
    with op.batch_alter_table("standing_slots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_standing_slots_volunteer_id"))

    op.drop_table("standing_slots")
    op.drop_table("rota_occurrences")
    op.drop_table("rota_exceptions")
    op.drop_table("rota_rules")
