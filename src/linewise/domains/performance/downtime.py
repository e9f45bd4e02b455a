"""The queue of stops without a reason, and assigning one from the machine's reason tree.

A stop is a run of touching ``down`` intervals (as the KPI engine sees it) and is keyed by
(machine, start), which survives interval rebuilds. Its reason is the first one the
machine gave; when it gave none, a person assigns one here and the Pareto shows it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from linewise.core import events
from linewise.core.errors import FieldError, Forbidden, NotFound, ValidationProblem
from linewise.domains.equipment.models import Line, Machine
from linewise.domains.performance import repository as repo
from linewise.domains.performance.events import DowntimeReasonAssigned
from linewise.domains.performance.models import DowntimeAssignment
from linewise.domains.performance.rollups import invalidate_machine
from linewise.domains.quality.models import ReasonCategory, ReasonCode
from linewise.ingest.models import StateInterval

DOWN = "down"
MARGIN = timedelta(days=1)


@dataclass(frozen=True)
class Stop:
    machine_id: int
    start: datetime
    end: datetime | None
    reason: str | None
    fault: str | None


def down_runs(db: Session, machine_ids: list[int], since: datetime) -> list[Stop]:
    """Runs of touching down intervals that reach past ``since``."""
    rows = db.execute(
        select(
            StateInterval.machine_id,
            StateInterval.start,
            StateInterval.end,
            StateInterval.reason,
            StateInterval.fault,
        )
        .where(
            StateInterval.machine_id.in_(machine_ids),
            StateInterval.state == DOWN,
            StateInterval.start >= since - MARGIN,
        )
        .order_by(StateInterval.machine_id, StateInterval.start)
    ).all()
    runs: list[Stop] = []
    for r in rows:
        last = runs[-1] if runs else None
        if last and last.machine_id == r.machine_id and last.end == r.start:
            runs[-1] = Stop(
                last.machine_id, last.start, r.end, last.reason or r.reason, last.fault or r.fault
            )
        else:
            runs.append(Stop(r.machine_id, r.start, r.end, r.reason, r.fault))
    return [s for s in runs if s.end is None or s.end > since]


def unassigned(
    db: Session,
    area_ids: frozenset[int] | None,
    since: datetime,
    now: datetime,
    limit: int,
    offset: int,
) -> dict[str, Any]:
    """Stops since ``since`` without a machine reason or an assigned one, newest first."""
    machines = {m.id: m for m in repo.machines(db, area_ids=area_ids)}
    if not machines:
        return {"items": [], "total": 0, "limit": limit, "offset": offset}
    runs = [s for s in down_runs(db, list(machines), since) if s.reason is None]
    assigned = repo.assignments(db, list(machines), since - MARGIN, now + MARGIN)
    waiting = [s for s in runs if (s.machine_id, s.start) not in assigned]
    waiting.sort(key=lambda s: (s.start, s.machine_id), reverse=True)
    items = []
    for s in waiting[offset : offset + limit]:
        m = machines[s.machine_id]
        duration = ((s.end or now) - s.start).total_seconds()
        items.append(
            {
                "machine_id": m.id,
                "machine_code": m.code,
                "machine_name": m.name,
                "machine_kind": m.kind,
                "line_id": m.line_id,
                "line_code": m.line_code,
                "area_id": m.area_id,
                "start": s.start.isoformat(),
                "end": s.end.isoformat() if s.end else None,
                "ongoing": s.end is None,
                "duration_s": duration,
                "minor": duration < m.minor_stop_threshold_s,
                "fault": s.fault,
            }
        )
    return {"items": items, "total": len(waiting), "limit": limit, "offset": offset}


def reasons_for_kind(db: Session, kind: str) -> list[ReasonCode]:
    """The downtime reasons of a machine class plus the general ones."""
    return list(
        db.scalars(
            select(ReasonCode)
            .where(
                ReasonCode.category == ReasonCategory.DOWNTIME,
                or_(ReasonCode.machine_class.is_(None), ReasonCode.machine_class == kind),
            )
            .order_by(ReasonCode.machine_class.is_(None), ReasonCode.code)
        ).all()
    )


def machine_in_areas(db: Session, machine_id: int, area_ids: frozenset[int] | None) -> Machine:
    machine = db.get(Machine, machine_id)
    if machine is None:
        raise NotFound(f"machine {machine_id} not found")
    if area_ids is not None:
        area = db.scalar(select(Line.area_id).where(Line.id == machine.line_id))
        if area not in area_ids:
            raise Forbidden("this machine is outside your areas")
    return machine


def assign(
    db: Session,
    *,
    machine_id: int,
    start: datetime,
    reason_code_id: int,
    note: str,
    actor: str,
    area_ids: frozenset[int] | None,
) -> DowntimeAssignment:
    """Record (or change) the reason of the stop of ``machine_id`` that starts at ``start``."""
    machine = machine_in_areas(db, machine_id, area_ids)
    reason = db.get(ReasonCode, reason_code_id)
    if reason is None or reason.category != ReasonCategory.DOWNTIME:
        raise ValidationProblem(
            "not a downtime reason",
            errors=[FieldError("reason_code_id", "no downtime reason with this id")],
        )
    if reason.machine_class not in (None, machine.kind):
        raise ValidationProblem(
            f"reason {reason.code!r} belongs to {reason.machine_class} machines, "
            f"not to {machine.kind}",
            errors=[
                FieldError(
                    "reason_code_id",
                    f"not in the reason tree of machine class {machine.kind!r}",
                )
            ],
        )
    runs = down_runs(db, [machine.id], start - timedelta(microseconds=1))
    stop = next((s for s in runs if s.start == start), None)
    if stop is None:
        raise ValidationProblem(
            "no stop of this machine starts at that instant",
            errors=[FieldError("start", f"no down stop of {machine.code} starts at {start}")],
        )
    row = db.scalar(
        select(DowntimeAssignment).where(
            DowntimeAssignment.machine_id == machine.id, DowntimeAssignment.stop_start == start
        )
    )
    if row is None:
        row = DowntimeAssignment(machine_id=machine.id, stop_start=start)
        db.add(row)
    row.reason_code_id = reason.id
    row.reason = reason.code
    row.note = note
    row.assigned_by = actor
    db.flush()
    # The days the stop covers hold its reason in their Pareto rollups.
    invalidate_machine(db, machine.id, start, stop.end)
    events.record(db, DowntimeReasonAssigned(machine.id, start, reason.id, reason.code, actor))
    return row


def assignment_out(row: DowntimeAssignment) -> dict[str, Any]:
    return {
        "id": row.id,
        "machine_id": row.machine_id,
        "start": row.stop_start.isoformat(),
        "reason_code_id": row.reason_code_id,
        "reason": row.reason,
        "note": row.note,
        "assigned_by": row.assigned_by,
        "version": row.version,
    }


def reason_tree(reasons: list[ReasonCode]) -> list[dict[str, Any]]:
    children: dict[int | None, list[ReasonCode]] = defaultdict(list)
    ids = {r.id for r in reasons}
    for r in reasons:
        children[r.parent_id if r.parent_id in ids else None].append(r)

    def node(r: ReasonCode) -> dict[str, Any]:
        return {
            "id": r.id,
            "code": r.code,
            "name": r.name,
            "machine_class": r.machine_class,
            "children": [node(c) for c in children[r.id]],
        }

    return [node(r) for r in children[None]]
