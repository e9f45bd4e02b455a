"""Per machine-day rollups of time elements, counts and stops (see models.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from linewise.domains.performance.models import MachineDayRollup, StopDayRollup


def invalidate_machine(db: Session, machine_id: int, since: datetime) -> None:
    """Drop a machine's rollups from the (UTC) day before ``since`` on: they are recomputed."""
    first = (since - timedelta(days=1)).date()
    for model in (MachineDayRollup, StopDayRollup):
        db.execute(delete(model).where(model.machine_id == machine_id, model.day >= first))
