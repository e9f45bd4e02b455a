"""kpi rollups: per machine-day times in microseconds, product and stop days, marks

The 0003 rollup tables were never filled; they are replaced by tables whose times are
integer microseconds (exact SQL sums), a per-product count table and per-machine marks
(master-data fingerprint + stale-since instant written by ingest).

Revision ID: 0005_kpi_rollups
Revises: 0003_performance
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import linewise.core.db

revision = "0005_kpi_rollups"
down_revision = "0003_performance"
branch_labels = None
depends_on = None

TIMES = [
    "pot", "pdot", "apt", "asut", "adot", "unknown", "adet_minor_stops", "adet_idle_short",
    "adet_idle_long", "overtime", "not_planned",
]  # fmt: skip
STOP_KEY = ["machine_id", "day", "state", "reason", "fault", "minor", "shift"]
QUANTITIES = ["produced", "good", "scrap", "rework", "inspected", "first_pass_good"]


def _machine_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["machine_id"],
        ["machines.id"],
        name=op.f(f"fk_{table}_machine_id_machines"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.drop_table("kpi_rollup_marks")
    with op.batch_alter_table("kpi_stop_days", schema=None) as batch_op:
        batch_op.drop_index("ix_kpi_stop_days_day_machine")
    op.drop_table("kpi_stop_days")
    op.drop_table("kpi_machine_days")

    op.create_table(
        "kpi_machine_days",
        sa.Column("machine_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *[sa.Column(f"{name}_us", sa.BigInteger(), nullable=False) for name in TIMES],
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("minor_stops", sa.Integer(), nullable=False),
        sa.Column("uncounted", sa.Integer(), nullable=False),
        _machine_fk("kpi_machine_days"),
        sa.PrimaryKeyConstraint("machine_id", "day", name=op.f("pk_kpi_machine_days")),
    )
    op.create_table(
        "kpi_product_days",
        sa.Column("machine_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("product", sa.String(length=120), nullable=False),
        *[sa.Column(name, sa.BigInteger(), nullable=False) for name in QUANTITIES],
        _machine_fk("kpi_product_days"),
        sa.PrimaryKeyConstraint("machine_id", "day", "product", name=op.f("pk_kpi_product_days")),
    )
    op.create_table(
        "kpi_stop_days",
        sa.Column("machine_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=60), nullable=False),
        sa.Column("fault", sa.String(length=60), nullable=False),
        sa.Column("minor", sa.Boolean(), nullable=False),
        sa.Column("shift", sa.String(length=80), nullable=False),
        sa.Column("lost_us", sa.BigInteger(), nullable=False),
        sa.Column("stops", sa.Integer(), nullable=False),
        _machine_fk("kpi_stop_days"),
        sa.PrimaryKeyConstraint(
            "machine_id",
            "day",
            "state",
            "reason",
            "fault",
            "minor",
            "shift",
            name=op.f("pk_kpi_stop_days"),
        ),
    )
    with op.batch_alter_table("kpi_stop_days", schema=None) as batch_op:
        batch_op.create_index("ix_kpi_stop_days_day_machine", ["day", "machine_id"], unique=False)
    op.create_table(
        "kpi_rollup_marks",
        sa.Column("machine_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("stale_since", linewise.core.db.UTCDateTime(timezone=True), nullable=True),
        _machine_fk("kpi_rollup_marks"),
        sa.PrimaryKeyConstraint("machine_id", name=op.f("pk_kpi_rollup_marks")),
    )


def downgrade() -> None:
    op.drop_table("kpi_rollup_marks")
    with op.batch_alter_table("kpi_stop_days", schema=None) as batch_op:
        batch_op.drop_index("ix_kpi_stop_days_day_machine")
    for table in ("kpi_stop_days", "kpi_product_days", "kpi_machine_days"):
        op.drop_table(table)
    seconds = [f"{name}_s" for name in TIMES]
    op.create_table(
        "kpi_machine_days",
        sa.Column("machine_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *[sa.Column(name, sa.Float(), nullable=False) for name in seconds],
        *[sa.Column(name, sa.Integer(), nullable=False) for name in QUANTITIES],
        sa.Column("ideal_produced_s", sa.Float(), nullable=False),
        sa.Column("ideal_good_s", sa.Float(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("minor_stops", sa.Integer(), nullable=False),
        sa.Column("uncounted", sa.Integer(), nullable=False),
        _machine_fk("kpi_machine_days"),
        sa.PrimaryKeyConstraint("machine_id", "day", name=op.f("pk_kpi_machine_days")),
    )
    op.create_table(
        "kpi_stop_days",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("machine_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=60), nullable=True),
        sa.Column("fault", sa.String(length=60), nullable=True),
        sa.Column("minor", sa.Boolean(), nullable=False),
        sa.Column("shift", sa.String(length=80), nullable=True),
        sa.Column("lost_s", sa.Float(), nullable=False),
        sa.Column("stops", sa.Integer(), nullable=False),
        _machine_fk("kpi_stop_days"),
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
