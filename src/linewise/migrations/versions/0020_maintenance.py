"""maintenance: preventive plans, maintenance orders, their checklist steps and labour;
hourly telemetry aggregates (retention)

Only needs machines (0001); it hangs below 0018 as assigned, and the tree is upgraded
to "heads".

Revision ID: 0020_maintenance
Revises: 0018_job_request_id
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import linewise.core.db

revision = "0020_maintenance"
down_revision = "0018_job_request_id"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "maintenance_plans",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("machine_id", sa.Integer(), nullable=True),
        sa.Column("machine_kind", sa.String(length=40), nullable=True),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("interval_days", sa.Float(), nullable=True),
        sa.Column("usage_metric", sa.String(length=20), nullable=True),
        sa.Column("usage_every", sa.Float(), nullable=True),
        sa.Column("signal", sa.String(length=60), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("above", sa.Boolean(), nullable=False),
        sa.Column("duration_min", sa.Float(), nullable=False),
        sa.Column("lead_days", sa.Float(), nullable=False),
        sa.Column("tolerance_days", sa.Float(), nullable=False),
        sa.Column("checklist", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["machine_id"],
            ["machines.id"],
            name=op.f("fk_maintenance_plans_machine_id_machines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_plans")),
    )
    with op.batch_alter_table("maintenance_plans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_maintenance_plans_machine_id"), ["machine_id"], unique=False
        )

    op.create_table(
        "maintenance_orders",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("machine_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("due_at", linewise.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("window_start", linewise.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("window_end", linewise.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("duration_min", sa.Float(), nullable=False),
        sa.Column("scheduled_start", linewise.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("scheduled_end", linewise.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("started_at", linewise.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", linewise.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("stop_start", linewise.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("stop_reason", sa.String(length=60), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("trigger_info", sa.JSON(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["machine_id"],
            ["machines.id"],
            name=op.f("fk_maintenance_orders_machine_id_machines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["maintenance_plans.id"],
            name=op.f("fk_maintenance_orders_plan_id_maintenance_plans"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_orders")),
    )
    with op.batch_alter_table("maintenance_orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_maintenance_orders_machine_id"), ["machine_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_maintenance_orders_plan_id"), ["plan_id"], unique=False
        )
        batch_op.create_index(
            "ux_maintenance_orders_plan_due", ["plan_id", "machine_id", "due_at"], unique=True
        )
        batch_op.create_index(
            "ux_maintenance_orders_stop", ["machine_id", "stop_start"], unique=True
        )

    op.create_table(
        "maintenance_labour",
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("who", sa.String(length=120), nullable=False),
        sa.Column("minutes", sa.Float(), nullable=False),
        sa.Column("booked_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("booked_by", sa.String(length=120), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["maintenance_orders.id"],
            name=op.f("fk_maintenance_labour_order_id_maintenance_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_labour")),
    )
    with op.batch_alter_table("maintenance_labour", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_maintenance_labour_order_id"), ["order_id"], unique=False
        )

    op.create_table(
        "maintenance_steps",
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("done_by", sa.String(length=120), nullable=True),
        sa.Column("done_at", linewise.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["maintenance_orders.id"],
            name=op.f("fk_maintenance_steps_order_id_maintenance_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_steps")),
    )
    with op.batch_alter_table("maintenance_steps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_maintenance_steps_order_id"), ["order_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("maintenance_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_maintenance_steps_order_id"))

    op.drop_table("maintenance_steps")
    with op.batch_alter_table("maintenance_labour", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_maintenance_labour_order_id"))

    op.drop_table("maintenance_labour")
    with op.batch_alter_table("maintenance_orders", schema=None) as batch_op:
        batch_op.drop_index("ux_maintenance_orders_stop")
        batch_op.drop_index("ux_maintenance_orders_plan_due")
        batch_op.drop_index(batch_op.f("ix_maintenance_orders_plan_id"))
        batch_op.drop_index(batch_op.f("ix_maintenance_orders_machine_id"))

    op.drop_table("maintenance_orders")
    with op.batch_alter_table("maintenance_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_maintenance_plans_machine_id"))

    op.drop_table("maintenance_plans")
