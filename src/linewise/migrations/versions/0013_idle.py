"""idle: the latest idle risk per machine

Only depends on 0001 (machines), so this branch starts there; the tree is upgraded to
"heads".

Revision ID: 0013_idle
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import linewise.core.db

revision = "0013_idle"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC = linewise.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "idle_risks",
        sa.Column("machine_id", sa.Integer(), nullable=False),
        sa.Column("computed_at", UTC, nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("risk_5", sa.Float(), nullable=False),
        sa.Column("risk_15", sa.Float(), nullable=False),
        sa.Column("risk_30", sa.Float(), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["machine_id"], ["machines.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("machine_id"),
    )


def downgrade() -> None:
    op.drop_table("idle_risks")
