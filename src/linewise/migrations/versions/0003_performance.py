"""performance: downtime reason assignments and KPI day rollups

Revision ID: 0003_performance
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import linewise.core.db

revision = "0003_performance"
down_revision = "0002"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "downtime_assignments",
        sa.Column("machine_id", sa.Integer(), nullable=False),
        sa.Column("stop_start", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason_code_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=60), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("assigned_by", sa.String(length=120), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["machine_id"],
            ["machines.id"],
            name=op.f("fk_downtime_assignments_machine_id_machines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reason_code_id"],
            ["reason_codes.id"],
            name=op.f("fk_downtime_assignments_reason_code_id_reason_codes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_downtime_assignments")),
        sa.UniqueConstraint(
            "machine_id", "stop_start", name=op.f("uq_downtime_assignments_machine_id")
        ),
    )
    with op.batch_alter_table("downtime_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_downtime_assignments_reason_code_id"), ["reason_code_id"], unique=False
        )

    seconds = [
        "pot_s", "pdot_s", "apt_s", "asut_s", "adot_s", "unknown_s", "adet_minor_stops_s",
        "adet_idle_short_s", "adet_idle_long_s", "overtime_s", "not_planned_s",
    ]  # fmt: skip
    op.create_table(
        "kpi_machine_days",
        sa.Column("machine_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *[sa.Column(name, sa.Float(), nullable=False) for name in seconds],
        *[
            sa.Column(name, sa.Integer(), nullable=False)
            for name in ("produced", "good", "scrap", "rework", "inspected", "first_pass_good")
        ],
        sa.Column("ideal_produced_s", sa.Float(), nullable=False),
        sa.Column("ideal_good_s", sa.Float(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("minor_stops", sa.Integer(), nullable=False),
        sa.Column("uncounted", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["machine_id"],
            ["machines.id"],
            name=op.f("fk_kpi_machine_days_machine_id_machines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("machine_id", "day", name=op.f("pk_kpi_machine_days")),
    )

    op.create_table(
        "kpi_stop_days",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("machine_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=60), nullable=True),
        sa.Column("fault", sa.String(length=60), nullable=True),
        sa.Column("minor", sa.Boolean(), nullable=False),
        sa.Column("shift", sa.String(length=80), nullable=True),
        sa.Column("lost_s", sa.Float(), nullable=False),
        sa.Column("stops", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["machine_id"],
            ["machines.id"],
            name=op.f("fk_kpi_stop_days_machine_id_machines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_stop_days")),
    )
    with op.batch_alter_table("kpi_stop_days", schema=None) as batch_op:
        batch_op.create_index("ix_kpi_stop_days_day_machine", ["day", "machine_id"], unique=False)

    op.create_table(
        "kpi_rollup_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state_event_id", sa.BigInteger(), nullable=False),
        sa.Column("count_event_id", sa.BigInteger(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_rollup_marks")),
    )


def downgrade() -> None:
    op.drop_table("kpi_rollup_marks")
    with op.batch_alter_table("kpi_stop_days", schema=None) as batch_op:
        batch_op.drop_index("ix_kpi_stop_days_day_machine")
    op.drop_table("kpi_stop_days")
    op.drop_table("kpi_machine_days")
    with op.batch_alter_table("downtime_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_downtime_assignments_reason_code_id"))
    op.drop_table("downtime_assignments")
