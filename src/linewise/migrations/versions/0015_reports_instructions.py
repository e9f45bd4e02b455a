"""reports and instructions: report subscriptions per user, files attached to routing steps

Only depends on tables of 0001 (users, routing steps), so this branch starts there; the
tree is upgraded to "heads".

Revision ID: 0015_reports_instructions
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import linewise.core.db

revision = "0015_reports_instructions"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC = linewise.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "report_subscriptions",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("report", sa.String(length=20), nullable=False),
        sa.Column("line_ids", sa.JSON(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("last_sent_at", UTC, nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_report_subscriptions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_subscriptions")),
        sa.UniqueConstraint("user_id", "report", name=op.f("uq_report_subscriptions_user_id")),
    )
    with op.batch_alter_table("report_subscriptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_subscriptions_user_id"), ["user_id"], unique=False
        )
    op.create_table(
        "step_documents",
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=60), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=80), nullable=False),
        sa.Column("uploaded_at", UTC, nullable=False),
        sa.Column("uploaded_by", sa.String(length=120), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["step_id"],
            ["routing_steps.id"],
            name=op.f("fk_step_documents_step_id_routing_steps"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_step_documents")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_step_documents_storage_key")),
    )
    with op.batch_alter_table("step_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_step_documents_step_id"), ["step_id"], unique=False)


def downgrade() -> None:
    op.drop_table("step_documents")
    op.drop_table("report_subscriptions")
