"""The working-time model: mapping, exact decoding, and plans that obey the real calendar."""

from __future__ import annotations

import random

from linewise.scheduling import (
    Instance,
    ObjectiveConfig,
    Resource,
    SetupTime,
    SolverParams,
    Window,
    best_dispatch,
    evaluate,
    solve,
    validate,
)
from linewise.scheduling.worktime import WorkClock, decode, to_working_time

from .builders import job, op

# Two days of two shifts with a break, then a weekend.
CALENDAR = (Window(0, 100), Window(120, 200), Window(1000, 1100), Window(1120, 1200))
# The same, for a month: room for every plan.
MONTH = tuple(Window(w.start + 2000 * k, w.end + 2000 * k) for k in range(15) for w in CALENDAR)


def test_clock_skips_the_gaps() -> None:
    clock = WorkClock(CALENDAR)
    assert [clock.work(t) for t in (0, 50, 100, 110, 120, 200, 500, 1000, 1200)] == [
        0, 50, 100, 100, 100, 180, 180, 180, 360,
    ]  # fmt: skip
    assert clock.work(1300) == 460  # past the calendar, time runs on


def test_not_used_with_max_waits_or_different_calendars() -> None:
    a, b = Resource("a", CALENDAR), Resource("b", CALENDAR[:2])
    chained = job("j", op(("a", 5), splittable=True), op(("a", 5), splittable=True, max_wait=9))
    assert to_working_time(Instance((chained,), (a,))) is None
    plain = job("j", op(("a", 5), splittable=True))
    assert to_working_time(Instance((plain,), (a, b))) is None
    assert to_working_time(Instance((plain,), (a,))) is not None


def _calendar_shop(seed: int) -> Instance:
    rng = random.Random(seed)
    setups = (SetupTime("x", "y", 15), SetupTime("y", "x", 15))
    resources = tuple(Resource(r, MONTH, setups) for r in ("m1", "m2", "m3"))
    jobs = []
    for j in range(8):
        ops = [
            op(
                *((r, rng.randint(10, 60)) for r in rng.sample(["m1", "m2", "m3"], 2)),
                family=rng.choice("xy"),
                splittable=True,
            )
            for _ in range(3)
        ]
        jobs.append(job(f"j{j}", *ops, due=rng.randint(150, 1100), weight=rng.randint(1, 3)))
    return Instance(tuple(jobs), resources)


def test_decode_keeps_order_and_resources_and_obeys_the_calendar() -> None:
    inst = _calendar_shop(3)
    plan, _ = best_dispatch(inst)
    converted = to_working_time(inst)
    assert converted is not None
    work_instance, _clock = converted
    work_plan = decode(work_instance, plan)
    assert validate(work_instance, work_plan) == []
    again = decode(inst, work_plan)
    assert validate(inst, again) == []
    assert {(s.job_id, s.index, s.resource) for s in again.operations} == {
        (s.job_id, s.index, s.resource) for s in plan.operations
    }


def test_cpsat_in_working_time_is_valid_and_not_worse() -> None:
    config = ObjectiveConfig()
    params = SolverParams(time_limit=2, num_workers=1, random_seed=1)
    for seed in (1, 2):
        inst = _calendar_shop(seed)
        heuristic = evaluate(inst, best_dispatch(inst, config)[0], config)
        result = solve(inst, config, params)
        assert validate(inst, result.plan) == []
        assert result.objective.key(config) <= heuristic.key(config)
        assert result.wall_time < 2 + 0.5


def test_progress_is_in_the_plans_own_terms() -> None:
    # In working time CP-SAT's objective counts working seconds; the chart and the plan
    # show wall-clock weighted tardiness. Progress must be the latter: never better than
    # the plan returned, never rising, and only the first level (makespan values would
    # otherwise continue the tardiness chart).
    config = ObjectiveConfig()
    for seed in range(3):
        inst = _calendar_shop(seed)
        assert to_working_time(inst) is not None
        heuristic, _ = best_dispatch(inst, config)
        first = evaluate(inst, heuristic, config).weighted_tardiness
        reports: list[float] = []

        def note(_t: float, objective: float, _b: float, _g: float, to: list[float] = reports):
            to.append(objective)

        result = solve(inst, config, SolverParams(time_limit=3, num_workers=2, on_progress=note))
        assert reports, seed
        assert reports == sorted(reports, reverse=True)
        assert reports[0] <= first
        assert reports[-1] >= result.objective.weighted_tardiness
