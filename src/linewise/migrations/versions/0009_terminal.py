"""operator terminal: badge and PIN on operators, idempotent terminal actions, andon calls

Only depends on tables of 0001, so this branch starts there; the tree is upgraded to
"heads".

Revision ID: 0008_terminal
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import linewise.core.db

revision = "0008_terminal"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "andon_calls",
        sa.Column("key", sa.String(length=80), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("machine_id", sa.Integer(), nullable=True),
        sa.Column("operation_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("raised_by", sa.String(length=120), nullable=False),
        sa.Column("raised_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_by", sa.String(length=120), nullable=True),
        sa.Column("acknowledged_at", linewise.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["line_id"], ["lines.id"], name=op.f("fk_andon_calls_line_id_lines"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["machine_id"],
            ["machines.id"],
            name=op.f("fk_andon_calls_machine_id_machines"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["order_operations.id"],
            name=op.f("fk_andon_calls_operation_id_order_operations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_andon_calls")),
        sa.UniqueConstraint("key", name=op.f("uq_andon_calls_key")),
    )
    with op.batch_alter_table("andon_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_andon_calls_line_id"), ["line_id"], unique=False)

    op.create_table(
        "terminal_actions",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("good", sa.Integer(), nullable=False),
        sa.Column("scrap", sa.Integer(), nullable=False),
        sa.Column("rework", sa.Integer(), nullable=False),
        sa.Column("reason_code_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("created_at", linewise.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["order_operations.id"],
            name=op.f("fk_terminal_actions_operation_id_order_operations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reason_code_id"],
            ["reason_codes.id"],
            name=op.f("fk_terminal_actions_reason_code_id_reason_codes"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_terminal_actions")),
        sa.UniqueConstraint("key", name=op.f("uq_terminal_actions_key")),
    )
    with op.batch_alter_table("terminal_actions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_terminal_actions_operation_id"), ["operation_id"], unique=False
        )

    with op.batch_alter_table("operators", schema=None) as batch_op:
        batch_op.add_column(sa.Column("badge", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("pin_hash", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_operators_badge"), ["badge"])
        batch_op.create_foreign_key(
            batch_op.f("fk_operators_user_id_users"),
            "users",
            ["user_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("operators", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_operators_user_id_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_operators_badge"), type_="unique")
        batch_op.drop_column("user_id")
        batch_op.drop_column("pin_hash")
        batch_op.drop_column("badge")

    with op.batch_alter_table("terminal_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_terminal_actions_operation_id"))

    op.drop_table("terminal_actions")
    with op.batch_alter_table("andon_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_andon_calls_line_id"))

    op.drop_table("andon_calls")
