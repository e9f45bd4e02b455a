"""quarantine digest: a redelivered message no longer doubles its quarantine rows

A branch of its own on ``0002`` (which made the quarantine table); the tree is upgraded to
"heads".

Revision ID: 0023_quarantine_digest
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023_quarantine_digest"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ingest_quarantine", schema=None) as batch_op:
        batch_op.add_column(sa.Column("digest", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_ingest_quarantine_digest"), ["digest"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ingest_quarantine", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ingest_quarantine_digest"))
        batch_op.drop_column("digest")
