"""Reads of stored machine data for the ingest routes (the writer is store.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.ingest.models import StateInterval

# An explain view never needs more; a longer window is a mistake, not a request.
MAX_INTERVALS = 10_000


def intervals_overlapping(
    db: Session, machine_id: int, start: datetime, end: datetime
) -> Sequence[StateInterval]:
    """The machine's state intervals overlapping [start, end), oldest first."""
    return db.scalars(
        select(StateInterval)
        .where(
            StateInterval.machine_id == machine_id,
            StateInterval.start < end,
            (StateInterval.end.is_(None)) | (StateInterval.end > start),
        )
        .order_by(StateInterval.start)
        .limit(MAX_INTERVALS)
    ).all()
