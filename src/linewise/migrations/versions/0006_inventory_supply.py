"""inventory supply: stock on hand per material and expected receipts (deliveries)

The tables only depend on ``materials`` (0001), so this branch starts there; the tree is
upgraded to "heads".

Revision ID: 0006_inventory_supply
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import linewise.core.db

revision = "0006_inventory_supply"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stock_levels",
        sa.Column("material_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["material_id"],
            ["materials.id"],
            name=op.f("fk_stock_levels_material_id_materials"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_levels")),
        sa.UniqueConstraint("material_id", name=op.f("uq_stock_levels_material_id")),
    )
    op.create_table(
        "material_receipts",
        sa.Column("material_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("expected_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=80), nullable=False),
        sa.Column("received_at", linewise.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["material_id"],
            ["materials.id"],
            name=op.f("fk_material_receipts_material_id_materials"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_material_receipts")),
    )
    with op.batch_alter_table("material_receipts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_material_receipts_material_id"), ["material_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_material_receipts_expected_at"), ["expected_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_material_receipts_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("material_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_material_receipts_status"))
        batch_op.drop_index(batch_op.f("ix_material_receipts_expected_at"))
        batch_op.drop_index(batch_op.f("ix_material_receipts_material_id"))
    op.drop_table("material_receipts")
    op.drop_table("stock_levels")
