"""maintenance: the spare parts a preventive plan expects

``maintenance_plans.parts``: ``[{"material_id", "qty"}]``, shown on the plan's orders to
book from (nothing is reserved). A branch on ``0031_maintenance_parts``.

Revision ID: 0033_maintenance_plan_parts
Revises: 0031_maintenance_parts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0033_maintenance_plan_parts"
down_revision = "0031_maintenance_parts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("maintenance_plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parts", sa.JSON(), server_default="[]", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("maintenance_plans", schema=None) as batch_op:
        batch_op.drop_column("parts")
