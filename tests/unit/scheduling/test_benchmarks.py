from pathlib import Path

from linewise.scheduling.benchmarks import parse_fjsp, read_jssp
from linewise.scheduling.cpsat import SolverParams, solve
from linewise.scheduling.dispatch import best_dispatch
from linewise.scheduling.model import SolveStatus
from linewise.scheduling.validate import validate

FT06 = Path(__file__).parent / "fixtures" / "ft06.txt"
TINY_FJSP = """2 3 2
2  2 1 5 3 4  1 2 3
1  3 1 2 2 2 3 9
"""


def test_reads_jssp() -> None:
    inst = read_jssp(FT06)
    assert (len(inst.jobs), len(inst.resources), inst.operation_count) == (6, 6, 36)
    first = inst.jobs[0].operations[0]
    assert [(m.resource, m.duration) for m in first.modes] == [("m2", 1)]


def test_reads_fjsp_with_one_based_machines() -> None:
    inst = parse_fjsp(TINY_FJSP, "tiny")
    assert [[(m.resource, m.duration) for m in op.modes] for op in inst.jobs[0].operations] == [
        [("m0", 5), ("m2", 4)],
        [("m1", 3)],
    ]
    assert len(inst.jobs[1].operations[0].modes) == 3


def test_ft06_reaches_the_optimum() -> None:
    inst = read_jssp(FT06)
    seen: list[tuple[float, float, float, float]] = []
    result = solve(
        inst,
        params=SolverParams(time_limit=20, num_workers=2, on_progress=lambda *a: seen.append(a)),
    )
    assert result.objective.makespan == 55
    assert result.status is SolveStatus.OPTIMAL
    assert result.bound == 55
    assert validate(inst, result.plan) == []
    heuristic, _ = best_dispatch(inst)
    assert validate(inst, heuristic) == []
    for elapsed, objective, bound, gap in seen:
        assert elapsed >= 0 and bound <= objective and 0 <= gap < 1
