"""delivery_predictions: earlier ETAs that calibrate the delivery intervals and risks

Revision ID: 0021_delivery
Revises: 0018_job_request_id
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from linewise.core.db import UTCDateTime

revision = "0021_delivery"
down_revision = "0018_job_request_id"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivery_predictions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "order_id",
            sa.Integer(),
            sa.ForeignKey("production_orders.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("made_at", UTCDateTime(), nullable=False),
        sa.Column("eta", UTCDateTime(), nullable=False),
        sa.Column("predicted_s", sa.Float(), nullable=False),
        sa.Column(
            "line_id", sa.Integer(), sa.ForeignKey("lines.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("p_late", sa.Float(), nullable=False),
        sa.Column("stages_open", sa.Integer(), nullable=False),
        sa.UniqueConstraint("order_id", "made_at"),
    )
    op.create_index("ix_delivery_predictions_order_id", "delivery_predictions", ["order_id"])
    op.create_index("ix_delivery_predictions_made_at", "delivery_predictions", ["made_at"])


def downgrade() -> None:
    op.drop_table("delivery_predictions")
