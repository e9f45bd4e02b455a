"""Hand-computed machine cases: every number below is worked out in the comments."""

from __future__ import annotations

from datetime import timedelta

import pytest

from linewise.kpi import (
    Convention,
    MissingIdealCycleTime,
    PlannedStop,
    WorkUnitData,
    evaluate_machine,
    expand_calendar,
)
from tests.unit.kpi.builders import calendar, count, minutes, shift, timeline, utc, window

DAY = "2026-03-02"  # a Monday, Berlin is UTC+1: shift A 06:00-14:00 local = 05:00-13:00 UTC
CAL = calendar(shift("A", "06:00", "14:00", frozenset({0, 1, 2, 3, 4}), b1000=30))
SHIFT = window(DAY, "05:00", "13:00")

STATES = timeline(
    DAY,
    ("05:00", "05:20", "setup", None),  # 20 ASUT
    ("05:20", "07:00", "producing", None),  # 100 APT
    ("07:00", "07:01", "down", "jam"),  # 1 minor stop -> ADET
    ("07:01", "08:00", "producing", None),  # 59 APT
    ("08:00", "08:01", "idle", "blocked"),  # 1 short idle -> ADET
    ("08:01", "09:00", "producing", None),  # 59 APT
    ("09:00", "09:30", "planned_stop", "break"),  # 30 PDOT (the calendar break)
    ("09:30", "10:00", "idle", "starved"),  # 30 long idle -> ADET
    ("10:00", "10:45", "down", "motor"),  # 45 ADOT, one failure
    ("10:45", "12:00", "producing", None),  # 75 APT
    ("12:00", "12:30", "offline", None),  # 30 unknown
    # 12:30-13:00 no data at all: 30 unknown
)
COUNTS = (
    # P1 PRU 30 s: PQ 300, GQ 285 -> 9000 s ideal, 8550 s good
    count(DAY, "07:00", "P1", 300, 285, scrap=10, rework=5, inspected=300, first_pass_good=270),
    # P2 PRU 60 s: PQ 100, GQ 90 -> 6000 s ideal, 5400 s good
    count(DAY, "11:00", "P2", 100, 90, scrap=10, inspected=100, first_pass_good=90),
    count(DAY, "13:30", "P2", 50, 50),  # after the window: not counted
)
UNIT = WorkUnitData("pp1", STATES, COUNTS, {"P1": 30.0, "P2": 60.0}, 120.0)


def test_time_elements_by_hand() -> None:
    result = evaluate_machine(UNIT, expand_calendar(CAL, SHIFT), SHIFT)
    e = result.elements
    got = {k: minutes(getattr(e, k)) for k in ("pot", "pdot", "pbt", "apt", "asut", "aupt")}
    assert got == {"pot": 480, "pdot": 30, "pbt": 450, "apt": 293, "asut": 20, "aupt": 313}
    assert minutes(e.adet) == 32  # 1 minor stop + 1 short idle + 30 long idle
    assert (minutes(e.adet_minor_stops), minutes(e.adet_idle_short)) == (1, 1)
    assert minutes(e.adet_idle_long) == 30
    assert minutes(e.adot) == 45
    assert minutes(e.unknown) == 60  # offline and no data are both unknown
    assert minutes(e.aubt) == 345
    assert minutes(e.overtime) == 0
    assert (result.failures, result.minor_stops) == (1, 1)


def test_iso_kpis_by_hand() -> None:
    result = evaluate_machine(UNIT, expand_calendar(CAL, SHIFT), SHIFT)
    k = result.kpis
    assert k.convention is Convention.ISO_22400
    assert k.availability == pytest.approx(293 / 450)
    assert k.effectiveness == pytest.approx(250 / 293)  # Σ PRU×PQ = 15000 s = 250 min
    assert k.quality_ratio == pytest.approx(375 / 400)
    assert k.quality_ratio_time_weighted == pytest.approx(13950 / 15000)
    assert k.oee == pytest.approx(232.5 / 450)  # Σ PRU×GQ = 13950 s = 232.5 min
    assert k.nee == pytest.approx(313 / 450 * 250 / 293 * 375 / 400)
    assert k.technical_efficiency == pytest.approx(293 / 325)
    assert k.setup_rate == pytest.approx(20 / 313)
    assert k.allocation_efficiency == pytest.approx(345 / 450)
    assert k.throughput_rate_per_hour == pytest.approx(400 / 8)
    assert k.scrap_ratio == pytest.approx(20 / 400)
    assert k.rework_ratio == pytest.approx(5 / 400)
    assert k.first_pass_yield == pytest.approx(360 / 400)
    assert k.mtbf_s == pytest.approx((293 + 20 + 32) * 60)
    assert k.mttr_s == pytest.approx(45 * 60)


def test_six_big_losses_moves_minor_stops_to_performance_and_keeps_oee() -> None:
    iso = evaluate_machine(UNIT, expand_calendar(CAL, SHIFT), SHIFT)
    six = iso.in_convention(Convention.SIX_BIG_LOSSES)
    # run time = PBT - ADOT - ASUT - long idle - unknown = 450 - 45 - 20 - 30 - 60 = 295
    assert six.kpis.convention is Convention.SIX_BIG_LOSSES
    assert six.kpis.availability == pytest.approx(295 / 450)
    assert six.kpis.effectiveness == pytest.approx(250 / 295)
    assert six.kpis.oee == pytest.approx(iso.kpis.oee)
    assert six.kpis.factor_product() == pytest.approx(six.kpis.oee)
    assert iso.kpis.factor_product() == pytest.approx(iso.kpis.oee)


def test_unplanned_overtime_is_added_to_pot_so_availability_stays_at_most_one() -> None:
    states = timeline(
        DAY,
        ("05:00", "09:00", "producing", None),
        ("09:00", "09:30", "producing", None),  # works through the break: overtime
        ("09:30", "13:00", "producing", None),
        ("13:00", "14:00", "producing", None),  # after the shift: overtime
        ("14:00", "15:00", "idle", "no_order"),  # outside the calendar: not planned
    )
    unit = WorkUnitData("pp1", states)
    wide = window(DAY, "04:00", "16:00")
    result = evaluate_machine(unit, expand_calendar(CAL, wide), wide)
    e = result.elements
    assert minutes(e.overtime) == 90
    assert minutes(e.pot) == 480 + 60  # the break stays in POT, as production now
    assert minutes(e.pdot) == 0
    assert minutes(e.pbt) == minutes(e.apt) == 540
    assert minutes(e.not_planned) == 12 * 60 - 540
    assert result.kpis.availability == 1.0


def test_offline_gap_is_unknown_never_running_or_stopped() -> None:
    states = timeline(DAY, ("05:00", "07:00", "producing", None), ("09:30", "13:00", "idle", None))
    result = evaluate_machine(WorkUnitData("pp1", states), expand_calendar(CAL, SHIFT), SHIFT)
    e = result.elements
    assert minutes(e.unknown) == 120  # 07:00-09:00; the break 09:00-09:30 is PDOT anyway
    assert minutes(e.pdot) == 30
    assert result.sources["unknown"] == (
        "no data:2026-03-02T07:00:00+00:00/2026-03-02T09:00:00+00:00",
    )


def test_down_stop_crossing_the_window_keeps_its_whole_length() -> None:
    # A 3-minute stop (threshold 2 min) cut by the window end at 07:00: 1.5 min inside.
    states = timeline(
        DAY,
        ("05:00", "06:58:30", "producing", None),
        ("06:58:30", "07:01:30", "down", "nozzle"),
        ("07:01:30", "13:00", "producing", None),
    )
    unit = WorkUnitData("pp1", states)
    planned = expand_calendar(CAL, SHIFT)
    first = evaluate_machine(unit, planned, window(DAY, "05:00", "07:00"))
    second = evaluate_machine(unit, planned, window(DAY, "07:00", "13:00"))
    assert first.elements.adot == second.elements.adot == timedelta(seconds=90)
    assert first.failures == 1 and second.failures == 0  # counted where it starts
    assert first.elements.adet == second.elements.adet == timedelta(0)


def test_consecutive_down_intervals_are_one_stop() -> None:
    # Two 1.5-minute down intervals back to back: one 3-minute stop, not two minor stops.
    states = timeline(
        DAY,
        ("05:00", "06:00", "producing", None),
        ("06:00", "06:01:30", "down", None),
        ("06:01:30", "06:03", "down", "feeder"),
        ("06:03", "13:00", "producing", None),
    )
    result = evaluate_machine(WorkUnitData("pp1", states), expand_calendar(CAL, SHIFT), SHIFT)
    (stop,) = result.stops
    assert stop.reason == "feeder" and stop.interval_ids == ("s2", "s3")
    assert (result.failures, result.minor_stops) == (1, 0)
    assert minutes(result.elements.adot) == 3


def test_planned_maintenance_is_pdot() -> None:
    pm = PlannedStop(utc(DAY, "05:00"), utc(DAY, "06:00"), id="pm-7")
    states = timeline(
        DAY,
        ("05:00", "06:00", "down", "pm"),
        ("06:00", "09:00", "producing", None),
        ("09:30", "13:00", "producing", None),  # 09:00-09:30 no data, but it is the break
    )
    planned = expand_calendar(CAL, SHIFT).with_planned_stops([pm])
    result = evaluate_machine(WorkUnitData("pp1", states), planned, SHIFT)
    assert minutes(result.elements.pdot) == 90  # maintenance + break
    assert minutes(result.elements.adot) == 0
    assert minutes(result.elements.unknown) == 0
    assert "pm-7" in result.sources["PDOT"]


def test_autumn_dst_night_shift_has_nine_hours_of_pot() -> None:
    # Night of 24/25 October 2026: 22:00 CEST (20:00 UTC) to 06:00 CET (05:00 UTC).
    cal = calendar(shift("N", "22:00", "06:00", b0200=30))
    night = window("2026-10-24", "18:00", "08:00", "2026-10-25")
    states = timeline("2026-10-24", ("20:00", "05:00", "producing", None))
    result = evaluate_machine(WorkUnitData("reflow", states), expand_calendar(cal, night), night)
    # The 02:00 break is the first 02:00 (CEST, 00:00 UTC); worked through, so overtime.
    assert minutes(result.elements.pot) == 9 * 60
    assert minutes(result.elements.overtime) == 30
    assert minutes(result.elements.not_planned) == 14 * 60 - 9 * 60


def test_overlapping_state_reports_let_the_later_one_win() -> None:
    states = timeline(
        DAY,
        ("05:00", "09:00", "producing", None),
        ("08:00", "09:00", "down", "late report"),  # overlaps the last hour of producing
        ("09:30", "13:00", "producing", None),
    )
    result = evaluate_machine(WorkUnitData("pp1", states), expand_calendar(CAL, SHIFT), SHIFT)
    assert minutes(result.elements.apt) == 180 + 210
    assert minutes(result.elements.adot) == 60


def test_night_shift_across_midnight_and_dst_change() -> None:
    # Night of 28/29 March 2026 in Berlin: 22:00 CET (21:00 UTC) to 06:00 CEST (04:00 UTC).
    cal = calendar(shift("N", "22:00", "06:00"))
    night = window("2026-03-28", "21:00", "04:00", "2026-03-29")
    states = timeline(
        "2026-03-28",
        ("21:00", "22:30", "producing", None),
        ("22:30", "23:30", "down", "oven"),  # crosses local midnight (23:00 UTC)
        ("23:30", "04:00", "producing", None),
    )
    result = evaluate_machine(WorkUnitData("reflow", states), expand_calendar(cal, night), night)
    assert minutes(result.elements.pot) == 7 * 60
    assert minutes(result.elements.adot) == 60
    assert result.kpis.availability == pytest.approx(6 / 7)


def test_ratios_with_zero_denominator_are_none() -> None:
    result = evaluate_machine(WorkUnitData("pp1"), expand_calendar(CAL, SHIFT), SHIFT)
    k = result.kpis
    assert k.availability == 0.0  # PBT is the shift, APT nothing
    assert k.effectiveness is None and k.quality_ratio is None and k.mtbf_s is None
    idle = window("2026-03-07", "05:00", "13:00")  # Saturday: nothing planned
    weekend = evaluate_machine(WorkUnitData("pp1"), expand_calendar(CAL, idle), idle)
    assert weekend.kpis.availability is None and weekend.kpis.oee is None


def test_effectiveness_above_one_is_reported_not_clamped() -> None:
    states = timeline(DAY, ("05:00", "13:00", "producing", None))
    counts = (count(DAY, "06:00", "P1", 1200, 1200),)  # 1200 × 30 s = 10 h ideal in 8 h
    unit = WorkUnitData("pp1", states, counts, {"P1": 30.0})
    result = evaluate_machine(unit, expand_calendar(CAL, SHIFT), SHIFT)
    # It also ran through the break (overtime), so APT = PBT = 480 min.
    assert result.kpis.effectiveness == pytest.approx(600 / 480)
    assert result.kpis.oee == pytest.approx(600 / 480)


def test_unknown_product_is_a_clear_error() -> None:
    unit = WorkUnitData("pp1", (), (count(DAY, "06:00", "P9", 1, 1),), {"P1": 30.0})
    with pytest.raises(MissingIdealCycleTime, match="P9"):
        evaluate_machine(unit, expand_calendar(CAL, SHIFT), SHIFT)
