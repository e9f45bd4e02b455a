"""One line's report of one shift: OEE, output against plan, top losses, reasonless stops.

A shift is short, so the report is computed exactly from intervals and counts (no
rollups) and lists individual stops. Its figures are the ones the KPI page shows for the
same window: the line's output-based OEE ("OEE (line output)") with the stations'
combined figure beside it, and the downtime Pareto's loss groups.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from linewise.core.errors import FieldError, ValidationProblem
from linewise.domains.performance import repository as repo
from linewise.domains.performance.service import Scope, compute, data_quality, line_block
from linewise.domains.performance.windows import ResolvedWindow
from linewise.kpi import Convention, MachineState, TimeWindow

TOP_LOSSES = 5
UNASSIGNED = "unassigned"


def planned_output(db: Session, line_id: int, window: TimeWindow) -> dict[str, float]:
    """Units the published plan put into ``window``, per product.

    An operation that runs across the window's edge counts with the share of its planned
    time inside the window (the plan spreads its quantity evenly over its run).
    """
    out: dict[str, float] = defaultdict(float)
    for run in repo.planned_runs(db, line_id, window.start, window.end):
        length = (run.end - run.start).total_seconds()
        inside = (min(run.end, window.end) - max(run.start, window.start)).total_seconds()
        if length > 0 and inside > 0:
            out[run.product] += run.quantity * inside / length
    return dict(out)


def shift_report(
    db: Session,
    scope: Scope,
    resolved: ResolvedWindow,
    convention: Convention,
    now: datetime,
) -> dict[str, Any]:
    if scope.row.kind != "line":
        raise ValidationProblem(
            "a shift report is per line", errors=[FieldError("scope", "must be a line")]
        )
    if resolved.kind != "shift":
        raise ValidationProblem(
            "a shift report needs a shift",
            errors=[FieldError("shift", "give shift=current, shift=previous or day + shift")],
        )
    window = resolved.window
    computed = compute(db, scope, window, convention, now, use_rollups=False)
    line_id, line = computed.lines[0]
    block = line_block(line_id, line)

    planned = planned_output(db, line_id, window) if window.duration.total_seconds() else {}
    products = sorted(set(block["good_out"]) | set(planned))
    output = [
        {
            "product": p,
            "good": int(block["good_out"].get(p, 0)),
            "planned": round(planned[p], 1) if p in planned else None,
        }
        for p in products
    ]

    down = [s for s in computed.total.stops if s.state is MachineState.DOWN]
    lost: dict[str | None, float] = defaultdict(float)
    count: dict[str | None, int] = defaultdict(int)
    for s in down:
        lost[s.reason] += s.lost.total_seconds()
        count[s.reason] += 1 if s.counted else 0
    names = repo.reason_names(db, (r for r in lost if r is not None))
    losses = sorted(lost, key=lambda r: (-lost[r], r or ""))
    top = [
        {
            "reason": r,
            "name": UNASSIGNED if r is None else names.get(r, r),
            "lost_s": lost[r],
            "count": count[r],
        }
        for r in losses[:TOP_LOSSES]
        if lost[r] > 0 or count[r] > 0
    ]
    reasonless = [
        {
            "machine": s.work_unit,
            "start": s.start.isoformat(),
            "end": s.end.isoformat(),
            "duration_s": s.duration.total_seconds(),
            "lost_s": s.lost.total_seconds(),
            "fault": s.fault,
            "minor": s.minor,
        }
        for s in sorted(down, key=lambda s: (s.start, s.work_unit))
        if s.reason is None and s.counted
    ]
    return {
        "scope": scope.as_dict(),
        "window": resolved.as_dict(scope.calendars.timezone),
        "convention": convention.value,
        "line": block,
        "kpis": computed.total.kpis.as_dict(),
        "data_quality": data_quality(computed.total),
        "output": output,
        "planned_total": round(sum(planned.values()), 1) if planned else None,
        "good_total": sum(int(n) for n in block["good_out"].values()),
        "scrap_total": computed.total.counts.scrap,
        "plan_note": (
            "planned = the published plan's quantity of each operation, spread evenly over "
            "its planned run, the part inside this shift"
            if planned
            else "no operation of the published plan was planned on this line in this shift"
        ),
        "top_losses": top,
        "lost_total_s": sum(lost.values()),
        "reasonless_stops": reasonless,
        "warnings": computed.warnings,
    }
