"""maintenance: spare parts used on a maintenance order, as ledger movements

``stock_movements.maintenance_order_id``: an issue of a spare part to a maintenance
order (and the reversal that takes it back) names the order it went to. A branch on
``0030_maintenance_documents`` that needs the ledger's own branch (0016, 0017) first.

Revision ID: 0031_maintenance_parts
Revises: 0030_maintenance_documents
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031_maintenance_parts"
down_revision = "0030_maintenance_documents"
branch_labels = None
depends_on = ("0016_stock_reservations", "0017_genealogy")


def upgrade() -> None:
    with op.batch_alter_table("stock_movements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("maintenance_order_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_stock_movements_maintenance_order_id"),
            ["maintenance_order_id"],
            unique=False,
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_stock_movements_maintenance_order_id_maintenance_orders"),
            "maintenance_orders",
            ["maintenance_order_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("stock_movements", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_stock_movements_maintenance_order_id_maintenance_orders"),
            type_="foreignkey",
        )
        batch_op.drop_index(batch_op.f("ix_stock_movements_maintenance_order_id"))
        batch_op.drop_column("maintenance_order_id")
