"""stock reservations, reorder levels and units: a reorder level per material and unit
conversions (per material or for all)

Reservations and shortages are computed from the orders and the ledger, so they need no
table. Only a nullable column and a new table: existing rows stay valid.

Revision ID: 0016_stock_reservations
Revises: 0008_material_ledger
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import linewise.core.db

revision = "0016_stock_reservations"
down_revision = "0008_material_ledger"
branch_labels = None
depends_on = None

UTC = linewise.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("materials") as batch:
        batch.add_column(sa.Column("reorder_level", sa.Float(), nullable=True))
    op.create_table(
        "unit_conversions",
        sa.Column("material_id", sa.Integer(), nullable=True),
        sa.Column("from_unit", sa.String(length=20), nullable=False),
        sa.Column("to_unit", sa.String(length=20), nullable=False),
        sa.Column("factor", sa.Float(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["material_id"],
            ["materials.id"],
            name=op.f("fk_unit_conversions_material_id_materials"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_conversions")),
        sa.UniqueConstraint(
            "material_id",
            "from_unit",
            "to_unit",
            name=op.f("uq_unit_conversions_material_id"),
        ),
    )
    op.create_index(
        op.f("ix_unit_conversions_material_id"), "unit_conversions", ["material_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_unit_conversions_material_id"), table_name="unit_conversions")
    op.drop_table("unit_conversions")
    with op.batch_alter_table("materials") as batch:
        batch.drop_column("reorder_level")
