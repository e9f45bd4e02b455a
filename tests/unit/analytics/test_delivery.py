"""The delivery engine: working-time arithmetic, learned rates, forecasts, calibration."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from linewise.analytics import bottleneck as bn
from linewise.analytics.delivery import (
    Calibration,
    LineStatus,
    OrderIn,
    RateModel,
    RateSample,
    Residual,
    StageActual,
    StageIn,
    WindowCalendar,
    attribute_lateness,
    detect_delays,
    forecast,
)

T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def two_shifts(days: int = 10) -> list[tuple[datetime, datetime]]:
    return [(h(24 * d), h(24 * d + 16)) for d in range(days)]


def test_calendar_skips_the_night_both_ways() -> None:
    cal = WindowCalendar({"L1": two_shifts()})
    assert cal.advance("L1", h(15), 2 * 3600) == h(25)  # 1 h today, 1 h tomorrow
    assert cal.working_seconds("L1", h(15), h(25)) == 2 * 3600
    assert cal.advance("L1", h(17), 60) == h(24) + timedelta(minutes=1)  # from the night
    assert cal.advance("L1", h(15), 3600) == h(16)  # to the end of the shift, not beyond
    assert cal.advance(None, h(15), 3600) == h(16)  # no calendar: around the clock


def test_rates_fall_back_from_product_and_line_to_line_to_overall() -> None:
    model = RateModel.learn(
        [RateSample("A", "L1", 100, 200.0, 1.0), RateSample("B", "L2", 10, 30.0, 1.0)]
    )
    assert model.factor("A", "L1") == 2.0
    assert model.factor("C", "L1") == 2.0  # line only
    assert model.factor("B", "L2") == 3.0  # line level (10 units: too few for product)
    assert (
        model.factor("X", "L9") == round(230 / 110, 12)
        or abs(model.factor("X", "L9") - 230 / 110) < 1e-9
    )


def test_forecast_queues_stages_on_their_line_and_after_their_predecessor() -> None:
    cal = WindowCalendar({})
    rates = RateModel(overall=1.0)
    a = OrderIn(
        "A",
        "P",
        h(10),
        (
            StageIn(1, "L1", 100, 40, 36.0, "in_progress", started_at=h(-1)),
            StageIn(2, "L2", 100, 0, 36.0, "pending", planned_start=h(1)),
        ),
    )
    b = OrderIn("B", "P", h(20), (StageIn(1, "L1", 50, 0, 72.0, "pending", planned_start=h(0.5)),))
    out = forecast([a, b], T0, rates, cal)
    # A1: 60 units × 36 s = 36 min; then A2 100 × 36 s = 1 h
    assert out["A"].stages[0].end == h(0.6)
    assert out["A"].finish == h(1.6)
    # B waits behind A1 on L1: starts at 0.6 h, 50 × 72 s = 1 h
    assert out["B"].stages[0].start == h(0.6)
    assert out["B"].finish == h(1.6)
    assert out["B"].stages[0].queue_s == 0.6 * 3600


def test_forecast_sends_a_stage_to_the_line_done_first() -> None:
    busy = OrderIn("X", "P", h(5), (StageIn(1, "L1", 100, 0, 36.0, "in_progress"),))
    stage = StageIn(1, "L1", 10, 0, 36.0, "pending", options=(("L1", 36.0), ("L2", 72.0)))
    out = forecast([busy, OrderIn("Y", "P", h(9), (stage,))], T0, RateModel(overall=1.0),
                   WindowCalendar({}))  # fmt: skip
    assert out["Y"].stages[0].line == "L2"
    assert out["Y"].finish == h(0.2)


def test_conformal_interval_covers_what_it_claims() -> None:
    rng = random.Random(3)
    history = []
    for _ in range(2000):
        pred = rng.uniform(3600, 100 * 3600)
        history.append(Residual(pred, pred * rng.lognormvariate(0, 0.3)))
    calib = Calibration(history)
    covered = 0
    n = 2000
    for _ in range(n):
        pred = rng.uniform(3600, 100 * 3600)
        actual = pred * rng.lognormvariate(0, 0.3)
        est = calib.estimate(T0, T0 + timedelta(seconds=pred), T0 + timedelta(days=30))
        covered += est.low <= T0 + timedelta(seconds=actual) <= est.high
    assert 0.76 <= covered / n <= 0.84
    # the risk grows as the due date comes closer to (and passes) the ETA
    eta = T0 + timedelta(hours=10)
    p = [calib.estimate(T0, eta, T0 + timedelta(hours=x)).p_late for x in (20, 10, 5)]
    assert p[0] < 0.1 < p[1] < p[2]
    assert 0.35 < p[1] < 0.65


def test_too_little_history_is_labelled_uncalibrated() -> None:
    est = Calibration([Residual(3600, 3600)] * 3).estimate(T0, h(4), h(3))
    assert not est.calibrated
    assert est.low < h(4) < est.high
    assert est.p_late > 0.5


def test_delays_name_the_stop_that_holds_the_stage() -> None:
    order = OrderIn(
        "PO-1",
        "P",
        h(10),
        (
            StageIn(
                1,
                "DIP",
                100,
                10,
                36.0,
                "in_progress",
                started_at=h(-1),
                planned_start=h(-1),
                planned_end=h(0),
            ),
        ),
    )
    fc = forecast([order], T0, RateModel(overall=1.0), WindowCalendar({}))
    delays = detect_delays([order], fc, T0, {"DIP": LineStatus("down", "feeder_jam")})
    assert [(d.kind, d.cause, round(d.behind_s)) for d in delays] == [
        ("stopped", "feeder_jam", 54 * 60)  # 90 units × 36 s
    ]
    assert detect_delays([order], fc, T0, {"DIP": LineStatus("producing")})[0].kind == "slow"


def test_lateness_is_shared_by_queue_excess_and_time_lost() -> None:
    stages = [
        StageActual(1, "L1", h(0), h(0), h(3), h(0), h(2), h(0)),  # 1 h lost
        StageActual(2, "L2", h(3), h(6), h(7), h(2), h(3), h(2)),  # 3 h wait, planned 0
    ]
    blame = attribute_lateness(stages, 2 * 3600)
    assert [round(b.late_s) for b in blame] == [1800, 5400]


def test_active_period_method_finds_the_sole_and_shifting_bottleneck() -> None:
    periods = {
        "A": [(h(0), h(4))],
        "B": [(h(0), h(1)), (h(3), h(8))],
    }
    shares = {s.station: s for s in bn.shares(periods, h(0), h(8))}
    # A is the bottleneck from 0 to 3 (its 4 h period is the longest), B's 5 h period
    # from 3 h on; they overlap 3–4 h: shifting for both.
    assert shares["A"].sole_s == 3 * 3600
    assert shares["A"].shifting_s == 3600
    assert shares["B"].shifting_s == 3600
    assert shares["B"].sole_s == 4 * 3600
    assert bn.top(list(shares.values())) == "B"
    states = [(h(0), h(1), "producing"), (h(1), h(2), "down"), (h(2), h(3), "idle")]
    assert bn.active_periods(states) == [(h(0), h(2))]


def test_equal_active_periods_share_a_shifting_bottleneck() -> None:
    periods = {"A": [(h(0), h(8))], "B": [(h(0), h(8))], "C": [(h(1), h(2))]}
    shares = {s.station: s for s in bn.shares(periods, h(0), h(8))}
    assert shares["A"].sole_s == shares["B"].sole_s == 0
    assert shares["A"].shifting_s == shares["B"].shifting_s == 8 * 3600
    assert "C" not in shares or shares["C"].total == 0


def test_the_ui_flags_at_the_servers_threshold() -> None:
    """The UI highlights an order as at risk where the bench counts it flagged."""
    import re
    from pathlib import Path

    from linewise.analytics.delivery import LATE_FLAG_P

    source = (Path(__file__).parents[3] / "ui" / "src" / "delivery" / "api.ts").read_text()
    found = re.search(r"export const LATE_FLAG_P = ([0-9.]+);", source)
    assert found is not None and float(found.group(1)) == LATE_FLAG_P


def test_a_stage_after_its_setup_family_on_the_line_needs_no_setup() -> None:
    cal, rates = WindowCalendar({}), RateModel(overall=1.0)

    def order(key: str, family: str) -> OrderIn:
        stage = StageIn(1, "L1", 10, 0, 360.0, "pending", setup_s=1800.0, family=family,
                        planned_start=h(0))  # fmt: skip
        return OrderIn(key, "P", h(20), (stage,))

    same = forecast([order("A", "a")], T0, rates, cal, line_family={"L1": "a"})
    other = forecast([order("A", "b")], T0, rates, cal, line_family={"L1": "a"})
    assert same["A"].finish == h(1)  # 10 × 360 s, no changeover
    assert other["A"].finish == h(1.5)  # and 30 min of setup
    # the family a stage leaves on its line carries to the next one there
    chain = forecast([order("A", "b"), order("B", "b")], T0, rates, cal)
    assert chain["A"].finish == h(1.5) and chain["B"].finish == h(2.5)


def test_due_date_dispatch_lets_the_order_due_first_overtake_the_plan() -> None:
    cal, rates = WindowCalendar({}), RateModel(overall=1.0)
    later = OrderIn("A", "P", h(20), (StageIn(1, "L1", 10, 0, 360.0, "pending",
                                              planned_start=h(0)),))  # fmt: skip
    sooner = OrderIn("B", "P", h(5), (StageIn(1, "L1", 10, 0, 360.0, "pending",
                                               planned_start=h(1)),))  # fmt: skip
    by_plan = forecast([later, sooner], T0, rates, cal)
    assert by_plan["A"].finish == h(1) and by_plan["B"].finish == h(2)
    by_due = forecast([later, sooner], T0, rates, cal, dispatch="due_date")
    assert by_due["B"].finish == h(1) and by_due["A"].finish == h(2)
    assert by_due["A"].stages[0].queue_s == 3600


def test_due_date_dispatch_does_not_hold_a_line_for_a_stage_not_ready() -> None:
    cal, rates = WindowCalendar({}), RateModel(overall=1.0)
    # C is due first but its first stage runs 2 h on L2: L1 meanwhile runs D
    c = OrderIn("C", "P", h(5), (
        StageIn(1, "L2", 10, 0, 720.0, "pending"),
        StageIn(2, "L1", 10, 0, 360.0, "pending"),
    ))  # fmt: skip
    d = OrderIn("D", "P", h(30), (StageIn(1, "L1", 10, 0, 360.0, "pending"),))
    out = forecast([c, d], T0, rates, cal, dispatch="due_date")
    assert out["D"].stages[0].start == T0 and out["D"].finish == h(1)
    assert out["C"].stages[1].start == h(2) and out["C"].finish == h(3)


def test_due_date_dispatch_prefers_the_family_the_line_runs() -> None:
    cal, rates = WindowCalendar({}), RateModel(overall=1.0)
    x = OrderIn("X", "P", h(5), (StageIn(1, "L1", 10, 0, 360.0, "pending", setup_s=1800.0,
                                          family="b"),))  # fmt: skip
    y = OrderIn("Y", "P", h(10), (StageIn(1, "L1", 10, 0, 360.0, "pending", setup_s=1800.0,
                                           family="a"),))  # fmt: skip
    strict = forecast([x, y], T0, rates, cal, "due_date", {"L1": "a"})
    assert strict["X"].finish == h(1.5) and strict["Y"].finish == h(3)  # two changeovers
    prefer = forecast([x, y], T0, rates, cal, "due_date", {"L1": "a"}, 8 * 3600)
    assert prefer["Y"].finish == h(1) and prefer["X"].finish == h(2.5)  # Y due within 8 h


def test_a_stage_not_yet_placed_queues_on_an_eligible_line() -> None:
    """No planned line (no published plan) but eligible lines: it waits for one of them,
    it does not run beside the queue on no line at all."""
    cal, rates = WindowCalendar({}), RateModel(overall=1.0)
    running = OrderIn("A", "P", h(20), (StageIn(1, "L1", 100, 0, 36.0, "in_progress",
                                                started_at=T0),))  # fmt: skip
    waiting = OrderIn("B", "P", h(5), (StageIn(1, None, 100, 0, 36.0, "pending",
                                               options=(("L1", 36.0),)),))  # fmt: skip
    for dispatch in ("plan", "due_date"):
        out = forecast([running, waiting], T0, rates, cal, dispatch)
        assert out["B"].stages[0].line == "L1"
        assert out["B"].stages[0].start == h(1) and out["B"].finish == h(2)
