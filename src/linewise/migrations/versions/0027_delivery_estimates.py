"""delivery_estimates: each open order's latest ETA and late risk, for the lateness
verdict and the Orders list's filter and sort (SQL)

Revision ID: 0027_delivery_estimates
Revises: 0021_delivery
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from linewise.core.db import UTCDateTime

revision = "0027_delivery_estimates"
down_revision = "0021_delivery"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivery_estimates",
        sa.Column(
            "order_id",
            sa.Integer(),
            sa.ForeignKey("production_orders.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("made_at", UTCDateTime(), nullable=False),
        sa.Column("eta", UTCDateTime(), nullable=False),
        sa.Column("eta_low", UTCDateTime(), nullable=False),
        sa.Column("eta_high", UTCDateTime(), nullable=False),
        sa.Column("p_late", sa.Float(), nullable=False),
        sa.Column("calibrated", sa.Boolean(), nullable=False),
        sa.Column("delay", sa.JSON(), nullable=True),
        sa.Column("calibration_size", sa.Integer(), nullable=False),
        sa.Column("rate_samples", sa.Integer(), nullable=False),
    )
    op.create_index("ix_delivery_estimates_made_at", "delivery_estimates", ["made_at"])


def downgrade() -> None:
    op.drop_table("delivery_estimates")
