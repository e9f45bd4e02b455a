"""labour: clock entries, work intervals, absences, the skill matrix, allocation versions

Only depends on tables of 0001 (operators, lines, machines, sites), so this branch starts
there; the tree is upgraded to "heads".

Revision ID: 0012_labour
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import linewise.core.db

revision = "0012_labour"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC = linewise.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "allocation_versions",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("shift_key", sa.String(length=60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("restored_from", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("assignments", sa.JSON(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_allocation_versions_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation_versions")),
        sa.UniqueConstraint(
            "site_id", "shift_key", "version", name=op.f("uq_allocation_versions_site_id")
        ),
    )
    op.create_table(
        "labour_absences",
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", UTC, nullable=False),
        sa.Column("ends_at", UTC, nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_labour_absences_operator_id_operators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_labour_absences")),
    )
    with op.batch_alter_table("labour_absences", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_labour_absences_operator_id"), ["operator_id"], unique=False
        )

    op.create_table(
        "labour_clock",
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("clock_in", UTC, nullable=False),
        sa.Column("clock_out", UTC, nullable=True),
        sa.Column("by_in", sa.String(length=120), nullable=False),
        sa.Column("by_out", sa.String(length=120), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_labour_clock_operator_id_operators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_labour_clock")),
    )
    with op.batch_alter_table("labour_clock", schema=None) as batch_op:
        batch_op.create_index(
            "ix_labour_clock_operator_in", ["operator_id", "clock_in"], unique=False
        )
        batch_op.create_index(
            "uq_labour_clock_open",
            ["operator_id"],
            unique=True,
            sqlite_where=sa.text("clock_out IS NULL"),
            postgresql_where=sa.text("clock_out IS NULL"),
        )

    op.create_table(
        "labour_skills",
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("skill", sa.String(length=60), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_labour_skills_operator_id_operators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_labour_skills")),
        sa.UniqueConstraint("operator_id", "skill", name=op.f("uq_labour_skills_operator_id")),
    )
    op.create_table(
        "labour_work_intervals",
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("machine_id", sa.Integer(), nullable=True),
        sa.Column("operation_id", sa.Integer(), nullable=True),
        sa.Column("started_at", UTC, nullable=False),
        sa.Column("ended_at", UTC, nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["lines.id"],
            name=op.f("fk_labour_work_intervals_line_id_lines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["machine_id"],
            ["machines.id"],
            name=op.f("fk_labour_work_intervals_machine_id_machines"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_labour_work_intervals_operator_id_operators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_labour_work_intervals")),
    )
    with op.batch_alter_table("labour_work_intervals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_labour_work_operator_start", ["operator_id", "started_at"], unique=False
        )


def downgrade() -> None:
    op.drop_table("allocation_versions")
    op.drop_table("labour_skills")
    op.drop_table("labour_absences")
    op.drop_table("labour_work_intervals")
    op.drop_table("labour_clock")
