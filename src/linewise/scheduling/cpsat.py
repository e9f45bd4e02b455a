"""Optimising a plan with CP-SAT, warm-started by the dispatching heuristic.

Lexicographic objective by *sequential solves*: minimise level 1, then add
``level1 <= best found`` and minimise level 2 from the previous solution as a hint, and
so on. We prefer this over one weighted sum with dominating weights because the weights
would have to exceed the whole range of every lower level (tardiness in seconds × weights
× jobs quickly reaches 10^12 and beyond), which hurts CP-SAT's bounds and its linear
relaxation; sequential solves keep each objective small and each bound meaningful. The
price is that the time limit is split between levels: each level gets a share of what is
left, and a level proven optimal early hands its remaining time to the next.

The first level is also capped by the heuristic's value, and the final plan is compared
lexicographically with the heuristic's, so the result is never worse than the warm start.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ortools.sat.python import cp_model

from linewise.scheduling.cpsat_model import Key, ShopModel, build_model
from linewise.scheduling.dispatch import best_dispatch
from linewise.scheduling.model import (
    Instance,
    LevelResult,
    ObjectiveConfig,
    Plan,
    ScheduledOperation,
    SolveResult,
    SolveStatus,
)
from linewise.scheduling.objective import evaluate, lower_bound
from linewise.scheduling.timetable import SchedulingError
from linewise.scheduling.worktime import decode, to_work_plan, to_working_time

# (elapsed seconds, best objective, bound, relative gap) for the level being solved.
ProgressCallback = Callable[[float, float, float, float], None]

FIRST_LEVELS_SHARE = 0.6  # of the remaining time, for every level but the last
LARGE_MODEL = 20_000  # variables; see _tune_for_size
MAX_MODES_WITH_SETUPS = 3  # eligible resources kept per operation when setups are modelled


class CancelFlag(Protocol):
    """A thread's or a process's event: set to ask the engine to stop."""

    def is_set(self) -> bool: ...


@dataclass(frozen=True)
class SolverParams:
    time_limit: float = 10.0
    num_workers: int = 2
    random_seed: int = 0
    on_progress: ProgressCallback | None = None
    cancel: CancelFlag | None = None
    log_search: bool = False


def relative_gap(objective: float, bound: float) -> float:
    return 0.0 if objective <= bound else (objective - bound) / max(1.0, abs(objective))


class _Progress(cp_model.CpSolverSolutionCallback):
    """Notes the first solution's time and reports progress on the first level.

    Reported values are those the plan itself will show: ``value_of`` the solution
    (decoded to wall-clock time and evaluated, where the model is in working time), and
    never worse than ``best``, the best plan so far (the warm start's at first), which is
    the one ``solve`` would return. ``value_of`` None: nothing is reported (a later level
    is being searched; its values are in other units than the chart's first level).
    """

    def __init__(
        self,
        params: SolverParams,
        started: float,
        value_of: Callable[[_Progress], float | None] | None = None,
        best: float = math.inf,
    ) -> None:
        super().__init__()
        self.params, self.started = params, started
        self.value_of, self.best = value_of, best
        self.first_solution: float | None = None

    def on_solution_callback(self) -> None:
        elapsed = time.monotonic() - self.started
        if self.first_solution is None:
            self.first_solution = elapsed
        if self.params.on_progress is not None and self.value_of is not None:
            value = self.value_of(self)
            if value is not None and value <= self.best:
                self.best = value
                bound = self.best_objective_bound
                self.params.on_progress(elapsed, value, bound, relative_gap(value, bound))
        if self.params.cancel is not None and self.params.cancel.is_set():
            self.stop_search()


def _watch_cancel(solver: cp_model.CpSolver, cancel: CancelFlag, done: threading.Event) -> None:
    """Stop the search as soon as ``cancel`` is set, even between two solutions."""
    while not done.wait(0.05):
        if cancel.is_set():
            solver.stop_search()
            return


def _extract(
    shop: ShopModel, solver: cp_model.CpSolver | cp_model.CpSolverSolutionCallback
) -> Plan:
    ops = []
    for key, start in shop.starts.items():
        chosen = next(
            o for o in shop.options[key] if isinstance(o.literal, int) or solver.value(o.literal)
        )
        ops.append(
            ScheduledOperation(
                key[0], key[1], chosen.resource, solver.value(start), solver.value(shop.ends[key])
            )
        )
    ops.sort(key=lambda s: (s.start, s.resource, s.job_id, s.index))
    return Plan(tuple(ops))


def _hint(shop: ShopModel, values: dict[int, int]) -> None:
    model = shop.model
    model.clear_hints()  # type: ignore[no-untyped-call]
    for index, value in values.items():
        model.add_hint(model.get_int_var_from_proto_index(index), value)


def _complete(
    shop: ShopModel, partial: dict[int, int], params: SolverParams, deadline: float
) -> dict[int, int]:
    """Extend a hint on the decision variables to every variable of the model.

    CP-SAT adopts a complete, feasible hint as its first solution at once; a partial one
    is only a search preference, which on larger models may not lead anywhere in time.
    With the decisions fixed, propagation alone finishes the job.
    """
    _hint(shop, partial)
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.num_workers = 1
    _tune_for_size(shop, solver)
    solver.parameters.max_time_in_seconds = max(
        0.05, min(params.time_limit / 10, deadline - time.monotonic())
    )
    if solver.solve(shop.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return partial  # should not happen; keep the partial hint as a preference
    return _all_values(shop, solver)


def _decoded(instance: Instance, choice: Plan) -> Plan | None:
    """``choice`` timed exactly in wall-clock time; ``None`` if the calendars run out."""
    try:
        return decode(instance, choice)
    except SchedulingError:
        return None


def _tune_for_size(shop: ShopModel, solver: cp_model.CpSolver) -> None:
    """On large models, skip presolve: it costs seconds and delays even the warm start.

    Presolve of a model with tens of thousands of setup literals took longer than a
    10 s limit allows before the search (and so the hinted warm start) even began; the
    model is built tight already, so little is lost without it.
    """
    if len(shop.model.proto.variables) > LARGE_MODEL:
        solver.parameters.cp_model_presolve = False
        solver.parameters.symmetry_level = 0


def _all_values(shop: ShopModel, solver: cp_model.CpSolver) -> dict[int, int]:
    model = shop.model
    count = len(model.proto.variables)
    return {i: solver.value(model.get_int_var_from_proto_index(i)) for i in range(count)}


def _candidates(instance: Instance, plan: Plan) -> dict[Key, tuple[str, ...]] | None:
    """Resources CP-SAT may choose per operation when sequence-dependent setups are modelled.

    A setup circuit has one arc per ordered pair of operations that may share a resource,
    so with every line of a type eligible (a dozen SMT lines, hundreds of operations) it
    grows quadratically into millions of literals. Each operation therefore keeps the
    resource of the warm start plus its neighbours in the eligible list: every resource
    still gets a few times its share of candidates, so load can shift along the lines.
    """
    allowed: dict[Key, tuple[str, ...]] = {}
    placed = plan.by_key()
    for job in instance.jobs:
        for i, op in enumerate(job.operations):
            if len(op.modes) <= MAX_MODES_WITH_SETUPS:
                continue
            eligible = op.resources
            at = eligible.index(placed[(job.id, i)].resource)
            allowed[(job.id, i)] = tuple(
                eligible[(at + k) % len(eligible)] for k in range(MAX_MODES_WITH_SETUPS)
            )
    return allowed or None


def _with_setups(instance: Instance, config: ObjectiveConfig) -> bool:
    return "changeovers" in config.levels or any(r.has_setups for r in instance.resources)


def solve(
    instance: Instance,
    config: ObjectiveConfig | None = None,
    params: SolverParams | None = None,
    warm_start: Plan | None = None,
    free_until: int | None = None,
) -> SolveResult:
    """Best plan found within the time limit; never worse than the heuristic plan.

    The time limit is wall-clock time for everything, the heuristic and the model
    building included. Where all resources share one calendar the model is built in
    working time (see ``worktime.py``) and every solution is decoded back into exact
    wall-clock times; the levels' values and bounds are then those of that model.

    ``free_until`` (latest start of every operation not frozen) is for sub-problems cut
    out of a plan, with its later work frozen: they are solved in wall-clock time with
    the calendars in the model. Working time is conservative about setups across
    breaks (a setup a break would absorb takes working seconds there), so the warm start
    of such a window, packed tightly against frozen work, is often not a solution in
    working time, and repairing it pushes work past what is frozen behind it.
    """
    config = config or ObjectiveConfig()
    params = params or SolverParams()
    started = time.monotonic()
    deadline = started + params.time_limit
    heuristic = warm_start if warm_start is not None else best_dispatch(instance, config)[0]
    heuristic_values = evaluate(instance, heuristic, config)
    best, best_values = heuristic, heuristic_values
    converted = to_working_time(instance) if free_until is None else None
    model_instance, hint = instance, heuristic
    if converted is not None:
        try:
            hint = decode(converted[0], to_work_plan(heuristic, converted[1]))
            model_instance = converted[0]
        except SchedulingError:  # should not happen without a calendar; stay exact then
            converted = None
    hint_values = evaluate(model_instance, hint, config)
    candidates = _candidates(instance, hint) if _with_setups(instance, config) else None
    shop = build_model(model_instance, config, hint_values.makespan, candidates, hint, free_until)
    _hint(shop, _complete(shop, shop.plan_values(hint), params, deadline))
    levels = [lvl for lvl in config.levels if lvl not in shop.trivial]
    results: list[LevelResult] = []
    from_solver = False  # the plan to return came from CP-SAT (ties included)
    first_solution: float | None = None
    current = hint_values  # of the model's plan that the hint holds now
    for n, level in enumerate(levels):
        remaining = deadline - time.monotonic()
        if remaining <= 0.05 or (params.cancel is not None and params.cancel.is_set()):
            break
        expr = shop.objectives[level]
        floor = lower_bound(model_instance, level)
        if current.level(level) <= floor:
            # Nothing to gain on this level: keep it and hand its time to the next.
            results.append(LevelResult(level, current.level(level), floor, True))
            shop.model.add(expr <= current.level(level))
            continue
        budget = remaining if n == len(levels) - 1 else remaining * FIRST_LEVELS_SHARE
        if n == 0:
            shop.model.add(expr <= hint_values.level(level))
        shop.model.minimize(expr)
        value_of = None
        if n == 0 and level == config.levels[0] and params.on_progress is not None:

            def value_of(solution: _Progress) -> float | None:
                in_model = _extract(shop, solution)
                found = in_model if converted is None else _decoded(instance, in_model)
                if found is None:
                    return None
                return float(evaluate(instance, found, config).level(config.levels[0]))

        progress = _Progress(params, started, value_of, float(best_values.level(level)))
        solver, callback, status = _run(shop, params, budget, progress)
        if first_solution is None:
            first_solution = callback.first_solution
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break
        value, bound = round(solver.objective_value), round(solver.best_objective_bound)
        results.append(LevelResult(level, value, bound, status == cp_model.OPTIMAL))
        in_model = _extract(shop, solver)
        current = evaluate(model_instance, in_model, config)
        found = in_model if converted is None else _decoded(instance, in_model)
        if found is not None:
            found_values = evaluate(instance, found, config)
            if found_values.key(config) <= best_values.key(config):
                best, best_values, from_solver = found, found_values, True
        shop.model.add(expr <= value)
        _hint(shop, _all_values(shop, solver))
    wall = time.monotonic() - started
    proven = len(results) == len(levels) and all(r.optimal for r in results)
    if not from_solver and proven and converted is None and candidates is None:
        # Every level met its lower bound without a search: the warm start is optimal.
        return SolveResult(
            SolveStatus.OPTIMAL, heuristic, heuristic_values, tuple(results), wall, 0.0
        )
    if not from_solver:
        return SolveResult(
            SolveStatus.FALLBACK_HEURISTIC, heuristic, heuristic_values, tuple(results), wall
        )
    exact = converted is None and candidates is None
    complete = exact and len(results) == len(levels) and all(r.optimal for r in results)
    outcome = SolveStatus.OPTIMAL if complete else SolveStatus.FEASIBLE
    return SolveResult(outcome, best, best_values, tuple(results), wall, first_solution)


def _run(
    shop: ShopModel, params: SolverParams, budget: float, callback: _Progress
) -> tuple[cp_model.CpSolver, _Progress, cp_model.CpSolverStatus]:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = budget
    solver.parameters.num_workers = params.num_workers
    solver.parameters.random_seed = params.random_seed
    solver.parameters.log_search_progress = params.log_search
    # Branch on the order of interval pairs inside each no-overlap as the search goes.
    # On ft10 with 2 workers this took reaching the optimum (930) within 10 s from 4 of
    # 6 seeds to 14 of 14 (median 2.5 s); sequencing is the hard part of every model here.
    solver.parameters.use_dynamic_precedence_in_disjunctive = True
    options = sum(len(o) for o in shop.options.values())
    if options > 2 * len(shop.options):
        # Probing scales badly with many optional (calendar/flexible) intervals and can eat
        # a short time limit in presolve before the warm start is even loaded.
        solver.parameters.cp_model_probing_level = 0
    _tune_for_size(shop, solver)
    done = threading.Event()
    watcher = None
    if params.cancel is not None:
        watcher = threading.Thread(
            target=_watch_cancel, args=(solver, params.cancel, done), daemon=True
        )
        watcher.start()
    try:
        status = solver.solve(shop.model, callback)
    finally:
        done.set()
        if watcher is not None:
            watcher.join()
    return solver, callback, status
