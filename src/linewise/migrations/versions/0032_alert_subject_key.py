"""alerts: the subject an alert was about, kept after it resolves

``alerts.subject_key``: ``open_key`` is cleared when an alert resolves (so the rule may
fire again); a rule that alerts once per episode (``maintenance_warning``) needs to
know which subjects already had theirs. A branch on ``0014_alert_routing``.

Revision ID: 0032_alert_subject_key
Revises: 0014_alert_routing
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0032_alert_subject_key"
down_revision = "0014_alert_routing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject_key", sa.String(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_column("subject_key")
