"""Ingest's side of the KPI day rollups: mark machines stale where new events landed.

Registered with the recorder as an ingest projection when the application is assembled,
after the state intervals (it reads how far back their rebuild reached). Kept apart
from ``rollups.py`` so that it pulls in no KPI code.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Connection, Table, case
from sqlalchemy.dialects import postgresql, sqlite

from linewise.domains.performance.models import RollupMark
from linewise.ingest.projections import StoredBatch


def mark_rollups_stale(conn: Connection, touched: dict[int, datetime]) -> None:
    """Lower each machine's ``stale_since`` mark to the earliest instant touched.

    Called in the transaction that stores the events, so a query never sees the events
    without the mark. One upsert per batch; machines in id order, so concurrent writers
    lock the mark rows in the same order (no deadlocks on PostgreSQL).
    """
    if not touched:
        return
    marks = cast(Table, RollupMark.__table__)
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(marks)
    current = marks.c.stale_since
    new = stmt.excluded.stale_since
    stmt = stmt.on_conflict_do_update(
        index_elements=["machine_id"],
        set_={"stale_since": case((current.is_(None), new), (new < current, new), else_=current)},
    )
    conn.execute(
        stmt,
        [
            {"machine_id": m, "fingerprint": "", "stale_since": t}
            for m, t in sorted(touched.items())
        ],
    )


class RollupMarks:
    """Marks each machine's rollups stale from the earliest instant the batch changed:
    where its intervals were rebuilt from, or its earliest new count."""

    name = "kpi-rollup-marks"

    def apply(self, conn: Connection, batch: StoredBatch) -> None:
        touched = dict(batch.changed_from)
        for count in batch.counts:
            known = touched.get(count.machine_id)
            touched[count.machine_id] = count.ts if known is None else min(known, count.ts)
        mark_rollups_stale(conn, touched)
