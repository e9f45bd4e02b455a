"""cost rates: the site's labour and machine-hour rates, per-line overrides, material costs

A branch of its own on ``0021_delivery``; the tree is upgraded to "heads".

Revision ID: 0025_cost_rates
Revises: 0021_delivery
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from linewise.core.db import UTCDateTime

revision = "0025_cost_rates"
down_revision = "0021_delivery"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cost_settings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("labour_per_h", sa.Float(), nullable=False),
        sa.Column("machine_per_h", sa.Float(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "line_cost_rates",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "line_id",
            sa.Integer(),
            sa.ForeignKey("lines.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("labour_per_h", sa.Float(), nullable=True),
        sa.Column("machine_per_h", sa.Float(), nullable=True),
    )
    op.create_index("ix_line_cost_rates_line_id", "line_cost_rates", ["line_id"], unique=True)
    op.create_table(
        "material_costs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "material_id",
            sa.Integer(),
            sa.ForeignKey("materials.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("unit_cost", sa.Float(), nullable=False),
    )
    op.create_index("ix_material_costs_material_id", "material_costs", ["material_id"], unique=True)


def downgrade() -> None:
    op.drop_table("material_costs")
    op.drop_table("line_cost_rates")
    op.drop_table("cost_settings")
