"""Downtime Pareto of a scope: by reason, fault, machine, line or shift; duration or count.

Reasons people assigned to stops replace the machine's (missing) reason, so once the
unassigned queue is worked off the Pareto shows real causes instead of "unassigned".
Whole closed days come from the per machine-day stop rollups, edges from the stops.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from linewise.domains.performance import rollups
from linewise.domains.performance.service import Scope, compute
from linewise.domains.performance.windows import ResolvedWindow
from linewise.kpi import (
    Convention,
    MachineState,
    ParetoMeasure,
    by_fault,
    by_line,
    by_machine,
    by_reason,
    by_shift,
)
from linewise.kpi.pareto import StopKey, group_stops, rank

GROUPINGS = ("reason", "fault", "machine", "line", "shift")


def pareto_of(
    db: Session,
    scope: Scope,
    resolved: ResolvedWindow,
    by: str,
    measure: ParetoMeasure,
    include_minor: bool,
    include_idle: bool,
    now: datetime,
) -> dict[str, Any]:
    computed = compute(db, scope, resolved.window, Convention.ISO_22400, now)
    line_of = {m.code: m.line_code for m, _ in computed.machines}
    keys: dict[str, StopKey] = {
        "reason": by_reason,
        "fault": by_fault,
        "machine": by_machine,
        "line": by_line(line_of),
        "shift": by_shift(scope.calendars.site),
    }
    states = frozenset(
        {MachineState.DOWN, MachineState.IDLE} if include_idle else {MachineState.DOWN}
    )
    durations, counts = group_stops(computed.total.stops, keys[by], include_minor, states)
    if computed.rolled is not None:
        # Whole closed days: the groups were summed per machine-day when they were rolled
        # up; the stops above are only those of the exactly computed edges.
        days = rollups.pareto_groups(db, scope.machines, computed.rolled, by, include_minor, states)
        for group, lost in days[0].items():
            durations[group] = durations.get(group, timedelta(0)) + lost
        for group, n in days[1].items():
            counts[group] = counts.get(group, 0) + n
    rows = rank(durations, counts, measure)
    return {
        "scope": scope.as_dict(),
        "window": resolved.as_dict(scope.calendars.timezone),
        "by": by,
        "measure": measure.value,
        "include_minor": include_minor,
        "include_idle": include_idle,
        "total_duration_s": sum(r.duration_s for r in rows),
        "total_count": sum(r.count for r in rows),
        "rows": [asdict(r) for r in rows],
        "warnings": computed.warnings,
    }
