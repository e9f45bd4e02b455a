"""Aggregation, line OEE, trends, Pareto and explain on small hand-checked cases."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from linewise.kpi import (
    UNASSIGNED,
    BucketSize,
    Convention,
    ParetoMeasure,
    WorkUnitData,
    aggregate,
    buckets,
    by_line,
    by_machine,
    by_shift,
    evaluate_line,
    evaluate_machine,
    expand_calendar,
    explain,
    explain_line,
    pareto,
    site_day,
    station_ideal_cycle_s,
    trend,
)
from tests.unit.kpi.builders import BERLIN, calendar, count, minutes, shift, timeline, window

DAY = "2026-03-02"
CAL = calendar(shift("A", "06:00", "14:00", frozenset({0, 1, 2, 3, 4})))
SHIFT = window(DAY, "05:00", "13:00")


def test_aggregate_weights_by_time_not_by_percentage() -> None:
    planned = expand_calendar(CAL, SHIFT)
    # m1 planned the whole 8 h shift and produced 4 h; m2 only 1 h of it (7 h planned stop).
    m1 = WorkUnitData(
        "m1", timeline(DAY, ("05:00", "09:00", "producing", None), ("09:00", "13:00", "down", "x"))
    )
    m2 = WorkUnitData(
        "m2",
        timeline(
            DAY, ("05:00", "06:00", "producing", None), ("06:00", "13:00", "planned_stop", None)
        ),
    )
    a = evaluate_machine(m1, planned, SHIFT)
    b = evaluate_machine(m2, planned, SHIFT)
    assert (a.kpis.availability, b.kpis.availability) == (0.5, 1.0)
    both = aggregate([a, b], "line-1")
    assert both.kpis.availability == pytest.approx(5 / 9)  # not (0.5 + 1) / 2
    assert both.parts == ("m1", "m2")
    assert both.elements.pbt == a.elements.pbt + b.elements.pbt


def test_line_oee_is_output_based_beside_station_figures() -> None:
    planned = expand_calendar(CAL, SHIFT)
    line_cycle = {"P1": 20.0}
    running = timeline(DAY, ("05:00", "13:00", "producing", None))
    printer = WorkUnitData(
        "printer",
        running,
        (count(DAY, "06:00", "P1", 1300, 1290),),
        {"P1": station_ideal_cycle_s(20.0, 0.5)},
    )
    pnp = WorkUnitData("pnp", running, (count(DAY, "06:00", "P1", 1290, 1280),), {"P1": 20.0})
    aoi = WorkUnitData(
        "aoi",
        running,
        (count(DAY, "06:00", "P1", 1280, 1200),),
        {"P1": station_ideal_cycle_s(20.0, 0.8)},
    )
    stations = [evaluate_machine(u, planned, SHIFT) for u in (printer, pnp, aoi)]
    line = evaluate_line("smt-1", stations, line_cycle)
    assert line.oee == pytest.approx(1200 * 20 / (8 * 3600))
    assert line.good_out == {"P1": 1200}
    assert [s.scope for s in line.stations] == ["printer", "pnp", "aoi"]
    assert line.combined.kpis.oee == pytest.approx(
        (1290 * 10 + 1280 * 20 + 1200 * 16) / (3 * 8 * 3600)
    )
    data = explain_line(line)
    assert data["oee_output_based"] == line.oee
    json.dumps(data)


def test_hourly_buckets_follow_the_site_clock_on_dst_days() -> None:
    spring = site_day(BERLIN, date(2026, 3, 29))
    autumn = site_day(BERLIN, date(2026, 10, 25))
    assert len(buckets(CAL, spring, BucketSize.HOUR)) == 23
    assert len(buckets(CAL, autumn, BucketSize.HOUR)) == 25
    labels = [label for label, _ in buckets(CAL, spring, BucketSize.HOUR)][:4]
    assert labels == [
        "2026-03-29T00:00+01:00",
        "2026-03-29T01:00+01:00",
        "2026-03-29T03:00+02:00",
        "2026-03-29T04:00+02:00",
    ]


def test_daily_trend_sums_to_the_whole_window_across_midnight() -> None:
    # Night shift Monday 22:00 local; a 60-minute stop crosses local midnight (23:00 UTC).
    cal = calendar(shift("N", "22:00", "06:00"))
    states = timeline(
        DAY,
        ("21:00", "22:30", "producing", None),
        ("22:30", "23:30", "down", "oven"),
        ("23:30", "05:00", "producing", None),
    )
    counts = (count(DAY, "22:00", "P1", 100, 99), count("2026-03-03", "02:00", "P1", 300, 290))
    unit = WorkUnitData("oven", states, counts, {"P1": 60.0})
    whole = window("2026-03-01", "23:00", "23:00", "2026-03-03")
    days = trend([unit], cal, whole, BucketSize.DAY, "oven")
    assert [p.label for p in days] == ["2026-03-02", "2026-03-03"]
    monday, tuesday = (p.evaluation for p in days)
    assert (minutes(monday.elements.adot), minutes(tuesday.elements.adot)) == (30, 30)
    assert (monday.failures, tuesday.failures) == (1, 0)
    total = aggregate([p.evaluation for p in days], "oven")
    direct = evaluate_machine(unit, expand_calendar(cal, whole), whole)
    assert total.elements == direct.elements
    assert total.kpis.oee == pytest.approx(direct.kpis.oee)
    assert total.failures == direct.failures == 1
    assert total.stops == direct.stops  # the stop cut by midnight is one record again
    assert whole.duration == timedelta(days=2)
    shifts = trend([unit], cal, whole, BucketSize.SHIFT, "oven")
    assert [p.label for p in shifts] == ["N@2026-03-01", "N@2026-03-02", "N@2026-03-03"]


def test_pareto_by_duration_and_count_with_unassigned() -> None:
    planned = expand_calendar(CAL, SHIFT)
    states = timeline(
        DAY,
        ("05:00", "06:00", "down", "feeder"),  # 60 min
        ("06:00", "07:00", "producing", None),
        ("07:00", "07:01", "down", "nozzle"),  # 1 min (minor)
        ("07:01", "08:00", "producing", None),
        ("08:00", "08:01", "down", "nozzle"),  # 1 min (minor)
        ("08:01", "09:00", "producing", None),
        ("09:00", "09:20", "down", None),  # 20 min, no reason
        ("09:20", "13:00", "producing", None),
    )
    result = evaluate_machine(WorkUnitData("pnp", states), planned, SHIFT)
    rows = pareto(result.stops)
    assert [(r.key, r.duration_s, r.count) for r in rows] == [
        ("feeder", 3600.0, 1),
        (UNASSIGNED, 1200.0, 1),
        ("nozzle", 120.0, 2),
    ]
    assert rows[-1].cumulative_share == pytest.approx(1.0)
    assert rows[0].share == pytest.approx(3600 / 4920)
    by_count = pareto(result.stops, measure=ParetoMeasure.COUNT)
    assert [r.key for r in by_count] == ["nozzle", "feeder", UNASSIGNED]
    assert [r.key for r in pareto(result.stops, include_minor=False)] == ["feeder", UNASSIGNED]
    assert pareto(result.stops, by_machine)[0].key == "pnp"
    assert pareto(result.stops, by_line({"pnp": "smt-1"}))[0].key == "smt-1"
    assert pareto(result.stops, by_shift(CAL))[0].key == "A@2026-03-02"
    minutes_lost = sum(r.duration_s for r in rows) / 60
    assert minutes_lost == minutes(result.elements.adot + result.elements.adet_minor_stops)


def test_explain_names_formulas_convention_and_sources() -> None:
    states = timeline(DAY, ("05:00", "12:00", "producing", None), ("12:00", "13:00", "down", "x"))
    counts = (count(DAY, "06:00", "P1", 100, 95), count(DAY, "07:00", "P2", 10, 10))
    unit = WorkUnitData("pnp", states, counts, {"P1": 60.0, "P2": 120.0})
    result = evaluate_machine(unit, expand_calendar(CAL, SHIFT), SHIFT, Convention.SIX_BIG_LOSSES)
    data = explain(result)
    json.dumps(data)
    assert data["convention"] == "six_big_losses"
    assert data["formulas"]["oee"] == "Σ(PRU × GQ) / PBT"
    assert data["time_elements_s"]["pbt"] == 8 * 3600
    assert [(p["product"], p["PRU_s"]) for p in data["products"]] == [("P1", 60.0), ("P2", 120.0)]
    assert data["sources"]["APT"] == ["s1"]
    assert data["sources"]["ADOT"] == ["s2"]
    assert data["sources"]["POT"] == ["A@2026-03-02"]
    assert data["sources"]["counts"] == ["c-P1-06:00", "c-P2-07:00"]
    assert data["kpis"]["oee"] == pytest.approx((95 * 60 + 10 * 120) / (8 * 3600))
