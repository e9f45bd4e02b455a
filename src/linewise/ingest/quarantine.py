"""Reading the ingest quarantine within the reader's areas.

A quarantined event is kept as it was received, so the machine it concerns is read back
from it: the ``machine`` of its payload, and the machine of its MQTT topic. An area-scoped
reader (a supervisor) sees an event only when every machine it names is in their areas;
one that names no machine (unparseable JSON, an unknown layout) could come from anywhere
and is shown to unscoped roles only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.domains.equipment.models import Line, Machine
from linewise.ingest.models import QuarantinedEvent
from linewise.ingest.mqtt import topic_defaults

_CHUNK = 500


def machines_named(row: QuarantinedEvent) -> set[str]:
    """The machine codes a quarantined event names (none when it names none)."""
    codes: set[str] = set()
    try:
        payload = json.loads(row.payload)
    except (ValueError, RecursionError):
        payload = None
    if isinstance(payload, dict) and isinstance(payload.get("machine"), str):
        codes.add(payload["machine"])
    if row.source.startswith("mqtt:"):
        from_topic = topic_defaults(row.source.removeprefix("mqtt:"))
        if from_topic is not None:
            codes.add(from_topic["machine"])
    return codes


def _newest_first(db: Session) -> Iterator[QuarantinedEvent]:
    before: int | None = None
    while True:
        stmt = select(QuarantinedEvent).order_by(QuarantinedEvent.id.desc()).limit(_CHUNK)
        if before is not None:
            stmt = stmt.where(QuarantinedEvent.id < before)
        rows = db.scalars(stmt).all()
        yield from rows
        if len(rows) < _CHUNK:
            return
        before = rows[-1].id


def quarantine_page(
    db: Session, area_ids: frozenset[int] | None, limit: int, offset: int
) -> list[QuarantinedEvent]:
    """Refused events newest first; ``area_ids`` None: every event."""
    if area_ids is None:
        stmt = select(QuarantinedEvent).order_by(QuarantinedEvent.id.desc())
        return list(db.scalars(stmt.limit(limit).offset(offset)).all())
    mine = set(
        db.scalars(
            select(Machine.code)
            .join(Line, Machine.line_id == Line.id)
            .where(Line.area_id.in_(area_ids))
        ).all()
    )
    page: list[QuarantinedEvent] = []
    skipped = 0
    for row in _newest_first(db):
        named = machines_named(row)
        if not named or not named <= mine:
            continue
        if skipped < offset:
            skipped += 1
            continue
        page.append(row)
        if len(page) == limit:
            break
    return page
