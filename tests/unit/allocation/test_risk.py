"""The idle-risk model's features, the shipped coefficients and the training on a small
simulated history."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from linewise.allocation import training
from linewise.allocation.risk import (
    FEATURES,
    HORIZONS,
    RiskModel,
    Snapshot,
    features,
    persistence,
    shipped_model,
)
from linewise.demo.factory import build_factory
from linewise.simulation import SimParams, Simulation


def test_features_encode_state_duration_history_and_plan() -> None:
    s = Snapshot("down", math.e**6 - 1, 0.25, 10.0, 40.0)
    f = dict(zip(FEATURES, features(s, 15), strict=True))
    assert f["bias"] == 1.0
    assert (f["producing"], f["idle"], f["down"], f["setup"]) == (0.0, 0.0, 1.0, 0.0)
    assert f["log_minutes_idle"] == pytest.approx(1.0)
    assert f["log_minutes_running"] == 0.0
    assert f["idle_share_last_hour"] == 0.25
    assert f["has_operation"] == 1.0
    assert f["operation_ends_within_h"] == 1.0  # 10 minutes left, horizon 15
    assert f["planned_stop_within_h"] == 0.0  # 40 minutes away
    later = dict(zip(FEATURES, features(s, 5), strict=True))
    assert later["operation_ends_within_h"] == 0.0
    none = dict(zip(FEATURES, features(Snapshot("producing", 0, 2.0, None, None), 30), strict=True))
    assert none["has_operation"] == none["operation_ends_within_h"] == 0.0
    assert none["idle_share_last_hour"] == 1.0  # clipped


def test_the_model_is_a_logistic_regression_per_horizon() -> None:
    weights = tuple(0.0 for _ in FEATURES)
    model = RiskModel({5: (1.0, *weights[1:]), 15: weights, 30: weights})
    s = Snapshot("idle", 3, 0, None, None)
    assert model.risk(s, 5) == pytest.approx(1 / (1 + math.exp(-1)))
    assert model.risks(s)[15] == 0.5
    assert persistence(s) and not persistence(Snapshot("producing", 3, 0, None, None))


def test_the_shipped_model_ranks_a_long_stop_above_a_steady_run() -> None:
    model = shipped_model()
    assert set(model.coefficients) == set(HORIZONS)
    down = Snapshot("down", 40, 0.7, None, None)
    running = Snapshot("producing", 120, 0.0, 90, None)
    for h in HORIZONS:
        assert model.risk(down, h) > 0.8 > 0.2 > model.risk(running, h)


def test_training_on_a_simulated_day_beats_nothing_and_labels_are_consistent() -> None:
    start = datetime(2026, 3, 2, 5, tzinfo=UTC)
    spec = build_factory(start)
    params = SimParams(operators=True, telemetry_interval_s=3600)
    sim = Simulation(spec, start, timedelta(days=1), seed=9, params=params)
    truth = sim.ground_truth()
    data = training.samples(spec, truth, step_min=10)
    assert len(data.snapshots) > 500
    # an episode within 5 minutes is also one within 15 and 30
    for a, b, c in zip(data.labels[5], data.labels[15], data.labels[30], strict=True):
        assert a <= b <= c
    coefficients = training.fit(data)
    scores = {s.horizon: s for s in training.evaluate(coefficients, data)}
    assert scores[15].recall > 0.5 and scores[15].precision > 0.5
    # simulated operators: the same question over their activities
    ops = training.operator_samples(sim.operator_activities, sim.start, step_min=10)
    assert {s.state for s in ops.snapshots} <= {"producing", "setup", "idle"}
    assert any(s.state == "idle" for s in ops.snapshots)
    idle_now = [s.state == "idle" for s in ops.snapshots]
    # idle now in an episode of 5 minutes or more is idle within the next 5 minutes
    assert sum(a and b for a, b in zip(idle_now, ops.labels[5], strict=True)) > 0
    for a, b, c in zip(ops.labels[5], ops.labels[15], ops.labels[30], strict=True):
        assert a <= b <= c
