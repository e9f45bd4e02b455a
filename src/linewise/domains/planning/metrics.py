"""Plan figures people compare: tardiness per order, makespan, line utilization, idle
time and changeovers. Computed from the stored rows plus the plan's own problem, so a
baseline and a scenario are each measured against the calendar they were planned in.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from linewise.domains.planning.models import PlannedOperation
from linewise.domains.planning.problem import Problem


@dataclass(frozen=True)
class OrderFigures:
    order_number: str
    due: datetime | None
    end: datetime
    tardiness_s: int
    weight: int


def order_figures(problem: Problem, rows: list[PlannedOperation]) -> dict[str, OrderFigures]:
    ends: dict[str, datetime] = {}
    due: dict[str, datetime | None] = {}
    for r in rows:
        ends[r.order_number] = max(ends.get(r.order_number, r.end), r.end)
        due[r.order_number] = r.due_date
    weights = {j.id: j.weight for j in problem.instance.jobs}
    out = {}
    for number, end in ends.items():
        d = due[number]
        late = 0 if d is None else max(0, int((end - d).total_seconds()))
        out[number] = OrderFigures(number, d, end, late, weights.get(number, 1))
    return out


def _available(problem: Problem, resource: str, horizon: int) -> int:
    calendar = problem.instance.resource(resource).calendar
    if calendar is None:
        return horizon
    return sum(max(0, min(w.end, horizon) - w.start) for w in calendar if w.start < horizon)


def line_figures(problem: Problem, rows: list[PlannedOperation]) -> dict[int, dict[str, Any]]:
    """Per line within the horizon: available, busy, setup and idle seconds, utilization."""
    horizon = problem.seconds(problem.end)
    durations = {
        (j.id, i): {m.resource: m.duration for m in op.modes}
        for j in problem.instance.jobs
        for i, op in enumerate(j.operations)
    }
    resource_of = {line.id: rid for rid, line in problem.lines.items()}
    busy: dict[int, int] = defaultdict(int)
    setup: dict[int, int] = defaultdict(int)
    changeovers: dict[int, int] = defaultdict(int)
    for r in rows:
        start = problem.seconds(r.start)
        if start >= horizon:
            continue
        work = durations[(r.job_key, r.op_index)].get(resource_of[r.line_id], 0)
        span = problem.seconds(r.end) - start
        # Work of an operation running past the horizon end counts pro rata.
        inside = min(problem.seconds(r.end), horizon) - start
        busy[r.line_id] += round(work * inside / span) if span else 0
        setup[r.line_id] += r.setup_s
        changeovers[r.line_id] += 1 if r.setup_s > 0 else 0
    out = {}
    for rid, line in problem.lines.items():
        available = _available(problem, rid, horizon)
        used = min(available, busy[line.id])
        out[line.id] = {
            "line_id": line.id,
            "line_code": line.code,
            "available_s": available,
            "busy_s": used,
            "setup_s": setup[line.id],
            "idle_s": max(0, available - used - setup[line.id]),
            "changeovers": changeovers[line.id],
            "utilization": round(used / available, 4) if available else 0.0,
        }
    return out


def totals(problem: Problem, rows: list[PlannedOperation]) -> dict[str, Any]:
    orders = order_figures(problem, rows).values()
    lines = line_figures(problem, rows).values()
    end = max((r.end for r in rows), default=problem.start)
    return {
        "weighted_tardiness": sum(o.weight * o.tardiness_s for o in orders),
        "tardiness_s": sum(o.tardiness_s for o in orders),
        "late_orders": sum(1 for o in orders if o.tardiness_s > 0),
        "orders": len(orders),
        "makespan_end": end,
        "makespan_s": int((end - problem.start).total_seconds()),
        "changeovers": sum(int(ln["changeovers"]) for ln in lines),
        "idle_s": sum(int(ln["idle_s"]) for ln in lines),
        "utilization": round(
            sum(int(ln["busy_s"]) for ln in lines)
            / max(1, sum(int(ln["available_s"]) for ln in lines)),
            4,
        ),
    }


def planner_figures(problem: Problem, rows: list[PlannedOperation]) -> dict[str, Any]:
    """What a planner asks of a plan: late orders and hours, changeovers, end, bottleneck.

    The bottleneck is the line with the highest utilization within the horizon.
    """
    sums = totals(problem, rows)
    lines = list(line_figures(problem, rows).values())
    busiest = max(lines, key=lambda ln: float(ln["utilization"]), default=None)
    return {
        "late_orders": sums["late_orders"],
        "orders": sums["orders"],
        "tardiness_s": sums["tardiness_s"],
        "changeovers": sum(1 for r in rows if r.setup_s > 0),
        "changeover_s": sum(r.setup_s for r in rows),
        "makespan_end": sums["makespan_end"],
        "bottleneck_line_code": None if busiest is None else busiest["line_code"],
        "bottleneck_utilization": None if busiest is None else busiest["utilization"],
    }
