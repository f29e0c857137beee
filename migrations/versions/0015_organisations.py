"""Organisations above teams (federations, alliances): the organisations, the teams each groups
(a team may be in several), organisation admins (a role held for an organisation) and their
invites. Nothing personal is added: statistics by gender and age read what registration stores.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 21:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ORGANISER_GRANT = "(role = 'organiser') = (organisation_id IS NOT NULL)"
ONE_PLACE = (
    "(role = 'coordinator' AND team_id IS NOT NULL AND organisation_id IS NULL)"
    " OR (role = 'organiser' AND organisation_id IS NOT NULL AND team_id IS NULL)"
)


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("name", name=op.f("uq_organisations_name")),
    )
    op.create_table(
        "organisation_teams",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_organisation_teams_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_organisation_teams_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organisation_id", "team_id", name=op.f("pk_organisation_teams")),
    )
    with op.batch_alter_table("organisation_teams", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organisation_teams_team_id"), ["team_id"])
    with op.batch_alter_table("role_grants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_role_grants_organisation_id_organisations"),
            "organisations",
            ["organisation_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.drop_constraint(batch_op.f("ck_role_grants_role"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_role_grants_role"), "role IN ('admin', 'coordinator', 'organiser')"
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_role_grants_organisation_for_organiser"), ORGANISER_GRANT
        )
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch_op.alter_column("team_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_invites_organisation_id_organisations"),
            "organisations",
            ["organisation_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.drop_constraint(batch_op.f("ck_invites_role"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_invites_role"), "role IN ('coordinator', 'organiser')"
        )
        batch_op.create_check_constraint(batch_op.f("ck_invites_one_place"), ONE_PLACE)


def downgrade() -> None:
    op.execute("DELETE FROM invites WHERE role = 'organiser'")
    op.execute("DELETE FROM role_grants WHERE role = 'organiser'")
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_invites_one_place"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_invites_role"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_invites_role"), "role IN ('coordinator')")
        batch_op.drop_constraint(
            batch_op.f("fk_invites_organisation_id_organisations"), type_="foreignkey"
        )
        batch_op.alter_column("team_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("organisation_id")
    with op.batch_alter_table("role_grants", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("ck_role_grants_organisation_for_organiser"), type_="check"
        )
        batch_op.drop_constraint(batch_op.f("ck_role_grants_role"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_role_grants_role"), "role IN ('admin', 'coordinator')"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_role_grants_organisation_id_organisations"), type_="foreignkey"
        )
        batch_op.drop_column("organisation_id")
    op.drop_table("organisation_teams")
    op.drop_table("organisations")
