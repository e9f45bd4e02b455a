"""Idle minutes per machine by cause, and utilization, from the stored state intervals.

A machine is idle when it is ``idle`` (standby) or ``down`` on planned production time;
the cause comes from the interval's state and reason (``allocation.causes``). Planned
stops (breaks, no shift: ``planned_stop``) are neither idle nor available time.
Utilization is producing time over the time that was not a planned stop.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from linewise.allocation.causes import CAUSES, cause_of
from linewise.domains.performance.repository import MachineRow
from linewise.domains.production.models import OrderOperation, ProductionOrder
from linewise.ingest.models import StateInterval
from linewise.kpi import TimeWindow

PLANNED_STOP = "planned_stop"


def machine_idle(
    db: Session, machines: list[MachineRow], window: TimeWindow, now: datetime
) -> list[dict[str, Any]]:
    """Per machine: idle minutes by cause, producing, setup and available minutes."""
    ids = [m.id for m in machines]
    rows = (
        db.execute(
            select(
                StateInterval.machine_id,
                StateInterval.start,
                StateInterval.end,
                StateInterval.state,
                StateInterval.reason,
            ).where(
                StateInterval.machine_id.in_(ids),
                StateInterval.start < window.end,
                or_(StateInterval.end.is_(None), StateInterval.end > window.start),
            )
        ).all()
        if ids
        else []
    )
    minutes: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for r in rows:
        a = max(r.start, window.start)
        b = min(r.end or now, window.end)
        if b <= a:
            continue
        span = (b - a).total_seconds() / 60.0
        m = minutes[r.machine_id]
        cause = cause_of(r.state, r.reason)
        if cause is not None:
            m[cause] += span
        elif r.state in ("producing", "setup"):
            m[r.state] += span
        if r.state != PLANNED_STOP:
            m["available"] += span
    out = []
    for machine in machines:
        m = minutes.get(machine.id, {})
        by_cause = {c: round(m.get(c, 0.0), 3) for c in CAUSES}
        available = m.get("available", 0.0)
        out.append(
            {
                "machine_id": machine.id,
                "machine_code": machine.code,
                "machine_name": machine.name,
                "line_id": machine.line_id,
                "line_code": machine.line_code,
                "idle_minutes": round(sum(by_cause.values()), 3),
                "by_cause": by_cause,
                "producing_minutes": round(m.get("producing", 0.0), 3),
                "setup_minutes": round(m.get("setup", 0.0), 3),
                "available_minutes": round(available, 3),
                "utilization": round(m.get("producing", 0.0) / available, 4)
                if available > 0
                else None,
            }
        )
    return out


def release_to_start(db: Session, line_ids: list[int], window: TimeWindow) -> list[dict[str, Any]]:
    """Orders released in the window: minutes from release to their first operation's start
    on these lines (None while not started)."""
    rows = db.execute(
        select(
            ProductionOrder.id,
            ProductionOrder.number,
            ProductionOrder.release_date,
            OrderOperation.started_at,
            OrderOperation.line_id,
        )
        .join(OrderOperation, OrderOperation.order_id == ProductionOrder.id)
        .where(
            ProductionOrder.release_date.is_not(None),
            ProductionOrder.release_date >= window.start,
            ProductionOrder.release_date < window.end,
        )
        .order_by(ProductionOrder.release_date, ProductionOrder.number)
    ).all()
    first: dict[int, dict[str, Any]] = {}
    lines = set(line_ids)
    for r in rows:
        entry = first.setdefault(
            r.id, {"order_id": r.id, "number": r.number, "release": r.release_date, "start": None}
        )
        started = r.started_at
        if (
            started is not None
            and (r.line_id in lines or r.line_id is None)
            and (entry["start"] is None or started < entry["start"])
        ):
            entry["start"] = started
    out = []
    for e in first.values():
        start = e["start"]
        out.append(
            {
                "order_id": e["order_id"],
                "number": e["number"],
                "released_at": e["release"].isoformat(),
                "first_start": start.isoformat() if start else None,
                "minutes": round((start - e["release"]).total_seconds() / 60.0, 3)
                if start
                else None,
            }
        )
    return out
