"""Telemetry past the raw retention, for the charts: the hourly aggregates that data
retention (``ingest/retention.py``, the periodic job ``retention``) keeps in
``telemetry_hourly``. Reads of a window (``service.telemetry_series``) combine them with
the raw samples still there.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.ingest.models import TelemetryHourly


def hourly(
    db: Session, machine_id: int, start: datetime, end: datetime
) -> list[tuple[datetime, str, int, float, float, float]]:
    """The aggregates of a machine in [start, end): (hour, signal, n, min, sum, max)."""
    rows = db.execute(
        select(TelemetryHourly).where(
            TelemetryHourly.machine_id == machine_id,
            TelemetryHourly.hour >= start,
            TelemetryHourly.hour < end,
        )
    ).scalars()
    return [(r.hour, r.signal, r.samples, r.min, r.mean * r.samples, r.max) for r in rows]
