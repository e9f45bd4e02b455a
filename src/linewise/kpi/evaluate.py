"""One work unit over one window: time elements + counts → KPIs, with everything kept.

An ``Evaluation`` carries the sums it was computed from (not only the percentages), so it
can be aggregated exactly, recomputed in the other convention and explained.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta

from linewise.kpi.calendar import PlannedTime
from linewise.kpi.counts import (
    CountRecord,
    CountTotals,
    ProductTotals,
    sum_counts,
    total_by_product,
)
from linewise.kpi.elements import StopRecord, TimeElements, measure_time_elements
from linewise.kpi.formulas import Convention, Kpis, compute_kpis
from linewise.kpi.intervals import TimeWindow
from linewise.kpi.states import StateInterval


def station_ideal_cycle_s(line_cycle_s: float, speed_factor: float) -> float:
    """A station's PRU: the line's ideal cycle for the product × the station's speed factor."""
    return line_cycle_s * speed_factor


@dataclass(frozen=True, slots=True)
class WorkUnitData:
    """What the engine needs about one machine: its states, counts and ideal cycle times.

    ``ideal_cycle_s`` maps product → PRU in seconds on this machine. Pass states reaching
    beyond the window so stops cut by it keep their whole length.
    """

    machine_id: str
    states: tuple[StateInterval, ...] = ()
    counts: tuple[CountRecord, ...] = ()
    ideal_cycle_s: Mapping[str, float] = field(default_factory=dict, hash=False)
    minor_stop_threshold_s: float = 120.0
    line_id: str | None = None


@dataclass(frozen=True, slots=True)
class Evaluation:
    """KPIs of a scope (machine, line, area, site) over a window, with their inputs."""

    scope: str
    window: TimeWindow
    elements: TimeElements
    products: tuple[ProductTotals, ...]
    stops: tuple[StopRecord, ...]
    kpis: Kpis
    sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    parts: tuple[str, ...] = ()
    # Failures / minor stops counted in stretches summarised from day rollups, whose
    # individual stops are not carried in ``stops``.
    rolled_failures: int = 0
    rolled_minor_stops: int = 0

    @property
    def convention(self) -> Convention:
        return self.kpis.convention

    @property
    def counts(self) -> CountTotals:
        return sum_counts(self.products)

    @property
    def failures(self) -> int:
        return sum(1 for s in self.stops if s.is_failure) + self.rolled_failures

    @property
    def minor_stops(self) -> int:
        return sum(1 for s in self.stops if s.is_minor_stop) + self.rolled_minor_stops

    def in_convention(self, convention: Convention) -> Evaluation:
        """The same sums, KPIs recomputed in ``convention``."""
        return replace(self, kpis=kpis_for(self, convention))


def kpis_for(evaluation: Evaluation, convention: Convention) -> Kpis:
    return compute_kpis(
        evaluation.elements,
        evaluation.counts,
        evaluation.failures,
        evaluation.window.duration,
        convention,
    )


def evaluate_machine(
    unit: WorkUnitData,
    planned: PlannedTime,
    window: TimeWindow,
    convention: Convention = Convention.ISO_22400,
) -> Evaluation:
    """Time elements, counts and KPIs of one machine over ``window``.

    ``planned`` is the expanded calendar (``expand_calendar``), with this machine's planned
    maintenance added via ``PlannedTime.with_planned_stops`` when it has any.
    """
    threshold = timedelta(seconds=unit.minor_stop_threshold_s)
    measured = measure_time_elements(unit.states, planned, window, threshold, unit.machine_id)
    products = total_by_product(unit.counts, window, unit.ideal_cycle_s, unit.machine_id)
    sources = dict(measured.sources)
    ids = tuple(i for p in products for i in p.record_ids)
    if ids:
        sources["counts"] = ids
    failures = sum(1 for s in measured.stops if s.is_failure)
    kpis = compute_kpis(
        measured.elements, sum_counts(products), failures, window.duration, convention
    )
    return Evaluation(
        scope=unit.machine_id,
        window=window,
        elements=measured.elements,
        products=products,
        stops=measured.stops,
        kpis=kpis,
        sources=sources,
        parts=(unit.machine_id,),
    )
