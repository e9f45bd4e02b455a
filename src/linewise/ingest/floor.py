"""What the shop floor looks like now: each machine's state, since when, counts this
shift and the order its line is working on. Read by the live hub and the floor API.

"This shift" is per line, from the one calendar provider (the line's own calendar, else
its site's, in the site's time zone), so a plant with two sites counts each on its own."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from linewise.core.time import utcnow
from linewise.domains.equipment.models import Area, Line, Machine
from linewise.domains.people.working_time import WorkingTime
from linewise.domains.planning.models import PlannedOperation
from linewise.domains.planning.repository import published_plan_id
from linewise.domains.production.models import (
    OperationStatus,
    OrderOperation,
    ProductionOrder,
)
from linewise.ingest.models import CountEvent, StateEvent, StateInterval, TelemetrySample
from linewise.kpi.calendar import CalendarSpec, CurrentPeriod, current_period
from linewise.kpi.intervals import TimeWindow

# A machine that has sent nothing for this long is shown as silent (a gateway or network
# outage), whatever its last state was: its last state is then a guess, not a fact.
SILENT_AFTER_S = 600


def last_seen(db: Session, machine_ids: list[int]) -> dict[int, datetime]:
    """The newest event of any kind per machine (index-only lookups per table)."""
    seen: dict[int, datetime] = {}
    for model in (StateEvent, CountEvent, TelemetrySample):
        rows = db.execute(
            select(model.machine_id, func.max(model.ts))
            .where(model.machine_id.in_(machine_ids))
            .group_by(model.machine_id)
        ).all()
        for machine_id, ts in rows:
            if ts is not None:
                # func.max bypasses the column type on SQLite: normalise to aware UTC.
                value = ts if isinstance(ts, datetime) else datetime.fromisoformat(str(ts))
                value = value if value.tzinfo else value.replace(tzinfo=UTC)
                if machine_id not in seen or value > seen[machine_id]:
                    seen[machine_id] = value
    return seen


def _shift_out(period: CurrentPeriod) -> dict[str, Any]:
    return {
        "code": period.code,
        "start": period.window.start.isoformat(),
        "end": period.window.end.isoformat(),
    }


def line_shifts(db: Session, line_ids: Collection[int], now: datetime) -> dict[int, CurrentPeriod]:
    """Each line's "this shift" from its own calendar, else its site's, in the site's zone."""
    if not line_ids:
        return {}
    return WorkingTime.for_lines(db, line_ids).current(line_ids, now)


def site_shift(db: Session, now: datetime) -> CurrentPeriod:
    """The first site's shift (or day): the headline of a floor that shows no line."""
    calendars = WorkingTime.load(db)
    if not calendars.timezones:
        return CurrentPeriod(None, TimeWindow(now - timedelta(hours=8), now))
    site_id = min(calendars.timezones)
    spec = calendars.site_spec(site_id) or CalendarSpec(calendars.timezone(site_id), ())
    return current_period(spec, now)


def _counts_since(
    db: Session, machine_ids: list[int], since: dict[int, datetime]
) -> dict[int, tuple[int, int]]:
    """Good and reject per machine since its own shift start (one query per distinct start)."""
    by_start: dict[datetime, list[int]] = defaultdict(list)
    for machine_id in machine_ids:
        by_start[since[machine_id]].append(machine_id)
    out: dict[int, tuple[int, int]] = {}
    for start, ids in by_start.items():
        rows = db.execute(
            select(
                CountEvent.machine_id,
                func.sum(CountEvent.good).label("good"),
                func.sum(CountEvent.reject).label("reject"),
            )
            .where(CountEvent.machine_id.in_(ids), CountEvent.ts >= start)
            .group_by(CountEvent.machine_id)
        )
        out.update({r.machine_id: (int(r.good or 0), int(r.reject or 0)) for r in rows})
    return out


def machine_rows(
    db: Session,
    *,
    machine_ids: Collection[int] | None = None,
    area_ids: Collection[int] | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """One dict per machine (optionally only some, or only some areas' machines)."""
    now = now or utcnow()
    stmt = (
        select(Machine, Line.code, Line.area_id)
        .join(Line, Machine.line_id == Line.id)
        .order_by(Line.code, Machine.position, Machine.id)
    )
    if machine_ids is not None:
        stmt = stmt.where(Machine.id.in_(list(machine_ids)))
    if area_ids is not None:
        stmt = stmt.where(Line.area_id.in_(list(area_ids)))
    rows = db.execute(stmt).all()
    if not rows:
        return []
    ids = [r[0].id for r in rows]
    open_intervals = {
        iv.machine_id: iv
        for iv in db.scalars(
            select(StateInterval).where(
                StateInterval.machine_id.in_(ids), StateInterval.end.is_(None)
            )
        )
    }
    line_ids = {r[0].line_id for r in rows}
    # Each machine counts "this shift" of its own line's (or site's) calendar.
    shifts = line_shifts(db, line_ids, now)
    counts = _counts_since(db, ids, {r[0].id: shifts[r[0].line_id].window.start for r in rows})
    running = running_orders(db, line_ids)
    seen = last_seen(db, ids)
    out = []
    for machine, line_code, area_id in rows:
        iv = open_intervals.get(machine.id)
        good, reject = counts.get(machine.id, (0, 0))
        out.append(
            {
                "id": machine.id,
                "code": machine.code,
                "name": machine.name,
                "kind": machine.kind,
                "position": machine.position,
                "line_id": machine.line_id,
                "line_code": line_code,
                "area_id": area_id,
                "state": iv.state if iv else "offline",
                "reason": iv.reason if iv else None,
                "fault": iv.fault if iv else None,
                "since": iv.start.isoformat() if iv else None,
                "good": good,
                "reject": reject,
                "shift": _shift_out(shifts[machine.line_id]),
                "last_seen": seen[machine.id].isoformat() if machine.id in seen else None,
                "silent": machine.id in seen
                and (now - seen[machine.id]).total_seconds() > SILENT_AFTER_S,
                "order": running.get(machine.line_id),
            }
        )
    return out


def running_orders(db: Session, line_ids: Collection[int]) -> dict[int, dict[str, Any]]:
    """The operation in progress on each line (the earliest started, if several)."""
    rows = db.execute(
        select(OrderOperation, ProductionOrder.number, ProductionOrder.due_date)
        .join(ProductionOrder)
        .where(
            OrderOperation.line_id.in_(list(line_ids)),
            OrderOperation.status == OperationStatus.IN_PROGRESS,
        )
        .order_by(OrderOperation.started_at)
    ).all()
    ops: dict[int, tuple[OrderOperation, str, datetime]] = {}
    for op, number, due in rows:
        if op.line_id is not None and op.line_id not in ops:
            ops[op.line_id] = (op, number, due)
    # Machines may report counts against an order nobody started in the system: the
    # line is then working on the order of its latest count.
    for line_id in set(line_ids) - set(ops):
        latest = db.execute(
            select(OrderOperation, ProductionOrder.number, ProductionOrder.due_date)
            .join(ProductionOrder)
            .join(CountEvent, CountEvent.operation_id == OrderOperation.id)
            .join(Machine, CountEvent.machine_id == Machine.id)
            .where(Machine.line_id == line_id)
            .order_by(CountEvent.ts.desc())
            .limit(1)
        ).first()
        if latest is not None and latest[0].status not in (
            OperationStatus.COMPLETED,
            OperationStatus.CANCELLED,
        ):
            ops[line_id] = (latest[0], latest[1], latest[2])
    setup = _setup_for(db, set(line_ids) - set(ops))
    out: dict[int, dict[str, Any]] = {}
    for line_id, (op, number, due) in (ops | setup).items():
        out[line_id] = {
            "order_id": op.order_id,
            "number": number,
            "operation_id": op.id,
            "seq": op.seq,
            "name": op.name,
            "quantity": op.quantity,
            "good": op.good_qty,
            "scrap": op.scrap_qty,
            "progress": round(min(1.0, op.good_qty / op.quantity), 4) if op.quantity else 0.0,
            "due_date": due.isoformat(),
            "setup": line_id in setup,
        }
    return out


def _setup_for(
    db: Session, line_ids: Collection[int]
) -> dict[int, tuple[OrderOperation, str, datetime]]:
    """The operation each line in changeover is being set up for.

    A machine's setup state names no order (the protocol's state events carry none), so
    the order comes from the published plan: the line's earliest planned operation that
    has not started yet. A line in setup without a published plan, or with nothing
    planned on it, shows no order rather than a guess.
    """
    in_setup = set(
        db.scalars(
            select(Machine.line_id)
            .join(StateInterval, StateInterval.machine_id == Machine.id)
            .where(
                Machine.line_id.in_(list(line_ids)),
                StateInterval.end.is_(None),
                StateInterval.state == "setup",
            )
        )
    )
    if not in_setup:
        return {}
    rows = db.execute(
        select(
            PlannedOperation.line_id,
            OrderOperation,
            ProductionOrder.number,
            ProductionOrder.due_date,
        )
        .join(OrderOperation, OrderOperation.id == PlannedOperation.operation_id)
        .join(ProductionOrder, ProductionOrder.id == OrderOperation.order_id)
        .where(
            PlannedOperation.plan_id == published_plan_id(),
            PlannedOperation.line_id.in_(list(in_setup)),
            OrderOperation.status == OperationStatus.PENDING,
        )
        .order_by(PlannedOperation.start)
    ).all()
    out: dict[int, tuple[OrderOperation, str, datetime]] = {}
    for line_id, op, number, due in rows:
        if line_id not in out:
            out[line_id] = (op, number, due)
    return out


def floor_snapshot(
    db: Session, *, area_ids: Collection[int] | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Lines with their machines, for the floor view and a live client's first message."""
    now = now or utcnow()
    machines = machine_rows(db, area_ids=area_ids, now=now)
    stmt = select(Line, Area.code, Area.name).join(Area).order_by(Line.code)
    if area_ids is not None:
        stmt = stmt.where(Line.area_id.in_(list(area_ids)))
    rows = db.execute(stmt).all()
    shifts = line_shifts(db, [line.id for line, _, _ in rows], now)
    lines = []
    for line, area_code, area_name in rows:
        lines.append(
            {
                "id": line.id,
                "code": line.code,
                "name": line.name,
                "type": line.type,
                "area_id": line.area_id,
                "area_code": area_code,
                # The floor names areas as people know them, never by number.
                "area_name": area_name,
                "shift": _shift_out(shifts[line.id]),
                "machines": [m for m in machines if m["line_id"] == line.id],
            }
        )
    # The headline: the first line's shift (lines of several sites each carry their own).
    headline = shifts[rows[0][0].id] if rows else site_shift(db, now)
    return {
        "type": "snapshot",
        "at": now.isoformat(),
        "silent_after_s": SILENT_AFTER_S,
        "shift": _shift_out(headline),
        "lines": lines,
    }
