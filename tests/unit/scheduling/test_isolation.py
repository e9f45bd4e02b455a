"""The optimiser in a child process: results, progress, cancel, and real crashes.

The crashing targets really crash a real child process (a null-pointer read through
ctypes is a genuine SIGSEGV, the same death a CP-SAT memory bug causes); nothing is
mocked.
"""

from __future__ import annotations

import ctypes
import os
import threading

import pytest

from linewise.scheduling.cpsat import SolverParams
from linewise.scheduling.dispatch import Heuristic, dispatch
from linewise.scheduling.isolation import (
    OptimiserFailed,
    OptimiseTask,
    optimise_isolated,
)
from linewise.scheduling.model import ObjectiveConfig, SolveResult, SolveStatus
from linewise.scheduling.objective import evaluate
from linewise.scheduling.runner import JobSettings, JobState, SolveJob
from linewise.scheduling.validate import validate
from tests.unit.scheduling.test_properties import random_instance

CONFIG = ObjectiveConfig()


def _task(seed: int = 3, time_limit: float = 2.0) -> OptimiseTask:
    inst = random_instance(seed, jobs=6)
    plan = dispatch(inst)
    return OptimiseTask(
        inst,
        CONFIG,
        SolverParams(time_limit=time_limit, num_workers=1, random_seed=1),
        decompose=False,
        warm_plan=plan,
        warm_rule=Heuristic(),
    )


# --- targets: module level, because the child finds them by name ----------------------


def segfault(task: OptimiseTask, params: SolverParams) -> SolveResult:
    ctypes.string_at(0)  # reads address 0: SIGSEGV
    raise AssertionError("unreachable")


def reports_then_segfaults(task: OptimiseTask, params: SolverParams) -> SolveResult:
    """A progress point (an impossible objective, to tell it apart), then a crash."""
    assert params.on_progress is not None
    params.on_progress(0.0, -1.0, 0.0, 0.0)
    return segfault(task, params)


def raises(task: OptimiseTask, params: SolverParams) -> SolveResult:
    raise ValueError("model has no operations on line X")


def waits_for_cancel(task: OptimiseTask, params: SolverParams) -> SolveResult:
    """Reports its pid as a progress point, then works until cancelled."""
    assert params.on_progress is not None and params.cancel is not None
    params.on_progress(0.0, float(os.getpid()), 0.0, 1.0)
    while not params.cancel.is_set():
        threading.Event().wait(0.01)  # stand-in for search steps between cancel checks
    plan = task.warm_plan
    assert plan is not None
    values = evaluate(task.instance, plan, task.config)
    return SolveResult(SolveStatus.FEASIBLE, plan, values, (), 0.0)


# --- tests -----------------------------------------------------------------------------


def test_the_engine_runs_in_a_child_and_its_plan_comes_back_valid() -> None:
    task = _task()
    points: list[tuple[float, float, float, float]] = []
    stats: dict[str, float] = {}
    result = optimise_isolated(task, lambda *p: points.append(p), stats=stats)
    assert stats["peak_rss_mb"] > 10  # the child's own memory: the engine is loaded there
    assert validate(task.instance, result.plan) == []
    heuristic = evaluate(task.instance, task.warm_plan, CONFIG)  # type: ignore[arg-type]
    assert result.objective.key(CONFIG) <= heuristic.key(CONFIG)
    # Progress is relayed from the child (CP-SAT reports at least the hinted solution),
    # and no point claims an objective below its own bound.
    assert points
    assert all(p[1] >= p[2] for p in points)


def test_a_segfault_in_the_child_is_reported_and_this_process_lives_on() -> None:
    with pytest.raises(OptimiserFailed, match="SIGSEGV"):
        optimise_isolated(_task(), target=segfault)
    # The next solve works as before.
    assert validate(_task().instance, optimise_isolated(_task()).plan) == []


def test_an_exception_in_the_child_names_its_type_and_message() -> None:
    with pytest.raises(OptimiserFailed, match="ValueError: model has no operations on line X"):
        optimise_isolated(_task(), target=raises)


def test_cancel_reaches_the_child_which_hands_back_its_plan() -> None:
    cancel = threading.Event()
    pids: list[int] = []

    def on_progress(elapsed: float, objective: float, bound: float, gap: float) -> None:
        pids.append(int(objective))
        cancel.set()  # cancel as soon as the child is known to be working

    task = _task(time_limit=60.0)
    result = optimise_isolated(task, on_progress, cancel, target=waits_for_cancel)
    assert result.status == SolveStatus.FEASIBLE
    assert result.plan == task.warm_plan
    assert pids and pids[0] != os.getpid()


def test_a_solve_job_whose_optimiser_crashes_keeps_the_heuristic_plan() -> None:
    inst = random_instance(5, jobs=6)
    settings = JobSettings(time_limit=5.0, num_workers=1, target=reports_then_segfaults)
    job = SolveJob(lambda: inst, settings)
    job.start()
    assert job.join(60)
    snap = job.snapshot()
    assert snap.state == JobState.SUCCEEDED
    assert snap.heuristic is not None and snap.result is snap.heuristic
    assert snap.result.status == SolveStatus.FALLBACK_HEURISTIC
    assert validate(inst, snap.result.plan) == []
    assert snap.error is not None and "SIGSEGV" in snap.error and "heuristic plan" in snap.error
    # The child's point (-1) arrived before the crash; the chart ends on the plan the
    # run keeps instead.
    kept = snap.result.objective.level(JobSettings().config.levels[0])
    assert snap.points[-1].objective == kept
