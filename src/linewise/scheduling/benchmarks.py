"""Readers for the classic benchmark formats, into the same model the factory uses.

Benchmarks then exercise exactly the code path of real plans: plain JSSP instances become
jobs with one mode per operation, Brandimarte FJSP instances jobs with several modes.
Resources are named ``m0``, ``m1``, ... (0-based, also for the 1-based FJSP files).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from linewise.scheduling.model import Instance, Job, Mode, Operation, Resource


@dataclass(frozen=True)
class Bounds:
    """Best known lower and upper bound on the optimal makespan."""

    lb: int
    ub: int


def _numbers(text: str) -> list[int]:
    return [int(tok) for tok in text.split()]


def _resources(count: int) -> tuple[Resource, ...]:
    return tuple(Resource(f"m{i}") for i in range(count))


def parse_jssp(text: str, name: str = "") -> Instance:
    """OR-Library format: ``jobs machines``, then per job ``machine duration`` pairs."""
    lines = [line for line in text.splitlines() if line.strip()]
    n_jobs, n_machines = _numbers(lines[0])[:2]
    jobs = []
    for j, line in enumerate(lines[1 : n_jobs + 1]):
        values = _numbers(line)
        ops = tuple(
            Operation(modes=(Mode(f"m{values[k]}", values[k + 1]),))
            for k in range(0, len(values), 2)
        )
        jobs.append(Job(id=f"j{j}", operations=ops))
    return Instance(tuple(jobs), _resources(n_machines), name=name)


def parse_fjsp(text: str, name: str = "") -> Instance:
    """Brandimarte format: ``jobs machines flex``, then per job ``k`` operations, each as
    ``a`` followed by ``a`` pairs of (1-based machine, duration)."""
    lines = [line for line in text.splitlines() if line.strip()]
    header = lines[0].split()  # the third number (mean flexibility) may be fractional
    n_jobs, n_machines = int(header[0]), int(header[1])
    jobs = []
    for j, line in enumerate(lines[1 : n_jobs + 1]):
        values = _numbers(line)
        pos, ops = 1, []
        for _ in range(values[0]):
            alternatives = values[pos]
            pairs = values[pos + 1 : pos + 1 + 2 * alternatives]
            pos += 1 + 2 * alternatives
            modes = tuple(Mode(f"m{pairs[k] - 1}", pairs[k + 1]) for k in range(0, len(pairs), 2))
            ops.append(Operation(modes=modes))
        jobs.append(Job(id=f"j{j}", operations=tuple(ops)))
    return Instance(tuple(jobs), _resources(n_machines), name=name)


def read_jssp(path: Path) -> Instance:
    return parse_jssp(path.read_text(), name=path.stem)


def read_fjsp(path: Path) -> Instance:
    return parse_fjsp(path.read_text(), name=path.stem)


def read_bounds(path: Path) -> dict[str, Bounds]:
    """``bounds.csv`` of either data set: instance name → (lb, ub)."""
    with path.open(newline="") as f:
        return {
            row["instance"]: Bounds(int(row["lb"]), int(row["ub"])) for row in csv.DictReader(f)
        }
