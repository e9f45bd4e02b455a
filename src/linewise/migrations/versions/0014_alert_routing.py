"""alert routing: grouping, silences, shelving, inhibition, escalation, webhooks,
preferences, and the rule kinds whose alerts have no machine (orders, quarantine)

Revision ID: 0014_alert_routing
Revises: 0011_alerts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import linewise.core.db

revision = "0014_alert_routing"
down_revision = "0011_alerts"
branch_labels = None
depends_on = None

UTC = linewise.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("alert_rules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("target", sa.Float(), nullable=True))
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.alter_column("machine_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("area_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column(
            "open_key", existing_type=sa.String(length=40), type_=sa.String(length=60)
        )
        batch_op.add_column(sa.Column("line_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("subject_name", sa.String(length=120), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("shelved_until", UTC, nullable=True))
        batch_op.add_column(sa.Column("shelved_by", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("shelve_comment", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("inhibited_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("group_key", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("notified_at", UTC, nullable=True))
        batch_op.add_column(
            sa.Column("escalation_level", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index(batch_op.f("ix_alerts_inhibited_by"), ["inhibited_by"])
        batch_op.create_index(batch_op.f("ix_alerts_group_key"), ["group_key"])
    op.create_table(
        "alert_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_key", sa.String(length=60), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("next_flush_at", UTC, nullable=True),
        sa.Column("last_sent_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_groups")),
        sa.UniqueConstraint("group_key", name=op.f("uq_alert_groups_group_key")),
    )
    op.create_table(
        "alert_silences",
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("machine_id", sa.Integer(), nullable=True),
        sa.Column("severity", sa.String(length=10), nullable=True),
        sa.Column("comment", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("starts_at", UTC, nullable=False),
        sa.Column("ends_at", UTC, nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_silences")),
    )
    op.create_table(
        "alert_escalation_steps",
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("severity", sa.String(length=10), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("after_minutes", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["alert_rules.id"],
            name=op.f("fk_alert_escalation_steps_rule_id_alert_rules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_escalation_steps")),
    )
    op.create_table(
        "alert_webhooks",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("body_template", sa.Text(), nullable=False),
        sa.Column("min_severity", sa.String(length=10), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_webhooks")),
    )
    op.create_table(
        "alert_preferences",
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("quiet_start", sa.String(length=5), nullable=True),
        sa.Column("quiet_end", sa.String(length=5), nullable=True),
        sa.Column("on_call_area_ids", sa.JSON(), nullable=False),
        sa.Column("sound", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_preferences")),
        sa.UniqueConstraint("username", name=op.f("uq_alert_preferences_username")),
    )


def downgrade() -> None:
    op.drop_table("alert_preferences")
    op.drop_table("alert_webhooks")
    op.drop_table("alert_escalation_steps")
    op.drop_table("alert_silences")
    op.drop_table("alert_groups")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_group_key"))
        batch_op.drop_index(batch_op.f("ix_alerts_inhibited_by"))
        for name in (
            "escalation_level", "notified_at", "group_key", "inhibited_by", "shelve_comment",
            "shelved_by", "shelved_until", "subject_name", "line_id",
        ):  # fmt: skip
            batch_op.drop_column(name)
    with op.batch_alter_table("alert_rules", schema=None) as batch_op:
        batch_op.drop_column("target")
