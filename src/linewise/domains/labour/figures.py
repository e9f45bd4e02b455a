"""Labour figures of a shift, read from the tables and computed by ``measure``."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from linewise.domains.labour import repository as repo
from linewise.domains.labour.measure import (
    Action,
    IdleCause,
    StateSpan,
    operator_labour,
    work_segments,
)
from linewise.domains.labour.service import board_assignments, station_name
from linewise.domains.labour.shifts import ShiftRef
from linewise.kpi.intervals import TimeWindow

# A start may come well before the shift it runs into (a long job); look back this far.
LOOKBACK = timedelta(days=1)


def actions(rows: list[Any]) -> list[Action]:
    return [Action(a.created_at, a.kind, a.operation_id, op_id) for a, op_id in rows]


def shift_labour(
    db: Session, site_id: int, shift: ShiftRef, now: datetime, area_ids: frozenset[int] | None
) -> dict[str, Any]:
    """Per operator of the shift: attendance, work, worker efficiency, idle by cause."""
    window = shift.window
    until = min(window.end, now)
    _, board = board_assignments(db, site_id, shift.key)
    on_board = {a["operator_id"]: a for a in board}
    entries = repo.clock_entries(db, window.start, window.end)
    attendance: dict[int, list[TimeWindow]] = defaultdict(list)
    for e in entries:
        end = e.clock_out or now
        if end > e.clock_in:
            attendance[e.operator_id].append(TimeWindow(e.clock_in, end))
    segments = work_segments(
        actions(repo.operator_actions(db, window.start - LOOKBACK, window.end)), until
    )
    operators = {o.id: o for o in repo.active_operators(db)}
    ids = [i for i in sorted(set(attendance) | set(on_board)) if i in operators]
    if area_ids is not None:
        ids = [i for i in ids if set(operators[i].area_ids) & area_ids]
    line_ids = {a["line_id"] for a in on_board.values()}
    machines = repo.machines_of(db, line_ids)
    states = (
        repo.states_between(db, [m.id for m in machines], window.start, until) if machines else []
    )
    spans_of: dict[int, list[StateSpan]] = defaultdict(list)
    for s in states:
        end = s.end or until
        if end > s.start:
            spans_of[s.machine_id].append(StateSpan(TimeWindow(s.start, end), s.state, s.reason))
    material_of: dict[int, list[TimeWindow]] = defaultdict(list)
    for c in repo.material_calls(db, line_ids, window.start, until):
        end = c.acknowledged_at or until
        if end > c.raised_at:
            material_of[c.line_id].append(TimeWindow(c.raised_at, end))
    machines_on = defaultdict(list)
    for m in machines:
        machines_on[m.line_id].append(m.id)
    rows = []
    for op_id in ids:
        a = on_board.get(op_id)
        if a is None:
            station_states: list[StateSpan] = []
            material: list[TimeWindow] = []
        else:
            mids = [a["machine_id"]] if a.get("machine_id") else machines_on[a["line_id"]]
            station_states = [s for mid in mids for s in spans_of[mid]]
            material = material_of[a["line_id"]]
        result = operator_labour(
            op_id,
            TimeWindow(window.start, max(until, window.start)),
            attendance.get(op_id, []),
            segments.get(op_id, []),
            a is not None,
            station_states,
            material,
        )
        op = operators[op_id]
        open_in = [e for e in entries if e.operator_id == op_id and e.clock_out is None]
        rows.append(
            {
                "operator_id": op_id,
                "code": op.code,
                "name": op.name,
                "station": station_name(db, a) if a else None,
                "clocked_in_since": open_in[0].clock_in if open_in else None,
                "attendance_s": round(result.attendance_s, 1),
                "work_s": round(result.work_s, 1),
                "efficiency": None if result.efficiency is None else round(result.efficiency, 4),
                "idle": {c.value: round(result.idle_s.get(c, 0.0), 1) for c in IdleCause},
                "operations": [
                    {"operation_id": k, "seconds": round(v, 1)}
                    for k, v in sorted(result.operations_s.items())
                ],
            }
        )
    return {"shift": shift_out(shift), "rows": rows}


def operation_labour(db: Session, operation_id: int, now: datetime) -> dict[str, Any]:
    """Labour time on one operation per operator (while clocked in)."""
    segs = work_segments(actions(repo.operator_actions(db, now, now, operation_id)), now)
    entries = repo.entries_of(db, list(segs))
    out = []
    operators = {o.id: o for o in repo.active_operators(db)}
    for op_id, pieces in sorted(segs.items()):
        att = [
            TimeWindow(e.clock_in, e.clock_out or now)
            for e in entries
            if e.operator_id == op_id and (e.clock_out or now) > e.clock_in
        ]
        if not pieces:
            continue
        hull = TimeWindow(min(w.start for _, w in pieces), max(w.end for _, w in pieces))
        result = operator_labour(op_id, hull, att, pieces, True, [], [])
        op = operators.get(op_id)
        out.append(
            {
                "operator_id": op_id,
                "name": op.name if op else str(op_id),
                "seconds": round(result.operations_s.get(operation_id, 0.0), 1),
            }
        )
    return {"operation_id": operation_id, "people": out}


def shift_out(shift: ShiftRef) -> dict[str, Any]:
    return {
        "key": shift.key,
        "code": shift.code,
        "day": shift.day,
        "start": shift.window.start,
        "end": shift.window.end,
        "timezone": shift.timezone,
    }
