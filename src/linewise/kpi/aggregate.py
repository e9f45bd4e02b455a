"""Rolling KPIs up: machines → line → area → site, shifts → days → weeks, and trends.

Aggregates add time elements and counts and compute the KPIs once from the sums, so a
machine that was planned for 8 hours weighs 8 times more than one planned for 1 hour.
Averaging percentages would not, and is never done here.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from linewise.kpi.calendar import (
    CalendarSpec,
    PlannedStop,
    expand_calendar,
    site_date_of,
    site_day,
)
from linewise.kpi.counts import merge_products
from linewise.kpi.elements import StopRecord, sum_elements
from linewise.kpi.evaluate import Evaluation, WorkUnitData, evaluate_machine
from linewise.kpi.formulas import Convention, ratio
from linewise.kpi.intervals import TimeWindow, hull
from linewise.kpi.states import MachineState, StateInterval, normalize_states

STOP_STATES = (MachineState.DOWN, MachineState.IDLE)


def merge_stops(stops: Iterable[StopRecord]) -> tuple[StopRecord, ...]:
    """One record per stop: pieces of a stop seen from consecutive windows are joined."""
    merged: dict[tuple[str, str, datetime, datetime], StopRecord] = {}
    for stop in stops:
        key = (stop.work_unit, stop.state.value, stop.start, stop.end)
        seen = merged.get(key)
        merged[key] = (
            replace(seen, lost=seen.lost + stop.lost, counted=seen.counted or stop.counted)
            if seen
            else stop
        )
    return tuple(sorted(merged.values(), key=lambda s: (s.start, s.work_unit, s.state.value)))


def aggregate(
    evaluations: Sequence[Evaluation],
    scope: str,
    convention: Convention | None = None,
) -> Evaluation:
    """One evaluation over several machines and/or consecutive windows.

    The window is the hull of the parts' windows (throughput is per hour of it); the
    convention is the parts' one unless given.
    """
    if not evaluations:
        raise ValueError(f"nothing to aggregate for {scope!r}")
    sources: dict[str, dict[str, None]] = {}
    for e in evaluations:
        for element, labels in e.sources.items():
            bucket = sources.setdefault(element, {})
            bucket.update(dict.fromkeys(labels))
    parts = dict.fromkeys(p for e in evaluations for p in e.parts)
    draft = Evaluation(
        scope=scope,
        window=hull(e.window for e in evaluations),
        elements=sum_elements(e.elements for e in evaluations),
        products=merge_products(p for e in evaluations for p in e.products),
        stops=merge_stops(s for e in evaluations for s in e.stops),
        kpis=evaluations[0].kpis,
        sources={k: tuple(v) for k, v in sources.items()},
        parts=tuple(parts),
        rolled_failures=sum(e.rolled_failures for e in evaluations),
        rolled_minor_stops=sum(e.rolled_minor_stops for e in evaluations),
    )
    return draft.in_convention(convention or evaluations[0].convention)


@dataclass(frozen=True, slots=True)
class LineEvaluation:
    """Output-based line OEE beside the stations' own figures.

    ``oee`` = Σ(line PRU × good units out of the last station) / line PBT, where the line
    PBT is the largest station PBT (the line is planned busy while any station is).
    ``stations`` keeps each station's evaluation so the constraint stays visible;
    ``combined`` is the time-weighted sum over the stations.
    """

    line_id: str
    window: TimeWindow
    oee: float | None
    pbt: timedelta
    good_out: Mapping[str, int] = field(hash=False)
    ideal_cycle_s: Mapping[str, float] = field(hash=False)
    stations: tuple[Evaluation, ...]
    combined: Evaluation

    @property
    def convention(self) -> Convention:
        return self.combined.convention


def evaluate_line(
    line_id: str,
    stations: Sequence[Evaluation],
    line_ideal_cycle_s: Mapping[str, float],
) -> LineEvaluation:
    """Line OEE from the last station's good output; ``stations`` in flow order."""
    if not stations:
        raise ValueError(f"line {line_id!r} has no stations")
    last = stations[-1]
    good_out: dict[str, int] = {}
    for row in last.products:
        good_out[row.product] = good_out.get(row.product, 0) + row.good
    missing = sorted(p for p, n in good_out.items() if n and p not in line_ideal_cycle_s)
    if missing:
        raise ValueError(f"no line ideal cycle time for {', '.join(missing)} on {line_id!r}")
    ideal_good = sum(line_ideal_cycle_s[p] * n for p, n in good_out.items() if n)
    pbt = max(s.elements.pbt for s in stations)
    combined = aggregate(stations, line_id)
    return LineEvaluation(
        line_id=line_id,
        window=combined.window,
        oee=ratio(ideal_good, pbt.total_seconds()),
        pbt=pbt,
        good_out=good_out,
        ideal_cycle_s=dict(line_ideal_cycle_s),
        stations=tuple(stations),
        combined=combined,
    )


class BucketSize(StrEnum):
    HOUR = "hour"
    SHIFT = "shift"
    DAY = "day"


def buckets(
    calendar: CalendarSpec, window: TimeWindow, size: BucketSize
) -> list[tuple[str, TimeWindow]]:
    """Labelled sub-windows of ``window``: site-local hours or days, or the shifts.

    Hours and days follow the site's wall clock (a DST day has 23 or 25 hourly buckets);
    shift buckets are the planned shifts clipped to the window, so time outside every
    shift (and overtime in it) belongs to no shift bucket.
    """
    zone = calendar.zone
    result: list[tuple[str, TimeWindow]] = []
    if size is BucketSize.SHIFT:
        for shift in expand_calendar(calendar, window).shifts:
            part = shift.window.overlap(window)
            if part:
                result.append((shift.label, part))
        return result
    if size is BucketSize.DAY:
        day = site_date_of(calendar.timezone, window.start)
        while True:
            part = site_day(calendar.timezone, day).overlap(window)
            if part is None:
                break
            result.append((day.isoformat(), part))
            day += timedelta(days=1)
        return result
    local = window.start.astimezone(zone)
    start = window.start - timedelta(
        minutes=local.minute, seconds=local.second, microseconds=local.microsecond
    )
    while start < window.end:
        part = TimeWindow(start, start + timedelta(hours=1)).overlap(window)
        if part:
            result.append((part.start.astimezone(zone).isoformat(timespec="minutes"), part))
        start += timedelta(hours=1)
    return result


@dataclass(frozen=True, slots=True)
class TrendPoint:
    label: str
    window: TimeWindow
    evaluation: Evaluation


def trend(
    units: Sequence[WorkUnitData],
    calendar: CalendarSpec,
    window: TimeWindow,
    size: BucketSize,
    scope: str,
    convention: Convention = Convention.ISO_22400,
    planned_stops: Sequence[PlannedStop] = (),
) -> list[TrendPoint]:
    """KPIs of ``units`` (summed) per hour, shift or site-local day of ``window``."""
    planned = expand_calendar(calendar, window, planned_stops)
    prepared = [StatesNear(u.states) for u in units]
    points: list[TrendPoint] = []
    for label, part in buckets(calendar, window, size):
        evaluations = [
            evaluate_machine(replace(u, states=near.around(part)), planned, part, convention)
            for u, near in zip(units, prepared, strict=True)
        ]
        points.append(TrendPoint(label, part, aggregate(evaluations, scope, convention)))
    return points


class StatesNear:
    """Hands each bucket only the states it needs, so trends stay linear in buckets.

    A bucket needs the states overlapping it plus the rest of any stop it cuts (a stop is
    classified by its whole length).
    """

    def __init__(self, states: Iterable[StateInterval]) -> None:
        self._states = normalize_states(states)
        self._starts = [s.start for s in self._states]

    def _same_stop(self, i: int, j: int) -> bool:
        a, b = self._states[i], self._states[j]
        return a.state is b.state and a.state in STOP_STATES and a.end == b.start

    def around(self, part: TimeWindow) -> tuple[StateInterval, ...]:
        lo = max(bisect_right(self._starts, part.start) - 1, 0)
        hi = bisect_left(self._starts, part.end)
        while lo > 0 and self._same_stop(lo - 1, lo):
            lo -= 1
        while 0 < hi < len(self._states) and self._same_stop(hi - 1, hi):
            hi += 1
        return self._states[lo:hi]
