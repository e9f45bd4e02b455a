"""delivery_estimates.stages: each stage's expected start and end, so that the order
page's panel and the lateness attribution read the stored run instead of forecasting

Revision ID: 0034_delivery_estimate_stages
Revises: 0027_delivery_estimates
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0034_delivery_estimate_stages"
down_revision = "0027_delivery_estimates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("delivery_estimates", sa.Column("stages", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("delivery_estimates", "stages")
