"""idle: the latest idle risk per clocked-in operator

Revision ID: 0035_operator_idle_risks
Revises: 0013_idle
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import linewise.core.db

revision = "0035_operator_idle_risks"
down_revision = "0013_idle"
branch_labels = None
depends_on = None

UTC = linewise.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "operator_idle_risks",
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("computed_at", UTC, nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("cause", sa.String(length=30), nullable=True),
        sa.Column("line_id", sa.Integer(), nullable=True),
        sa.Column("risk_5", sa.Float(), nullable=False),
        sa.Column("risk_15", sa.Float(), nullable=False),
        sa.Column("risk_30", sa.Float(), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("flagged_since", UTC, nullable=True),
        sa.ForeignKeyConstraint(["operator_id"], ["operators.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("operator_id"),
    )


def downgrade() -> None:
    op.drop_table("operator_idle_risks")
