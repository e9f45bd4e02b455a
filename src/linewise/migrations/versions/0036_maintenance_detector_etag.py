"""maintenance: a version tag on the live detector's stored state

``maintenance_detector_state.etag``: a random tag written with every new state. A process
that still holds the detector it wrote under that tag goes on from it instead of
rebuilding it from the stored state; any other tag (another process wrote, a batch was
rolled back, a trained baseline replaced it: NULL) makes it reload. A branch on
``0033_maintenance_plan_parts``.

Revision ID: 0036_maintenance_detector_etag
Revises: 0033_maintenance_plan_parts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0036_maintenance_detector_etag"
down_revision = "0033_maintenance_plan_parts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("maintenance_detector_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("etag", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("maintenance_detector_state", schema=None) as batch_op:
        batch_op.drop_column("etag")
