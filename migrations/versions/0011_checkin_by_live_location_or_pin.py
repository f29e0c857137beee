"""How a check-in was made says whether a location was live or a static pin, and only the
known methods may be stored (handlers/attendance/checkin.py; issue 15, point 6).

The old `location` could have been either: it becomes `pin`, the method that does not show
presence. Records already written keep their flags and confirmations.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "UPDATE service_records SET checkin_method = 'pin' WHERE checkin_method = 'location'"
    )
    with op.batch_alter_table("service_records", schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_service_records_checkin_method"),
            "checkin_method IN ('code', 'live_location', 'pin', 'roster')",
        )


def downgrade() -> None:
    with op.batch_alter_table("service_records", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_service_records_checkin_method"), type_="check")
    op.execute(
        "UPDATE service_records SET checkin_method = 'location'"
        " WHERE checkin_method IN ('live_location', 'pin')"
    )
