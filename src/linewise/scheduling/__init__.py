"""Pure scheduling engine: frozen dataclasses in, a Plan out.

The only package that imports OR-Tools. Entry points:

- ``dispatch(instance, rule)`` / ``best_dispatch(instance, config)``: fast list scheduling.
- ``solve(instance, config, params, warm_start)``: CP-SAT, warm-started by the heuristic.
- ``solve_decomposed(instance, config, params, batch_size)``: rolling horizon for large plans.
- ``validate(instance, plan)``: independent feasibility check, a list of violations.
"""

from linewise.scheduling.cpsat import SolverParams, solve
from linewise.scheduling.decompose import solve_decomposed
from linewise.scheduling.dispatch import best_dispatch, dispatch
from linewise.scheduling.model import (
    FrozenAssignment,
    Instance,
    Job,
    Mode,
    ObjectiveConfig,
    Operation,
    Plan,
    Resource,
    ScheduledOperation,
    SetupTime,
    SkillShift,
    SolveResult,
    SolveStatus,
    Window,
)
from linewise.scheduling.objective import evaluate
from linewise.scheduling.timetable import SchedulingError
from linewise.scheduling.validate import validate

__all__ = [
    "FrozenAssignment",
    "Instance",
    "Job",
    "Mode",
    "ObjectiveConfig",
    "Operation",
    "Plan",
    "Resource",
    "ScheduledOperation",
    "SchedulingError",
    "SetupTime",
    "SkillShift",
    "SolveResult",
    "SolveStatus",
    "SolverParams",
    "Window",
    "best_dispatch",
    "dispatch",
    "evaluate",
    "solve",
    "solve_decomposed",
    "validate",
]
