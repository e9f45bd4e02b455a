"""planning: schedule runs, plan versions, planned operations, what-if scenarios

Revision ID: 0004_planning
Revises: 0002
Create Date: 2026-11-25 15:40:06.306220
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import linewise.core.db

revision = "0004_planning"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "planning_scenarios",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_planning_scenarios")),
    )
    op.create_table(
        "scenario_changes",
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scenario_id"],
            ["planning_scenarios.id"],
            name=op.f("fk_scenario_changes_scenario_id_planning_scenarios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenario_changes")),
    )
    with op.batch_alter_table("scenario_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scenario_changes_scenario_id"), ["scenario_id"], unique=False
        )

    op.create_table(
        "schedule_runs",
        sa.Column("scenario_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("trigger", sa.String(length=80), nullable=True),
        sa.Column("heuristic_plan_id", sa.Integer(), nullable=True),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", linewise.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scenario_id"],
            ["planning_scenarios.id"],
            name=op.f("fk_schedule_runs_scenario_id_planning_scenarios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_runs")),
    )
    with op.batch_alter_table("schedule_runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_schedule_runs_scenario_state", ["scenario_id", "state"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_schedule_runs_trigger"), ["trigger"], unique=False)

    op.create_table(
        "schedule_plans",
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("scenario_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("horizon_start", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("horizon_end", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("solver_status", sa.String(length=30), nullable=False),
        sa.Column("objective", sa.JSON(), nullable=False),
        sa.Column("bound", sa.Float(), nullable=True),
        sa.Column("gap", sa.Float(), nullable=True),
        sa.Column("published_at", linewise.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("instance_blob", sa.LargeBinary(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["schedule_runs.id"],
            name=op.f("fk_schedule_plans_run_id_schedule_runs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["scenario_id"],
            ["planning_scenarios.id"],
            name=op.f("fk_schedule_plans_scenario_id_planning_scenarios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_plans")),
    )
    with op.batch_alter_table("schedule_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_schedule_plans_run_id"), ["run_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_schedule_plans_scenario_id"), ["scenario_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_schedule_plans_status"), ["status"], unique=False)

    op.create_table(
        "planned_operations",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("job_key", sa.String(length=80), nullable=False),
        sa.Column("op_index", sa.Integer(), nullable=False),
        sa.Column("order_number", sa.String(length=60), nullable=False),
        sa.Column("product_code", sa.String(length=60), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("due_date", linewise.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("start", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("setup_s", sa.Integer(), nullable=False),
        sa.Column("frozen", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["lines.id"],
            name=op.f("fk_planned_operations_line_id_lines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["order_operations.id"],
            name=op.f("fk_planned_operations_operation_id_order_operations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["production_orders.id"],
            name=op.f("fk_planned_operations_order_id_production_orders"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["schedule_plans.id"],
            name=op.f("fk_planned_operations_plan_id_schedule_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_planned_operations")),
    )
    with op.batch_alter_table("planned_operations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_planned_operations_line_id"), ["line_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_planned_operations_operation_id"), ["operation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_planned_operations_plan_id"), ["plan_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("planned_operations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_planned_operations_plan_id"))
        batch_op.drop_index(batch_op.f("ix_planned_operations_operation_id"))
        batch_op.drop_index(batch_op.f("ix_planned_operations_line_id"))

    op.drop_table("planned_operations")
    with op.batch_alter_table("schedule_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schedule_plans_status"))
        batch_op.drop_index(batch_op.f("ix_schedule_plans_scenario_id"))
        batch_op.drop_index(batch_op.f("ix_schedule_plans_run_id"))

    op.drop_table("schedule_plans")
    with op.batch_alter_table("schedule_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schedule_runs_trigger"))
        batch_op.drop_index("ix_schedule_runs_scenario_state")

    op.drop_table("schedule_runs")
    with op.batch_alter_table("scenario_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scenario_changes_scenario_id"))

    op.drop_table("scenario_changes")
    op.drop_table("planning_scenarios")
