"""delivery_models: trained scrap/rework models, their baselines and evaluation

Revision ID: 0026_delivery_models
Revises: 0025_cost_rates
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from linewise.core.db import UTCDateTime

revision = "0026_delivery_models"
down_revision = "0025_cost_rates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivery_models",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("trained_at", UTCDateTime(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("evaluation", sa.JSON(), nullable=False),
        sa.UniqueConstraint("kind", "version"),
    )


def downgrade() -> None:
    op.drop_table("delivery_models")
