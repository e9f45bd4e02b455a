"""The sampling rules' decisions: every n-th and first piece exactly, a random share
reproducibly and within a binomial bound of its share."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from linewise.domains.quality.sampling import Epoch, due_units, pending_of, share_draw


def test_every_and_every_nth_unit() -> None:
    assert due_units("every", 4) == [1, 2, 3, 4]
    assert due_units("nth", 23, every=5) == [5, 10, 15, 20]
    assert due_units("nth", 4, every=5) == []
    assert due_units("nth", 0, every=5) == []
    # Results are matched to the due units in order.
    assert pending_of("nth", 23, 1, every=5) == (4, [10, 15, 20])
    assert pending_of("nth", 23, 9, every=5) == (4, [])


def test_first_piece_after_the_start_and_each_setup() -> None:
    t = datetime(2026, 12, 6, 8, tzinfo=UTC)
    epochs = [Epoch(t, 0, 7), Epoch(t, 5, 2), Epoch(t, 7, 0)]
    # The third setup has no unit after it yet: nothing due for it.
    assert pending_of("first_piece", 7, [True, False, False], epochs=epochs) == (2, [6])
    assert pending_of("first_piece", 7, [False, True, False], epochs=epochs) == (2, [1])
    assert pending_of("first_piece", 7, [True, True, True], epochs=epochs) == (2, [])


def test_random_share_is_reproducible_and_depends_on_plan_operation_and_unit() -> None:
    a = due_units("random", 500, share=0.2, plan_id=3, operation_id=9)
    assert a == due_units("random", 500, share=0.2, plan_id=3, operation_id=9)
    assert a != due_units("random", 500, share=0.2, plan_id=3, operation_id=10)
    assert a != due_units("random", 500, share=0.2, plan_id=4, operation_id=9)
    # More units do not move the earlier decisions.
    assert due_units("random", 1000, share=0.2, plan_id=3, operation_id=9)[: len(a)] == a
    assert all(0.0 <= share_draw(1, 1, u) < 1.0 for u in range(1, 1000))


@pytest.mark.parametrize("share", [0.01, 0.1, 0.25, 0.5, 0.9])
def test_random_share_is_within_a_binomial_bound(share: float) -> None:
    """Over 40 operations of 2,500 units each (n = 100,000) the share sampled lies within
    5 standard deviations of the binomial count (a false failure has odds of about 1 in
    3.5 million per share), and each operation's own count within 5 of its own."""
    units, ops = 2_500, 40
    total = 0
    for op in range(1, ops + 1):
        k = len(due_units("random", units, share=share, plan_id=7, operation_id=op))
        sd = math.sqrt(units * share * (1 - share))
        assert abs(k - units * share) <= 5 * sd, (op, k)
        total += k
    n = units * ops
    assert abs(total - n * share) <= 5 * math.sqrt(n * share * (1 - share)), total


def test_random_draws_are_uniform_across_deciles() -> None:
    """Chi-squared over ten equal bins of 50,000 draws: below the 0.999 quantile of the
    chi-squared distribution with 9 degrees of freedom (27.88)."""
    n = 50_000
    bins = [0] * 10
    for u in range(1, n + 1):
        bins[int(share_draw(11, 13, u) * 10)] += 1
    expected = n / 10
    chi2 = sum((b - expected) ** 2 / expected for b in bins)
    assert chi2 < 27.88, bins
