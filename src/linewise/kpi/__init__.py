"""ISO 22400 KPI engine: pure functions over state intervals, counts and shift calendars.

No web or database imports: callers load rows, build these frozen dataclasses and get
frozen results back (see docs/kpi.md). Typical use::

    planned = expand_calendar(calendar, window, maintenance)
    result = evaluate_machine(unit, planned, window)
    explain(result)
"""

from linewise.kpi.aggregate import (
    BucketSize,
    LineEvaluation,
    TrendPoint,
    aggregate,
    buckets,
    evaluate_line,
    trend,
)
from linewise.kpi.calendar import (
    BreakSpec,
    CalendarSpec,
    CurrentPeriod,
    PlannedShift,
    PlannedStop,
    PlannedTime,
    ShiftSpec,
    current_period,
    expand_calendar,
    shift_containing,
    site_date_of,
    site_day,
)
from linewise.kpi.counts import CountRecord, MissingIdealCycleTime, ProductTotals
from linewise.kpi.elements import StopRecord, TimeElements, measure_time_elements
from linewise.kpi.evaluate import Evaluation, WorkUnitData, evaluate_machine, station_ideal_cycle_s
from linewise.kpi.explain import explain, explain_line
from linewise.kpi.formulas import FORMULAS, Convention, Kpis, compute_kpis
from linewise.kpi.intervals import TimeWindow
from linewise.kpi.pareto import (
    UNASSIGNED,
    ParetoMeasure,
    ParetoRow,
    by_fault,
    by_line,
    by_machine,
    by_reason,
    by_shift,
    pareto,
)
from linewise.kpi.states import MachineState, StateInterval

__all__ = [
    "FORMULAS",
    "UNASSIGNED",
    "BreakSpec",
    "BucketSize",
    "CalendarSpec",
    "Convention",
    "CountRecord",
    "CurrentPeriod",
    "Evaluation",
    "Kpis",
    "LineEvaluation",
    "MachineState",
    "MissingIdealCycleTime",
    "ParetoMeasure",
    "ParetoRow",
    "PlannedShift",
    "PlannedStop",
    "PlannedTime",
    "ProductTotals",
    "ShiftSpec",
    "StateInterval",
    "StopRecord",
    "TimeElements",
    "TimeWindow",
    "TrendPoint",
    "WorkUnitData",
    "aggregate",
    "buckets",
    "by_fault",
    "by_line",
    "by_machine",
    "by_reason",
    "by_shift",
    "compute_kpis",
    "current_period",
    "evaluate_line",
    "evaluate_machine",
    "expand_calendar",
    "explain",
    "explain_line",
    "measure_time_elements",
    "pareto",
    "shift_containing",
    "site_date_of",
    "site_day",
    "station_ideal_cycle_s",
    "trend",
]
