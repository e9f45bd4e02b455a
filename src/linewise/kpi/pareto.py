"""Downtime Pareto: which reasons (machines, lines, shifts) cost the most time or stops.

Durations are the stops' lost planned busy time inside the window (so the Pareto adds up
to ADOT + the down part of ADET), counts are stops that *start* in the window (so counts
add up over consecutive windows). A stop without a reason is "unassigned" — it is shown,
because an unexplained loss is the first thing to chase.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from linewise.kpi.calendar import CalendarSpec, shift_containing
from linewise.kpi.elements import StopRecord
from linewise.kpi.formulas import ratio
from linewise.kpi.intervals import ZERO
from linewise.kpi.states import MachineState

UNASSIGNED = "unassigned"

StopKey = Callable[[StopRecord], str | None]


class ParetoMeasure(StrEnum):
    DURATION = "duration"
    COUNT = "count"


@dataclass(frozen=True, slots=True)
class ParetoRow:
    key: str
    duration_s: float
    count: int
    share: float | None
    cumulative_share: float | None


def by_reason(stop: StopRecord) -> str | None:
    return stop.reason


def by_fault(stop: StopRecord) -> str | None:
    return stop.fault


def by_machine(stop: StopRecord) -> str | None:
    return stop.work_unit


def by_line(machine_to_line: Mapping[str, str]) -> StopKey:
    """Group by the line of the stop's machine."""

    def key(stop: StopRecord) -> str | None:
        return machine_to_line.get(stop.work_unit)

    return key


def by_shift(calendar: CalendarSpec) -> StopKey:
    """Group by the shift occurrence in which the stop started (e.g. "A@2026-03-02")."""

    def key(stop: StopRecord) -> str | None:
        shift = shift_containing(calendar, stop.start)
        return shift.label if shift else None

    return key


def group_stops(
    stops: Iterable[StopRecord],
    key: StopKey = by_reason,
    include_minor: bool = True,
    states: frozenset[MachineState] = frozenset({MachineState.DOWN}),
) -> tuple[dict[str, timedelta], dict[str, int]]:
    """Lost time and counted stops per group; a group no stop adds to is absent.

    Split from ``rank`` so that callers holding pre-summed groups (day rollups) can add
    them to the groups of exactly computed stops and rank the sums the same way.
    """
    durations: dict[str, timedelta] = {}
    counts: dict[str, int] = {}
    for stop in stops:
        if stop.state not in states or (stop.minor and not include_minor):
            continue
        if stop.lost == ZERO and not stop.counted:
            continue
        group = key(stop) or UNASSIGNED
        durations[group] = durations.get(group, ZERO) + stop.lost
        counts[group] = counts.get(group, 0) + (1 if stop.counted else 0)
    return durations, counts


def rank(
    durations: Mapping[str, timedelta],
    counts: Mapping[str, int],
    measure: ParetoMeasure = ParetoMeasure.DURATION,
) -> tuple[ParetoRow, ...]:
    """Groups largest ``measure`` first, with share and cumulative share."""

    def size(group: str) -> float:
        if measure is ParetoMeasure.DURATION:
            return durations[group].total_seconds()
        return float(counts[group])

    def secondary(group: str) -> float:
        if measure is ParetoMeasure.DURATION:
            return float(counts[group])
        return durations[group].total_seconds()

    ordered = sorted(durations, key=lambda g: (-size(g), -secondary(g), g))
    total = sum(size(g) for g in ordered)
    rows: list[ParetoRow] = []
    running = 0.0
    for group in ordered:
        running += size(group)
        rows.append(
            ParetoRow(
                key=group,
                duration_s=durations[group].total_seconds(),
                count=counts[group],
                share=ratio(size(group), total),
                cumulative_share=ratio(running, total),
            )
        )
    return tuple(rows)


def pareto(
    stops: Iterable[StopRecord],
    key: StopKey = by_reason,
    measure: ParetoMeasure = ParetoMeasure.DURATION,
    include_minor: bool = True,
    states: frozenset[MachineState] = frozenset({MachineState.DOWN}),
) -> tuple[ParetoRow, ...]:
    """Stops grouped by ``key``, largest ``measure`` first, with cumulative share.

    ``states`` = {DOWN, IDLE} adds waiting (starved, blocked, ...) to the picture.
    """
    return rank(*group_stops(stops, key, include_minor, states), measure)
