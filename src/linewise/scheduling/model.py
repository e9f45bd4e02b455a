"""The scheduling problem and its answer as plain frozen dataclasses.

The engine speaks integers only: every time is a number of seconds from the start of the
planning horizon, so that CP-SAT (an integer solver) and the validator see exactly the
same numbers. Converting from and to timezone-aware datetimes happens at the edge
(``runner.py`` / the service), never in here.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise
from typing import Literal

Level = Literal["weighted_tardiness", "makespan", "bottleneck_idle", "changeovers"]


@dataclass(frozen=True)
class Window:
    """A half-open interval ``[start, end)`` of available time (or of a skill shift)."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"window ends before it starts: {self.start}..{self.end}")


@dataclass(frozen=True)
class Mode:
    """One eligible resource for an operation, with the processing time on that resource.

    Lines differ in speed, so the duration belongs to the (operation, resource) pair.
    """

    resource: str
    duration: int

    def __post_init__(self) -> None:
        if self.duration < 1:
            raise ValueError(f"duration on {self.resource} must be at least 1")


@dataclass(frozen=True)
class FrozenAssignment:
    """An operation already in progress (or released to the floor): it stays put."""

    resource: str
    start: int


@dataclass(frozen=True)
class Operation:
    """One step of a job's routing.

    ``min_wait``/``max_wait`` are measured from the end of the previous operation of the
    same job (cooling, curing, moisture-sensitive parts). A ``splittable`` operation may be
    interrupted by a calendar gap and resumes in the next window; otherwise it must fit into
    a single available window. Operators of ``skill`` are counted as busy over the whole
    span ``[start, end)``, including a break the operation is stretched across.
    """

    modes: tuple[Mode, ...]
    family: str = ""
    skill: str | None = None
    operators: int = 1
    min_wait: int = 0
    max_wait: int | None = None
    splittable: bool = False
    material_ready: int = 0
    frozen: FrozenAssignment | None = None
    name: str = ""

    def __post_init__(self) -> None:
        if not self.modes:
            raise ValueError("an operation needs at least one eligible resource")
        if len({m.resource for m in self.modes}) != len(self.modes):
            raise ValueError("an operation lists the same resource twice")
        if self.max_wait is not None and self.max_wait < self.min_wait:
            raise ValueError("max_wait is smaller than min_wait")
        if self.frozen is not None and self.frozen.resource not in self.resources:
            raise ValueError(f"frozen on {self.frozen.resource}, which is not eligible")

    @property
    def resources(self) -> tuple[str, ...]:
        return tuple(m.resource for m in self.modes)

    @cached_property
    def _durations(self) -> dict[str, int]:
        # Looked up for every candidate line of every decision; with a hundred eligible
        # lines a scan of ``modes`` was a visible share of a large dispatch.
        return {m.resource: m.duration for m in self.modes}

    def duration_on(self, resource: str) -> int:
        return self._durations[resource]

    @property
    def operators_needed(self) -> int:
        """Operators counted against the skill capacity (none without a skill)."""
        return self.operators if self.skill is not None else 0


@dataclass(frozen=True)
class Job:
    """A production order: ordered operations, a priority weight, release and due time."""

    id: str
    operations: tuple[Operation, ...]
    weight: int = 1
    release: int = 0
    due: int | None = None

    def __post_init__(self) -> None:
        if not self.operations:
            raise ValueError(f"job {self.id} has no operations")
        if self.weight < 0:
            raise ValueError(f"job {self.id} has a negative weight")
        frozen = [op.frozen is not None for op in self.operations]
        if frozen != sorted(frozen, reverse=True):
            # Work in progress is the head of a routing; a frozen step after a free one
            # would ask the planner to fit work into the past.
            raise ValueError(f"job {self.id}: frozen operations must come first")


@dataclass(frozen=True)
class SetupTime:
    """Changeover time on a resource when family ``after`` follows family ``before``."""

    before: str
    after: str
    duration: int


@dataclass(frozen=True)
class Resource:
    """A machine or line.

    ``calendar`` lists the available windows (sorted, disjoint); ``None`` means always
    available. Maintenance and breaks are simply gaps. The setup time between two families
    is looked up in ``setups`` first; otherwise it is ``default_changeover`` when the
    families differ and zero when they are the same. A setup is a minimum wall-clock gap
    between the end of one operation and the start of the next on the resource.
    """

    id: str
    calendar: tuple[Window, ...] | None = None
    setups: tuple[SetupTime, ...] = ()
    default_changeover: int = 0
    _setup_table: dict[tuple[str, str], int] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        if self.calendar is not None:
            for a, b in pairwise(self.calendar):
                if b.start < a.end:
                    raise ValueError(f"calendar of {self.id} is not sorted and disjoint")
        table = {(s.before, s.after): s.duration for s in self.setups}
        object.__setattr__(self, "_setup_table", table)

    def setup(self, before: str, after: str) -> int:
        found = self._setup_table.get((before, after))
        if found is not None:
            return found
        return 0 if before == after else self.default_changeover

    @property
    def longest_setup(self) -> int:
        """The longest changeover this line can need (its table or the default)."""
        return max([self.default_changeover, *(s.duration for s in self.setups)])

    @property
    def has_setups(self) -> bool:
        return self.default_changeover > 0 or any(s.duration > 0 for s in self.setups)


@dataclass(frozen=True, init=False)
class SkillShift:
    """A crew: ``capacity`` operators who hold the ``skills`` are present during ``window``.

    ``SkillShift("smt", w, 3)`` is three operators who hold only SMT;
    ``SkillShift(("smt", "tht"), w, 1)`` is one operator who may run an SMT *or* a THT
    operation, but never both at once. Crews add up where they overlap (two crews of the
    same skills are simply more operators); outside every crew nobody holds a skill. How
    crews become constraints is explained in ``skills.py``.
    """

    skills: frozenset[str]
    window: Window
    capacity: int

    def __init__(self, skills: str | Iterable[str], window: Window, capacity: int) -> None:
        crew = frozenset((skills,)) if isinstance(skills, str) else frozenset(skills)
        if not crew:
            raise ValueError("a skill shift needs at least one skill")
        if capacity < 0:
            raise ValueError(f"negative number of operators for {sorted(crew)}")
        object.__setattr__(self, "skills", crew)
        object.__setattr__(self, "window", window)
        object.__setattr__(self, "capacity", capacity)


@dataclass(frozen=True)
class Instance:
    """Everything the engine needs to build a plan."""

    jobs: tuple[Job, ...]
    resources: tuple[Resource, ...]
    skill_shifts: tuple[SkillShift, ...] = ()
    name: str = ""

    def __post_init__(self) -> None:
        ids = [r.id for r in self.resources]
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate resource id")
        jids = [j.id for j in self.jobs]
        if len(set(jids)) != len(jids):
            raise ValueError("duplicate job id")
        known = set(ids)
        for job in self.jobs:
            for op in job.operations:
                for r in op.resources:
                    if r not in known:
                        raise ValueError(f"job {job.id} uses unknown resource {r}")

    def resource(self, resource_id: str) -> Resource:
        for r in self.resources:
            if r.id == resource_id:
                return r
        raise KeyError(resource_id)

    @property
    def operation_count(self) -> int:
        return sum(len(j.operations) for j in self.jobs)


@dataclass(frozen=True)
class ObjectiveConfig:
    """Lexicographic objective: earlier levels strictly dominate later ones.

    ``bottleneck`` names the resource whose idle time ``bottleneck_idle`` measures; by
    default the resource with the largest total processing load.
    """

    levels: tuple[Level, ...] = ("weighted_tardiness", "makespan", "changeovers")
    bottleneck: str | None = None

    def __post_init__(self) -> None:
        if not self.levels or len(set(self.levels)) != len(self.levels):
            raise ValueError("objective levels must be non-empty and distinct")


@dataclass(frozen=True)
class ScheduledOperation:
    """Where and when operation ``index`` of job ``job_id`` runs: ``[start, end)``."""

    job_id: str
    index: int
    resource: str
    start: int
    end: int


@dataclass(frozen=True)
class Plan:
    operations: tuple[ScheduledOperation, ...]

    def by_key(self) -> dict[tuple[str, int], ScheduledOperation]:
        return {(s.job_id, s.index): s for s in self.operations}


@dataclass(frozen=True)
class ObjectiveValues:
    weighted_tardiness: int
    makespan: int
    bottleneck_idle: int
    changeovers: int

    def level(self, name: Level) -> int:
        value: int = getattr(self, name)
        return value

    def key(self, config: ObjectiveConfig) -> tuple[int, ...]:
        """The lexicographic key: compare plans with ``<`` on this tuple."""
        return tuple(self.level(name) for name in config.levels)


class SolveStatus(enum.StrEnum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    FALLBACK_HEURISTIC = "fallback-heuristic"


@dataclass(frozen=True)
class LevelResult:
    """What the solver proved for one objective level."""

    level: Level
    value: int
    bound: int
    optimal: bool


@dataclass(frozen=True)
class SolveResult:
    status: SolveStatus
    plan: Plan
    objective: ObjectiveValues
    levels: tuple[LevelResult, ...]
    wall_time: float
    first_solution_time: float | None = None

    @property
    def bound(self) -> int | None:
        """Lower bound on the first objective level (``None`` if CP-SAT did not run)."""
        return self.levels[0].bound if self.levels else None
