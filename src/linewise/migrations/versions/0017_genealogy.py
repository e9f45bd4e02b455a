"""genealogy: lot-to-lot links, shipments to customer orders, BOM per step, sub-assemblies

New tables ``trace_lots``, ``trace_links`` (indexed parent→child and child→parent) and
``trace_shipments``; new nullable columns ``bom_items.step_seq`` (the step that consumes
a BOM line; none = the first), ``materials.product_id`` (a sub-assembly made by orders of
that product) and ``stock_movements.customer_order_id`` (a shipment's customer order).
Existing rows stay valid. Links are not rebuilt from an existing ledger: consumption
booked before this revision is traced by the first-cut queries only.

Revision ID: 0017_genealogy
Revises: 0008_material_ledger
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_genealogy"
down_revision = "0008_material_ledger"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trace_lots",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("lot", sa.String(length=80), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["stock_items.id"],
            name=op.f("fk_trace_lots_item_id_stock_items"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["production_orders.id"],
            name=op.f("fk_trace_lots_order_id_production_orders"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trace_lots")),
        sa.UniqueConstraint("item_id", "lot", name=op.f("uq_trace_lots_item_id")),
    )
    op.create_table(
        "trace_links",
        sa.Column("parent_id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("qty", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["trace_lots.id"],
            name=op.f("fk_trace_links_child_id_trace_lots"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["trace_lots.id"],
            name=op.f("fk_trace_links_parent_id_trace_lots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("parent_id", "child_id", name=op.f("pk_trace_links")),
    )
    with op.batch_alter_table("trace_links", schema=None) as batch_op:
        batch_op.create_index("ix_trace_links_child", ["child_id", "parent_id"], unique=False)
    op.create_table(
        "trace_shipments",
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("customer_order_id", sa.Integer(), nullable=False),
        sa.Column("qty", sa.Float(), nullable=False),
        sa.Column("movements", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_order_id"],
            ["customer_orders.id"],
            name=op.f("fk_trace_shipments_customer_order_id_customer_orders"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["trace_lots.id"],
            name=op.f("fk_trace_shipments_lot_id_trace_lots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("lot_id", "customer_order_id", name=op.f("pk_trace_shipments")),
    )
    with op.batch_alter_table("bom_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("step_seq", sa.Integer(), nullable=True))
    with op.batch_alter_table("materials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("product_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_materials_product_id"), ["product_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_materials_product_id_products"),
            "products",
            ["product_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("stock_movements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("customer_order_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_stock_movements_customer_order_id_customer_orders"),
            "customer_orders",
            ["customer_order_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("stock_movements", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_stock_movements_customer_order_id_customer_orders"),
            type_="foreignkey",
        )
        batch_op.drop_column("customer_order_id")
    with op.batch_alter_table("materials", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_materials_product_id_products"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_materials_product_id"), type_="unique")
        batch_op.drop_column("product_id")
    with op.batch_alter_table("bom_items", schema=None) as batch_op:
        batch_op.drop_column("step_seq")
    op.drop_table("trace_shipments")
    with op.batch_alter_table("trace_links", schema=None) as batch_op:
        batch_op.drop_index("ix_trace_links_child")
    op.drop_table("trace_links")
    op.drop_table("trace_lots")
