"""ISO 22400 time elements of one work unit over a window, from states and the calendar.

Every instant of the window lands in exactly one bucket, decided in this order:

1. ``producing`` / ``setup``: APT / ASUT, always inside PBT. Where nothing was planned
   (outside every shift, or inside a break or planned stop) it is *unplanned overtime*:
   added to POT and PBT and reported as ``overtime``, so availability never exceeds 1.
2. Outside every shift: ``not_planned`` (not part of POT), whatever the machine did.
3. Inside a break / planned stop, or state ``planned_stop``: PDOT.
4. Otherwise the instant is planned busy time (PBT): ``idle`` → ADET; ``down`` → ADET when
   its stop is shorter than the minor-stop threshold, else ADOT; ``offline`` or no data →
   ``unknown``, a data-quality loss that is never guessed to be running or stopped.

So ``window = POT + not_planned``, ``POT = PBT + PDOT`` and
``PBT = APT + ASUT + ADET + ADOT + unknown`` hold exactly.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from itertools import pairwise

from linewise.kpi.calendar import PlannedTime
from linewise.kpi.intervals import ZERO, DisjointIndex, TimeWindow, merge_windows
from linewise.kpi.states import (
    MachineState,
    StateInterval,
    find_runs,
    normalize_states,
)

WORKING = (MachineState.PRODUCING, MachineState.SETUP)


@dataclass(frozen=True, slots=True)
class TimeElements:
    """Time elements as exact durations; derived ones (PBT, ADET, ...) are properties."""

    pot: timedelta = ZERO
    pdot: timedelta = ZERO
    apt: timedelta = ZERO
    asut: timedelta = ZERO
    adot: timedelta = ZERO
    unknown: timedelta = ZERO
    adet_minor_stops: timedelta = ZERO
    adet_idle_short: timedelta = ZERO
    adet_idle_long: timedelta = ZERO
    overtime: timedelta = ZERO
    not_planned: timedelta = ZERO

    @property
    def pbt(self) -> timedelta:
        return self.pot - self.pdot

    @property
    def adet(self) -> timedelta:
        """Minor down stops plus all waiting (idle), as ISO 22400 counts it."""
        return self.adet_minor_stops + self.adet_idle_short + self.adet_idle_long

    @property
    def aupt(self) -> timedelta:
        return self.apt + self.asut

    @property
    def aubt(self) -> timedelta:
        return self.aupt + self.adet

    @property
    def run_time_six_big_losses(self) -> timedelta:
        """Run time when minor stops and short idling count as speed losses (Nakajima)."""
        return self.apt + self.adet_minor_stops + self.adet_idle_short

    @property
    def measured(self) -> timedelta:
        """The window length(s) these elements cover: POT + not planned."""
        return self.pot + self.not_planned

    def __add__(self, other: TimeElements) -> TimeElements:
        return TimeElements(
            *(getattr(self, f.name) + getattr(other, f.name) for f in fields(TimeElements))
        )

    def as_seconds(self) -> dict[str, float]:
        """All elements, stored and derived, in seconds (for reports and explain)."""
        names = ["pot", "pdot", "pbt", "apt", "asut", "aupt", "adet", "adot", "unknown", "aubt"]
        names += ["adet_minor_stops", "adet_idle_short", "adet_idle_long", "overtime"]
        names += ["not_planned", "run_time_six_big_losses"]
        return {n: getattr(self, n).total_seconds() for n in names}


def sum_elements(items: Iterable[TimeElements]) -> TimeElements:
    total = TimeElements()
    for item in items:
        total = total + item
    return total


@dataclass(frozen=True, slots=True)
class StopRecord:
    """A down (or idle) stop seen from one window.

    ``start``/``end`` are the whole stop; ``minor`` compares its whole length with the
    threshold; ``lost`` is its part inside planned busy time *within the window*;
    ``counted`` says the stop starts inside the window, which is where it is counted as
    an event (failure, minor stop) so that counts add up over consecutive windows.
    """

    work_unit: str
    state: MachineState
    start: datetime
    end: datetime
    reason: str | None
    fault: str | None
    minor: bool
    counted: bool
    lost: timedelta
    interval_ids: tuple[str, ...]

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def is_failure(self) -> bool:
        """A counted down stop at or above the minor-stop threshold (MTBF / MTTR)."""
        return self.state is MachineState.DOWN and not self.minor and self.counted

    @property
    def is_minor_stop(self) -> bool:
        return self.state is MachineState.DOWN and self.minor and self.counted


@dataclass(frozen=True, slots=True)
class Measurement:
    elements: TimeElements
    stops: tuple[StopRecord, ...]
    sources: Mapping[str, tuple[str, ...]]


class _Sources:
    def __init__(self) -> None:
        self._items: dict[str, dict[str, None]] = {}

    def add(self, element: str, label: str) -> None:
        self._items.setdefault(element, {})[label] = None

    def frozen(self) -> dict[str, tuple[str, ...]]:
        return {k: tuple(v) for k, v in self._items.items()}


class _StateLookup:
    def __init__(self, states: Sequence[StateInterval]) -> None:
        self._states = states
        self._starts = [s.start for s in states]

    def at(self, instant: datetime) -> StateInterval | None:
        i = bisect_right(self._starts, instant) - 1
        if i >= 0 and instant < self._states[i].end:
            return self._states[i]
        return None


def measure_time_elements(
    states: Iterable[StateInterval],
    planned: PlannedTime,
    window: TimeWindow,
    minor_stop_threshold: timedelta,
    work_unit: str,
) -> Measurement:
    """Time elements, stops and the interval ids behind each element for one work unit.

    ``states`` may extend beyond ``window`` (and should, so that a stop cut by the window
    keeps its whole length); only the part inside the window is measured.
    """
    ordered = normalize_states(states)
    lookup = _StateLookup(ordered)
    shifts = DisjointIndex([s.window for s in planned.shifts])
    planned_down = DisjointIndex([p.window for p in planned.planned_stops])
    runs = find_runs(ordered, MachineState.DOWN) + find_runs(ordered, MachineState.IDLE)
    run_starts = {
        state: sorted((r.start, i) for i, r in enumerate(runs) if r.state is state)
        for state in (MachineState.DOWN, MachineState.IDLE)
    }
    lost = [ZERO] * len(runs)

    def run_of(item: StateInterval) -> int:
        pairs = run_starts[item.state]
        k = bisect_right(pairs, (item.start, len(runs))) - 1
        return pairs[k][1]

    cuts = {window.start, window.end}
    edges = [w for s in planned.shifts for w in (s.start, s.end)]
    edges += [w for p in planned.planned_stops for w in (p.start, p.end)]
    edges += [w for s in ordered for w in (s.start, s.end)]
    cuts.update(t for t in edges if window.start < t < window.end)

    acc: dict[str, timedelta] = {f.name: ZERO for f in fields(TimeElements)}
    sources = _Sources()
    gaps: list[TimeWindow] = []
    for a, b in pairwise(sorted(cuts)):
        span = b - a
        item = lookup.at(a)
        state = item.state if item else MachineState.OFFLINE
        in_shift = shifts.covers(a)
        if state in WORKING:
            element = "apt" if state is MachineState.PRODUCING else "asut"
            acc[element] += span
            acc["pot"] += span
            if not in_shift or planned_down.covers(a):
                acc["overtime"] += span
                _add(sources, "overtime", item)
            _add(sources, element.upper(), item)
            continue
        if not in_shift:
            acc["not_planned"] += span
            continue
        acc["pot"] += span
        if state is MachineState.PLANNED_STOP or planned_down.covers(a):
            acc["pdot"] += span
            if state is MachineState.PLANNED_STOP:
                _add(sources, "PDOT", item)
            continue
        if item is None or state is MachineState.OFFLINE:
            acc["unknown"] += span
            if item is None:
                gaps.append(TimeWindow(a, b))
            else:
                _add(sources, "unknown", item)
            continue
        run = run_of(item)
        lost[run] += span
        short = runs[run].duration < minor_stop_threshold
        if state is MachineState.DOWN:
            acc["adet_minor_stops" if short else "adot"] += span
            _add(sources, "ADET" if short else "ADOT", item)
        else:
            acc["adet_idle_short" if short else "adet_idle_long"] += span
            _add(sources, "ADET", item)

    for gap in merge_windows(gaps):
        sources.add("unknown", f"no data:{gap.label()}")
    for shift in planned.shifts:
        if shift.window.overlap(window):
            sources.add("POT", shift.label)
    shift_windows = DisjointIndex([s.window for s in planned.shifts]).windows
    for stop in planned.planned_stops:
        inside = stop.window.overlap(window)
        if inside and any(inside.overlap(w) for w in shift_windows):
            sources.add("PDOT", stop.label)

    records = tuple(
        StopRecord(
            work_unit,
            r.state,
            r.start,
            r.end,
            r.reason,
            r.fault,
            r.duration < minor_stop_threshold,
            window.contains(r.start),
            lost[i],
            r.interval_ids,
        )
        for i, r in enumerate(runs)
        if r.end > window.start and r.start < window.end
    )
    records = tuple(sorted(records, key=lambda s: (s.start, s.state.value)))
    return Measurement(TimeElements(**acc), records, sources.frozen())


def _add(sources: _Sources, element: str, item: StateInterval | None) -> None:
    if item is not None:
        sources.add(element, item.label)


__all__ = [
    "Measurement",
    "StopRecord",
    "TimeElements",
    "measure_time_elements",
    "sum_elements",
]
