"""quality: an index on a characteristic's readings in time order

A chart reads a characteristic's latest readings by time (``measured_at``, then ``id``);
without this index the database sorted all of the characteristic's readings for each new
reading. A branch of its own on ``0019_quality``; the tree is upgraded to "heads".

Revision ID: 0024_quality_measurement_time
Revises: 0019_quality
"""

from __future__ import annotations

from alembic import op

revision = "0024_quality_measurement_time"
down_revision = "0019_quality"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quality_measurements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_quality_measurements_char_time",
            ["characteristic_id", "measured_at", "id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("quality_measurements", schema=None) as batch_op:
        batch_op.drop_index("ix_quality_measurements_char_time")
