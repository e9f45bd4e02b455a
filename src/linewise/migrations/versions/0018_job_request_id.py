"""jobs.request_id: the request that enqueued a job, for its log lines

Revision ID: 0018_job_request_id
Revises: 0008_jobs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_job_request_id"
down_revision = "0008_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("request_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("request_id")
