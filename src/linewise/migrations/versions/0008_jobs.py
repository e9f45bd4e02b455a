"""jobs: the durable background job queue and the periodic jobs' last fire times

Revision ID: 0008_jobs
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import linewise.core.db

revision = "0008_jobs"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    utc = linewise.core.db.UTCDateTime()
    op.create_table(
        "jobs",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("queue", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=120), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_at", utc, nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("started_at", utc, nullable=True),
        sa.Column("finished_at", utc, nullable=True),
        sa.Column("locked_by", sa.String(length=120), nullable=True),
        sa.Column("heartbeat_at", utc, nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_jobs_idempotency_key")),
    )
    ready = sa.text("state IN ('available', 'retryable')")
    op.create_index(
        "ix_jobs_ready",
        "jobs",
        ["queue", "run_at", "id"],
        postgresql_where=ready,
        sqlite_where=ready,
    )
    op.create_index("ix_jobs_state", "jobs", ["state", "id"])
    op.create_index("ix_jobs_locked_by", "jobs", ["locked_by"])
    op.create_index("ix_jobs_kind", "jobs", ["kind"])
    op.create_table(
        "job_schedules",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("cron", sa.String(length=120), nullable=False),
        sa.Column("last_fire_at", utc, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_schedules")),
    )


def downgrade() -> None:
    op.drop_table("job_schedules")
    op.drop_index("ix_jobs_kind", table_name="jobs")
    op.drop_index("ix_jobs_locked_by", table_name="jobs")
    op.drop_index("ix_jobs_state", table_name="jobs")
    op.drop_index("ix_jobs_ready", table_name="jobs")
    op.drop_table("jobs")
