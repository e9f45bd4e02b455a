"""Properties that must hold for any timeline, calendar and counts."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from linewise.kpi import (
    BreakSpec,
    BucketSize,
    CalendarSpec,
    Convention,
    CountRecord,
    MachineState,
    PlannedShift,
    PlannedStop,
    PlannedTime,
    ShiftSpec,
    StateInterval,
    TimeWindow,
    WorkUnitData,
    aggregate,
    evaluate_machine,
    expand_calendar,
    site_day,
    trend,
)

BASE = datetime(2026, 3, 2, tzinfo=UTC)
WINDOW = TimeWindow(BASE, BASE + timedelta(hours=12))
PRODUCTS = ("P1", "P2", "P3")
STATES = [*MachineState, None]  # None: a gap without data
FAST = settings(max_examples=120, deadline=None)


def at(seconds: int) -> datetime:
    return BASE + timedelta(seconds=seconds)


@st.composite
def planned_times(draw: st.DrawFn) -> PlannedTime:
    shifts = []
    for n in range(draw(st.integers(0, 3))):
        start = draw(st.integers(-3600, 12 * 3600))
        length = draw(st.integers(60, 6 * 3600))
        shifts.append(PlannedShift(f"S{n}", date(2026, 3, 2), at(start), at(start + length)))
    stops = []
    for n in range(draw(st.integers(0, 3))):
        start = draw(st.integers(-3600, 12 * 3600))
        length = draw(st.integers(60, 3600))
        stops.append(PlannedStop(at(start), at(start + length), id=f"pm{n}"))
    return PlannedTime(WINDOW, tuple(shifts), tuple(stops))


@st.composite
def timelines(draw: st.DrawFn) -> tuple[StateInterval, ...]:
    """Back-to-back states from an hour before the window on, with gaps (state None)."""
    segments = draw(
        st.lists(
            st.tuples(
                st.integers(1, 7200),
                st.sampled_from(STATES),
                st.sampled_from([None, "jam", "starved"]),
            ),
            max_size=24,
        )
    )
    t = -3600
    result = []
    for length, state, reason in segments:
        if state is not None:
            result.append(StateInterval(at(t), at(t + length), state, reason, id=f"s{t}"))
        t += length
    return tuple(result)


@st.composite
def units(draw: st.DrawFn, machine_id: str = "m1") -> WorkUnitData:
    counts = []
    for n in range(draw(st.integers(0, 6))):
        produced = draw(st.integers(0, 2000))
        good = draw(st.integers(0, produced))
        inspected = draw(st.integers(0, produced))
        counts.append(
            CountRecord(
                at(draw(st.integers(0, 12 * 3600 - 1))),
                draw(st.sampled_from(PRODUCTS)),
                produced,
                good,
                scrap=draw(st.integers(0, produced - good)),
                inspected=inspected,
                first_pass_good=draw(st.integers(0, inspected)),
                id=f"c{n}",
            )
        )
    prus = {p: draw(st.floats(0.5, 120.0)) for p in PRODUCTS}
    threshold = draw(st.sampled_from([0.0, 60.0, 120.0, 900.0]))
    return WorkUnitData(machine_id, draw(timelines()), tuple(counts), prus, threshold)


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@FAST
@given(units(), planned_times())
def test_time_elements_partition_the_window(unit: WorkUnitData, planned: PlannedTime) -> None:
    e = evaluate_machine(unit, planned, WINDOW).elements
    assert e.pot + e.not_planned == WINDOW.duration
    assert e.pbt + e.pdot == e.pot
    assert e.apt + e.asut + e.adet + e.adot + e.unknown == e.pbt
    assert e.aubt == e.aupt + e.adet
    assert e.overtime <= e.aupt
    assert min(e.as_seconds().values()) >= 0


@FAST
@given(units(), planned_times(), st.sampled_from(list(Convention)))
def test_oee_is_ideal_good_time_over_pbt_and_the_product_of_its_factors(
    unit: WorkUnitData, planned: PlannedTime, convention: Convention
) -> None:
    result = evaluate_machine(unit, planned, WINDOW, convention)
    k = result.kpis
    assert k.convention is convention
    ideal_good = sum(p.ideal_cycle_s * p.good for p in result.products)
    pbt = result.elements.pbt.total_seconds()
    assert close(k.oee, ideal_good / pbt if pbt else None)
    if k.factor_product() is not None:
        assert close(k.factor_product(), k.oee)
    other = result.in_convention(
        Convention.ISO_22400
        if convention is Convention.SIX_BIG_LOSSES
        else Convention.SIX_BIG_LOSSES
    )
    assert close(other.kpis.oee, k.oee)


@FAST
@given(units(), planned_times(), st.sampled_from(list(Convention)))
def test_factors_stay_between_zero_and_one_except_effectiveness(
    unit: WorkUnitData, planned: PlannedTime, convention: Convention
) -> None:
    k = evaluate_machine(unit, planned, WINDOW, convention).kpis
    bounded = [
        k.availability,
        k.quality_ratio,
        k.quality_ratio_time_weighted,
        k.technical_efficiency,
        k.setup_rate,
        k.allocation_efficiency,
        k.scrap_ratio,
        k.rework_ratio,
        k.first_pass_yield,
    ]
    for value in bounded:
        assert value is None or 0.0 <= value <= 1.0 + 1e-12
    assert k.effectiveness is None or k.effectiveness >= 0.0


@FAST
@given(units(), planned_times(), st.lists(st.integers(1, 12 * 3600 - 1), max_size=4, unique=True))
def test_consecutive_windows_add_up_to_the_whole(
    unit: WorkUnitData, planned: PlannedTime, cuts: list[int]
) -> None:
    edges = [WINDOW.start, *(at(c) for c in sorted(cuts)), WINDOW.end]
    parts = [evaluate_machine(unit, planned, TimeWindow(a, b)) for a, b in pairwise(edges)]
    whole = evaluate_machine(unit, planned, WINDOW)
    total = aggregate(parts, "m1")
    assert total.elements == whole.elements
    assert total.counts.produced == whole.counts.produced
    assert total.failures == whole.failures and total.minor_stops == whole.minor_stops
    assert total.stops == whole.stops
    assert close(total.kpis.oee, whole.kpis.oee)
    assert close(total.kpis.availability, whole.kpis.availability)
    assert close(total.kpis.mttr_s, whole.kpis.mttr_s)


@FAST
@given(units("m1"), units("m2"), planned_times())
def test_machine_aggregate_is_the_time_weighted_sum(
    a: WorkUnitData, b: WorkUnitData, planned: PlannedTime
) -> None:
    ea, eb = evaluate_machine(a, planned, WINDOW), evaluate_machine(b, planned, WINDOW)
    both = aggregate([ea, eb], "line")
    pbt = (ea.elements.pbt + eb.elements.pbt).total_seconds()
    apt = (ea.elements.apt + eb.elements.apt).total_seconds()
    ideal_good = ea.counts.ideal_good_s + eb.counts.ideal_good_s
    assert both.elements == ea.elements + eb.elements
    assert close(both.kpis.oee, ideal_good / pbt if pbt else None)
    assert close(both.kpis.availability, apt / pbt if pbt else None)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata"]),
    st.dates(date(2025, 1, 1), date(2027, 12, 31)),
)
def test_a_night_shift_lasts_its_wall_clock_length_give_or_take_a_dst_hour(
    tz: str, day: date
) -> None:
    cal = CalendarSpec(tz, (ShiftSpec("N", time(22), time(6), frozenset(range(7))),))
    planned = expand_calendar(cal, site_day(tz, day))
    night = next(s for s in planned.shifts if s.day == day)
    day_length = site_day(tz, day + timedelta(days=1)).duration
    assert night.window.duration in {timedelta(hours=h) for h in (7, 8, 9)}
    assert night.window.duration - timedelta(hours=8) == day_length - timedelta(hours=24) or (
        night.window.duration == timedelta(hours=8)
    )


TWO_SHIFTS = CalendarSpec(
    "Europe/Berlin",
    (
        ShiftSpec("A", time(6), time(14), frozenset(range(7)), (BreakSpec(time(10), 30),)),
        ShiftSpec("B", time(14), time(22), frozenset(range(7))),
    ),
)


@FAST
@given(units(), st.sampled_from([BucketSize.HOUR, BucketSize.DAY]))
def test_hourly_and_daily_trends_add_up_to_the_window(unit: WorkUnitData, size: BucketSize) -> None:
    points = trend([unit], TWO_SHIFTS, WINDOW, size, "m1")
    whole = evaluate_machine(unit, expand_calendar(TWO_SHIFTS, WINDOW), WINDOW)
    total = aggregate([p.evaluation for p in points], "m1")
    assert total.elements == whole.elements
    assert total.stops == whole.stops
    assert total.products == whole.products
