"""Remaining-useful-life engine: causal features with hand-computed values, the PHM08
score's asymmetry, and the boosted trees on functions with a known answer."""

from __future__ import annotations

import numpy as np
import pytest

from linewise.analytics.rul import (
    BoostedTrees,
    FeatureSpec,
    ewm,
    fleet_features,
    phm08,
    remaining_life,
    rmse,
    rolling_mean,
    rolling_slope,
    unit_features,
)


def test_rolling_mean_and_slope_use_the_last_rows_only() -> None:
    s = np.array([[1.0], [3.0], [5.0], [4.0], [10.0]])
    assert rolling_mean(s, 2)[:, 0].tolist() == [1.0, 2.0, 4.0, 4.5, 7.0]
    ramp = np.column_stack([2.0 * np.arange(10) + 7, -0.5 * np.arange(10)])
    slope = rolling_slope(ramp, 4)
    assert slope[0].tolist() == [0.0, 0.0]  # one row: no slope yet
    assert slope[1:, 0] == pytest.approx(np.full(9, 2.0))
    assert slope[1:, 1] == pytest.approx(np.full(9, -0.5))
    # Over the last 3 rows of (1, 3, 5, 4): least squares through (0, 3), (1, 5), (2, 4).
    assert rolling_slope(s, 3)[3, 0] == pytest.approx(0.5)


def test_ewm_matches_the_recursion() -> None:
    s = np.array([[2.0], [4.0], [0.0]])
    assert ewm(s, 0.5)[:, 0].tolist() == [2.0, 3.0, 1.5]


def test_features_of_a_row_do_not_depend_on_later_rows() -> None:
    rng = np.random.default_rng(3)
    s = rng.normal(size=(80, 3)).cumsum(0)
    age = np.arange(1, 81, dtype=np.float64)
    spec = FeatureSpec(means=(5,), ewm_alphas=(0.1,), slopes=(10, 60))
    full = unit_features(s, age, spec)
    assert full.shape == (80, spec.width(3))
    cut = unit_features(s[:50], age[:50], spec)
    assert cut == pytest.approx(full[:50])
    changed = s.copy()
    changed[50:] += 100.0
    assert unit_features(changed, age, spec)[:50] == pytest.approx(full[:50])


def test_fleet_features_and_target_are_per_unit() -> None:
    units = np.array([1.0, 1.0, 1.0, 2.0, 2.0])
    age = np.array([1.0, 2.0, 3.0, 1.0, 2.0])
    s = np.array([[1.0], [2.0], [3.0], [10.0], [20.0]])
    x = fleet_features(units, age, s, FeatureSpec(means=(2,), slopes=()))
    assert x[:, 0].tolist() == [1.0, 1.5, 2.5, 10.0, 15.0]  # unit 2 starts afresh
    assert x[:, 1].tolist() == age.tolist()
    assert remaining_life(units, age).tolist() == [2.0, 1.0, 0.0, 1.0, 0.0]


def test_phm08_punishes_late_predictions_more_than_early_ones() -> None:
    true = np.array([50.0])
    assert phm08(true, true) == 0.0
    late, early = phm08(np.array([60.0]), true), phm08(np.array([40.0]), true)
    assert late == pytest.approx(np.e - 1)
    assert early == pytest.approx(np.exp(10 / 13) - 1)
    assert late > early
    assert rmse(np.array([1.0, 5.0]), np.array([4.0, 1.0])) == pytest.approx(np.sqrt(12.5))


def test_boosted_trees_learn_a_step_and_an_interaction() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(4000, 3))
    y = np.where(x[:, 0] > 0.5, 10.0, 0.0) + np.where(x[:, 1] > 0.3, 5.0, 0.0) * x[:, 0]
    model = BoostedTrees(rounds=200, learning_rate=0.1, depth=3, bins=64).fit(x, y)
    probe = rng.uniform(size=(1000, 3))
    truth = (
        np.where(probe[:, 0] > 0.5, 10.0, 0.0) + np.where(probe[:, 1] > 0.3, 5.0, 0.0) * probe[:, 0]
    )
    assert rmse(model.predict(probe), truth) < 1.0
    # The constant model's error, for scale: the trees explain nearly all of it.
    assert rmse(np.full(1000, y.mean()), truth) > 5.0


def test_boosted_trees_with_subsampling_are_seeded() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(1000, 4))
    y = x[:, 0] * 3 + rng.normal(scale=0.1, size=1000)
    a = (
        BoostedTrees(rounds=50, learning_rate=0.2, subsample=0.5, seed=4, bins=32)
        .fit(x, y)
        .predict(x[:10])
    )
    b = (
        BoostedTrees(rounds=50, learning_rate=0.2, subsample=0.5, seed=4, bins=32)
        .fit(x, y)
        .predict(x[:10])
    )
    c = (
        BoostedTrees(rounds=50, learning_rate=0.2, subsample=0.5, seed=5, bins=32)
        .fit(x, y)
        .predict(x[:10])
    )
    assert a.tolist() == b.tolist()
    assert a.tolist() != c.tolist()
    assert rmse(a, x[:10, 0] * 3) < 0.6


def test_a_feature_that_never_splits_leaves_a_constant_tree() -> None:
    x = np.ones((100, 2))
    y = np.arange(100, dtype=np.float64)
    model = BoostedTrees(rounds=5, depth=2).fit(x, y)
    assert model.predict(np.zeros((3, 2))) == pytest.approx(np.full(3, y.mean()))


def test_change_since_start_compares_with_the_first_cycles_only() -> None:
    s = np.array([[1.0], [3.0], [5.0], [7.0]])
    age = np.arange(1, 5, dtype=np.float64)
    spec = FeatureSpec(means=(1,), slopes=(), since_start=2, with_age=False)
    x = unit_features(s, age, spec)
    assert x.shape == (4, spec.width(1)) == (4, 2)
    # start: the mean of the cycles so far, then of the first two (2.0) for good.
    assert x[:, 1].tolist() == [0.0, 1.0, 3.0, 5.0]
