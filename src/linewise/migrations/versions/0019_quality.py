"""quality: defect codes, inspection plans and characteristics, inspection results with
their measurements and defects, nonconformances with their holds, SPC signals

New tables only (quality_*, and inspection_events: the raw results of test and
inspection machines, kept by ingest); nothing existing changes.

Revision ID: 0019_quality
Revises: 0018_job_request_id
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import linewise.core.db

revision = "0019_quality"
down_revision = "0018_job_request_id"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inspection_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("machine_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=80), nullable=False),
        sa.Column("ts", linewise.core.db.UTCDateTime(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["machine_id"],
            ["machines.id"],
            name=op.f("fk_inspection_events_machine_id_machines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_events")),
        sa.UniqueConstraint("machine_id", "event_id", name=op.f("uq_inspection_events_machine_id")),
    )
    with op.batch_alter_table("inspection_events", schema=None) as batch_op:
        batch_op.create_index("ix_inspection_events_machine_ts", ["machine_id", "ts"], unique=False)
    op.create_table(
        "quality_defect_codes",
        sa.Column("family", sa.String(length=60), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["quality_defect_codes.id"],
            name=op.f("fk_quality_defect_codes_parent_id_quality_defect_codes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_defect_codes")),
        sa.UniqueConstraint("family", "code", name=op.f("uq_quality_defect_codes_family")),
    )
    op.create_table(
        "quality_plans",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("step_seq", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sampling", sa.String(length=20), nullable=False),
        sa.Column("sample_every", sa.Integer(), nullable=True),
        sa.Column("sample_share", sa.Float(), nullable=True),
        sa.Column("opportunities_per_unit", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_quality_plans_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_plans")),
        sa.UniqueConstraint(
            "product_id", "step_seq", "name", name=op.f("uq_quality_plans_product_id")
        ),
    )
    op.create_table(
        "quality_characteristics",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("nominal", sa.Float(), nullable=True),
        sa.Column("lsl", sa.Float(), nullable=True),
        sa.Column("usl", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("chart", sa.String(length=20), nullable=False),
        sa.Column("subgroup_size", sa.Integer(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("center", sa.Float(), nullable=True),
        sa.Column("sigma", sa.Float(), nullable=True),
        sa.Column(
            "out_of_control_since", linewise.core.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["quality_plans.id"],
            name=op.f("fk_quality_characteristics_plan_id_quality_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_characteristics")),
        sa.UniqueConstraint("plan_id", "name", name=op.f("uq_quality_characteristics_plan_id")),
    )
    op.create_table(
        "quality_inspections",
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("step_seq", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("machine_id", sa.Integer(), nullable=True),
        sa.Column("line_id", sa.Integer(), nullable=True),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("event_id", sa.String(length=80), nullable=True),
        sa.Column("serial", sa.String(length=80), nullable=True),
        sa.Column("lot", sa.String(length=80), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("passed_quantity", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("first_pass", sa.Boolean(), nullable=False),
        sa.Column("inspected_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("inspector", sa.String(length=100), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["lines.id"],
            name=op.f("fk_quality_inspections_line_id_lines"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["machine_id"],
            ["machines.id"],
            name=op.f("fk_quality_inspections_machine_id_machines"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["production_orders.id"],
            name=op.f("fk_quality_inspections_order_id_production_orders"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["quality_plans.id"],
            name=op.f("fk_quality_inspections_plan_id_quality_plans"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_quality_inspections_product_id_products"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_inspections")),
        sa.UniqueConstraint(
            "machine_id", "event_id", name=op.f("uq_quality_inspections_machine_id")
        ),
    )
    with op.batch_alter_table("quality_inspections", schema=None) as batch_op:
        batch_op.create_index("ix_quality_inspections_at", ["inspected_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_quality_inspections_plan_id"), ["plan_id"], unique=False
        )
        batch_op.create_index("ix_quality_inspections_serial", ["serial"], unique=False)

    op.create_table(
        "quality_defects",
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("defect_code_id", sa.Integer(), nullable=True),
        sa.Column("ref_designator", sa.String(length=40), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["defect_code_id"],
            ["quality_defect_codes.id"],
            name=op.f("fk_quality_defects_defect_code_id_quality_defect_codes"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["quality_inspections.id"],
            name=op.f("fk_quality_defects_inspection_id_quality_inspections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_defects")),
    )
    with op.batch_alter_table("quality_defects", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quality_defects_inspection_id"), ["inspection_id"], unique=False
        )

    op.create_table(
        "quality_measurements",
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("characteristic_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("measured_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["characteristic_id"],
            ["quality_characteristics.id"],
            name=op.f("fk_quality_measurements_characteristic_id_quality_characteristics"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["quality_inspections.id"],
            name=op.f("fk_quality_measurements_inspection_id_quality_inspections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_measurements")),
    )
    with op.batch_alter_table("quality_measurements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_quality_measurements_char", ["characteristic_id", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_quality_measurements_inspection_id"), ["inspection_id"], unique=False
        )

    op.create_table(
        "quality_nonconformances",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("lot", sa.String(length=80), nullable=True),
        sa.Column("serial_from", sa.String(length=80), nullable=True),
        sa.Column("serial_to", sa.String(length=80), nullable=True),
        sa.Column("hold", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("disposition", sa.String(length=30), nullable=True),
        sa.Column("disposition_note", sa.String(length=1000), nullable=False),
        sa.Column("disposed_at", linewise.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("disposed_by", sa.String(length=100), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["quality_inspections.id"],
            name=op.f("fk_quality_nonconformances_inspection_id_quality_inspections"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_quality_nonconformances_product_id_products"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_nonconformances")),
    )
    op.create_table(
        "quality_spc_signals",
        sa.Column("characteristic_id", sa.Integer(), nullable=False),
        sa.Column("measurement_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=20), nullable=False),
        sa.Column("at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["characteristic_id"],
            ["quality_characteristics.id"],
            name=op.f("fk_quality_spc_signals_characteristic_id_quality_characteristics"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["measurement_id"],
            ["quality_measurements.id"],
            name=op.f("fk_quality_spc_signals_measurement_id_quality_measurements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_spc_signals")),
        sa.UniqueConstraint(
            "measurement_id", "rule", name=op.f("uq_quality_spc_signals_measurement_id")
        ),
    )
    with op.batch_alter_table("quality_spc_signals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quality_spc_signals_characteristic_id"),
            ["characteristic_id"],
            unique=False,
        )


def downgrade() -> None:
    op.drop_table("inspection_events")
    with op.batch_alter_table("quality_spc_signals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quality_spc_signals_characteristic_id"))

    op.drop_table("quality_spc_signals")
    op.drop_table("quality_nonconformances")
    with op.batch_alter_table("quality_measurements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quality_measurements_inspection_id"))
        batch_op.drop_index("ix_quality_measurements_char")

    op.drop_table("quality_measurements")
    with op.batch_alter_table("quality_defects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quality_defects_inspection_id"))

    op.drop_table("quality_defects")
    with op.batch_alter_table("quality_inspections", schema=None) as batch_op:
        batch_op.drop_index("ix_quality_inspections_serial")
        batch_op.drop_index(batch_op.f("ix_quality_inspections_plan_id"))
        batch_op.drop_index("ix_quality_inspections_at")

    op.drop_table("quality_inspections")
    op.drop_table("quality_characteristics")
    op.drop_table("quality_plans")
    op.drop_table("quality_defect_codes")
