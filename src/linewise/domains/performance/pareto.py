"""Downtime Pareto of a scope: by reason, fault, machine, line or shift; duration or count.

Reasons people assigned to stops replace the machine's (missing) reason, so once the
unassigned queue is worked off the Pareto shows real causes instead of "unassigned".
Whole closed days come from the per machine-day stop rollups (grouped in SQL), the
edges from the stops of an exact evaluation of just the edges.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from linewise.core.errors import NotFound
from linewise.domains.performance import rollups
from linewise.domains.performance.loader import calendar_warnings, unpriced_warnings
from linewise.domains.performance.service import Scope, edge_evaluations
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
    """Stop groups of whole closed days summed in SQL, plus the stops of the edges.

    Only what the Pareto needs is computed: no figures, no per-machine rollup sums. The
    edges (or the whole window when no closed day fits in it) are evaluated exactly; the
    warnings are the ones the figures would give (calendar, units without a PRU).
    """
    if not scope.machines:
        raise NotFound(f"{scope.label} has no machines you may see")
    window = resolved.window
    states = frozenset(
        {MachineState.DOWN, MachineState.IDLE} if include_idle else {MachineState.DOWN}
    )
    durations: dict[str, timedelta] = {}
    counts: dict[str, int] = {}
    unpriced: dict[int, int] = {}
    rolled = rollups.rolled_range(scope.calendars.timezone, scope.machines, window, now)
    if rolled is not None:
        master = rollups.master_data(db, scope.machines, scope.calendars)
        rolled = rollups.readable_range(db, scope.machines, scope.calendars, master, rolled)
    if rolled is not None:
        try:
            unpriced = rollups.rolled_unpriced(db, scope.machines, rolled)
            durations, counts = rollups.pareto_groups(
                db, scope.machines, rolled, by, include_minor, states
            )
        except rollups.StaleRollups:  # invalidated while being read: answer exactly
            rolled, durations, counts, unpriced = None, {}, {}, {}
    edges = [window] if rolled is None else rolled.edges(window)
    stops = [
        s
        for _, e in edge_evaluations(db, scope, edges, Convention.ISO_22400, now, unpriced)
        for s in e.stops
    ]
    line_of = {m.code: m.line_code for m in scope.machines}
    keys: dict[str, StopKey] = {
        "reason": by_reason,
        "fault": by_fault,
        "machine": by_machine,
        "line": by_line(line_of),
        "shift": by_shift(scope.calendars.site),
    }
    edge_durations, edge_counts = group_stops(stops, keys[by], include_minor, states)
    for group, lost in edge_durations.items():
        durations[group] = durations.get(group, timedelta(0)) + lost
    for group, n in edge_counts.items():
        counts[group] = counts.get(group, 0) + n
    rows = rank(durations, counts, measure)
    warnings = calendar_warnings(scope.calendars) + unpriced_warnings(scope.machines, unpriced)
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
        "warnings": warnings,
    }
