"""maintenance: files and photos on maintenance orders (bytes in the documents' store)

Revision ID: 0030_maintenance_documents
Revises: 0029_maintenance_models
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import linewise.core.db

revision = "0030_maintenance_documents"
down_revision = "0029_maintenance_models"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "maintenance_documents",
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=60), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=80), nullable=False),
        sa.Column("uploaded_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by", sa.String(length=120), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["maintenance_orders.id"],
            name=op.f("fk_maintenance_documents_order_id_maintenance_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_documents")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_maintenance_documents_storage_key")),
    )
    with op.batch_alter_table("maintenance_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_maintenance_documents_order_id"), ["order_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("maintenance_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_maintenance_documents_order_id"))
    op.drop_table("maintenance_documents")
