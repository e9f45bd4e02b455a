"""maintenance: stored early warnings of the live anomaly detector, and its state per
machine

A branch of its own on ``0020_maintenance``; the tree is upgraded to "heads".

Revision ID: 0028_maintenance_warnings
Revises: 0020_maintenance
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import linewise.core.db

revision = "0028_maintenance_warnings"
down_revision = "0020_maintenance"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "maintenance_warnings",
        sa.Column("machine_id", sa.Integer(), nullable=False),
        sa.Column("started_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("signals", sa.JSON(), nullable=False),
        sa.Column("alarms", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("acknowledged_by", sa.String(length=120), nullable=True),
        sa.Column("acknowledged_at", linewise.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=120), nullable=True),
        sa.Column("resolved_at", linewise.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("model_version", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["machine_id"],
            ["machines.id"],
            name=op.f("fk_maintenance_warnings_machine_id_machines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["maintenance_orders.id"],
            name=op.f("fk_maintenance_warnings_order_id_maintenance_orders"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_warnings")),
    )
    with op.batch_alter_table("maintenance_warnings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_maintenance_warnings_machine_last", ["machine_id", "last_at"], unique=False
        )
    op.create_table(
        "maintenance_detector_state",
        sa.Column("machine_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column("last_ts", linewise.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("model_version", sa.Integer(), nullable=True),
        sa.Column("updated_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["machine_id"],
            ["machines.id"],
            name=op.f("fk_maintenance_detector_state_machine_id_machines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("machine_id", name=op.f("pk_maintenance_detector_state")),
    )


def downgrade() -> None:
    op.drop_table("maintenance_detector_state")
    with op.batch_alter_table("maintenance_warnings", schema=None) as batch_op:
        batch_op.drop_index("ix_maintenance_warnings_machine_last")
    op.drop_table("maintenance_warnings")
