"""one calendar per site and per line: partial unique indexes on shift_calendars

A site holds at most one calendar (``line_id`` empty) and a line at most one, so that the
scheduler, the KPIs and the floor read the same one. Databases that already hold more
keep the first by id (the one the KPIs and the floor read until now) and lose the others
with their shift patterns and holidays; the removed calendars are logged by code.

Revision ID: 0007_one_calendar_per_scope
Revises: 0001
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0007_one_calendar_per_scope"
down_revision = "0001"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

# Calendars that are not the first (lowest id) of their site (site-wide ones) or line.
_EXTRA = sa.text(
    """
    SELECT c.id, c.code FROM shift_calendars c
    WHERE (c.line_id IS NULL AND EXISTS (
              SELECT 1 FROM shift_calendars f
              WHERE f.line_id IS NULL AND f.site_id = c.site_id AND f.id < c.id))
       OR (c.line_id IS NOT NULL AND EXISTS (
              SELECT 1 FROM shift_calendars f
              WHERE f.line_id = c.line_id AND f.id < c.id))
    ORDER BY c.id
    """
)


def _drop_extra_calendars() -> None:
    bind = op.get_bind()
    extra = bind.execute(_EXTRA).all()
    if not extra:
        return
    ids = [row[0] for row in extra]
    log.warning(
        "one calendar per site and per line: removing %d extra calendar(s): %s",
        len(ids),
        ", ".join(str(row[1]) for row in extra),
    )
    # Children first: SQLite enforces ON DELETE CASCADE only with foreign keys switched on.
    for table in ("shift_patterns", "holidays"):
        bind.execute(
            sa.text(f"DELETE FROM {table} WHERE calendar_id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            {"ids": ids},
        )
    bind.execute(
        sa.text("DELETE FROM shift_calendars WHERE id IN :ids").bindparams(
            sa.bindparam("ids", expanding=True)
        ),
        {"ids": ids},
    )


def upgrade() -> None:
    _drop_extra_calendars()
    with op.batch_alter_table("shift_calendars", schema=None) as batch_op:
        batch_op.create_index(
            "uq_shift_calendars_site",
            ["site_id"],
            unique=True,
            sqlite_where=sa.text("line_id IS NULL"),
            postgresql_where=sa.text("line_id IS NULL"),
        )
        batch_op.create_index(
            "uq_shift_calendars_line",
            ["line_id"],
            unique=True,
            sqlite_where=sa.text("line_id IS NOT NULL"),
            postgresql_where=sa.text("line_id IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("shift_calendars", schema=None) as batch_op:
        batch_op.drop_index("uq_shift_calendars_line")
        batch_op.drop_index("uq_shift_calendars_site")
