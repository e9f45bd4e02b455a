"""maintenance: the anomaly detector's trained baselines, versioned per machine, with the
training window and the evaluation on the held-out history

Revision ID: 0029_maintenance_models
Revises: 0028_maintenance_warnings
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import linewise.core.db

revision = "0029_maintenance_models"
down_revision = "0028_maintenance_warnings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "maintenance_anomaly_models",
        sa.Column("machine_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("train_start", linewise.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("train_end", linewise.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("holdout_end", linewise.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("train_samples", sa.Integer(), nullable=False),
        sa.Column("holdout_samples", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.JSON(), nullable=True),
        sa.Column("evaluation", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["machine_id"],
            ["machines.id"],
            name=op.f("fk_maintenance_anomaly_models_machine_id_machines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_anomaly_models")),
    )
    with op.batch_alter_table("maintenance_anomaly_models", schema=None) as batch_op:
        batch_op.create_index(
            "ux_maintenance_anomaly_models_version", ["machine_id", "version"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("maintenance_anomaly_models", schema=None) as batch_op:
        batch_op.drop_index("ux_maintenance_anomaly_models_version")
    op.drop_table("maintenance_anomaly_models")
