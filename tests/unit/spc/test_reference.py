"""The SPC engine against published reference values.

Sources (the numbers below are copied from them, not computed by this code):
- Control chart factors: Montgomery, Introduction to Statistical Quality Control,
  Appendix VI (also ASTM E2587), printed to 3 or 4 digits.
- p chart: Montgomery, chapter 7, the orange-juice can example (30 samples of 50).
- c chart: Montgomery, chapter 7, nonconformities on 26 samples of 100 printed circuit
  boards.
- Tabular CUSUM and EWMA: Montgomery, chapter 9, the 30 observations (first 20 from
  N(10, 1), last 10 from N(11, 1)); CUSUM with k = 1/2, h = 5; EWMA with lambda = 0.1,
  L = 2.7.
- Capability: NIST/SEMATECH e-Handbook 6.1.6 (USL 20, LSL 8, mean 16, sigma 2).
Published figures are rounded, so each comparison is to the published precision; the
exact special cases (d2 and d3 for n = 2) are checked to 1e-12.
"""

from __future__ import annotations

import math

import pytest

from linewise.spc import (
    a2,
    a3,
    b3,
    b4,
    c4,
    c_chart,
    capability,
    cusum_chart,
    d2,
    ewma_chart,
    imr_chart,
    np_chart,
    p_chart,
    u_chart,
    xbar_r_chart,
    xbar_s_chart,
)
from linewise.spc.capability import capability_from_stats
from linewise.spc.constants import d3, d3_lower, d4

# n: A2, A3, c4, B3, B4, d2, D3, D4 (Montgomery Appendix VI)
FACTORS = {
    2: (1.880, 2.659, 0.7979, 0.0, 3.267, 1.128, 0.0, 3.267),
    3: (1.023, 1.954, 0.8862, 0.0, 2.568, 1.693, 0.0, 2.574),
    4: (0.729, 1.628, 0.9213, 0.0, 2.266, 2.059, 0.0, 2.282),
    5: (0.577, 1.427, 0.9400, 0.0, 2.089, 2.326, 0.0, 2.114),
    6: (0.483, 1.287, 0.9515, 0.030, 1.970, 2.534, 0.0, 2.004),
    7: (0.419, 1.182, 0.9594, 0.118, 1.882, 2.704, 0.076, 1.924),
    8: (0.373, 1.099, 0.9650, 0.185, 1.815, 2.847, 0.136, 1.864),
    9: (0.337, 1.032, 0.9693, 0.239, 1.761, 2.970, 0.184, 1.816),
    10: (0.308, 0.975, 0.9727, 0.284, 1.716, 3.078, 0.223, 1.777),
}


@pytest.mark.parametrize("n", sorted(FACTORS))
def test_chart_factors_match_the_published_table(n: int) -> None:
    pa2, pa3, pc4, pb3, pb4, pd2, pd3, pd4 = FACTORS[n]
    # the table rounds to the last digit printed; D4(3) is printed 2.574 for 2.5746
    assert a2(n) == pytest.approx(pa2, abs=6e-4)
    assert a3(n) == pytest.approx(pa3, abs=6e-4)
    assert c4(n) == pytest.approx(pc4, abs=6e-5)
    assert b3(n) == pytest.approx(pb3, abs=6e-4)
    assert b4(n) == pytest.approx(pb4, abs=6e-4)
    assert d2(n) == pytest.approx(pd2, abs=6e-4)
    assert d3_lower(n) == pytest.approx(pd3, abs=6e-4)
    assert d4(n) == pytest.approx(pd4, abs=1.1e-3)


def test_range_moments_for_two_are_exact() -> None:
    # |X1 - X2| with X1 - X2 ~ N(0, 2): mean 2/sqrt(pi), variance 2 - 4/pi.
    assert d2(2) == pytest.approx(2 / math.sqrt(math.pi), abs=1e-12)
    assert d3(2) == pytest.approx(math.sqrt(2 - 4 / math.pi), abs=1e-12)
    # n = 3: E[R] = 3 / sqrt(pi) exactly
    assert d2(3) == pytest.approx(3 / math.sqrt(math.pi), abs=1e-12)


def test_the_kept_table_is_what_the_quadrature_gives() -> None:
    from linewise.spc.constants import TABLE, range_moments

    for n in (2, 5, 13, 25):
        assert range_moments(n) == pytest.approx(TABLE[n], abs=1e-12)
    assert sorted(TABLE) == list(range(2, 26))


def test_subgroup_size_out_of_table_is_refused() -> None:
    with pytest.raises(ValueError, match="subgroup size"):
        d2(26)


OJ = [12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22, 8, 10, 5, 13, 11, 20, 18, 24, 15, 9]
OJ += [12, 7, 13, 9, 6]


def test_p_chart_orange_juice_cans() -> None:
    chart = p_chart(OJ, [50] * 30)
    assert chart.center == pytest.approx(0.2313, abs=5e-5)
    assert chart.ucl == pytest.approx(0.4102, abs=5e-5)
    assert chart.lcl == pytest.approx(0.0524, abs=5e-5)
    # samples 15 and 23 are out of control
    assert chart.out_of_limits == (14, 22)


def test_np_chart_has_the_p_chart_limits_times_n() -> None:
    np_ = np_chart(OJ, 50)
    assert np_.center == pytest.approx(50 * 0.2313, abs=50 * 5e-5)
    assert np_.ucl == pytest.approx(50 * 0.4102, abs=50 * 5e-5)
    assert np_.out_of_limits == (14, 22)


PCB = [21, 24, 16, 12, 15, 5, 28, 20, 31, 25, 20, 24, 16, 19, 10, 17, 13, 22, 18, 39, 30]
PCB += [24, 16, 19, 17, 15]


def test_c_chart_printed_circuit_boards() -> None:
    chart = c_chart(PCB)
    assert chart.center == pytest.approx(19.85, abs=5e-3)
    # published limits rest on c-bar rounded to 19.85
    assert chart.ucl == pytest.approx(33.22, abs=1e-2)
    assert chart.lcl == pytest.approx(6.48, abs=1e-2)
    # samples 6 and 20 are beyond the limits
    assert chart.out_of_limits == (5, 19)


def test_u_chart_with_one_unit_per_sample_is_the_c_chart() -> None:
    u = u_chart(PCB, [1.0] * len(PCB))
    c = c_chart(PCB)
    assert (u.center, u.ucl, u.lcl) == pytest.approx((c.center, c.ucl, c.lcl), abs=1e-12)
    # 100 boards per sample: nonconformities per board
    u100 = u_chart(PCB, [100.0] * len(PCB))
    assert u100.center == pytest.approx(0.1985, abs=5e-5)


SHIFT = [9.45, 7.99, 9.29, 11.66, 12.16, 10.18, 8.04, 11.46, 9.20, 10.34, 9.03, 11.47]
SHIFT += [10.51, 9.40, 10.08, 9.37, 10.62, 10.31, 8.52, 10.84, 10.90, 9.33, 12.29, 11.50]
SHIFT += [10.60, 11.08, 10.38, 11.62, 11.31, 10.52]

CUSUM_UPPER = [0, 0, 0, 1.16, 2.82, 2.50, 0.04, 1.00, 0, 0, 0, 0.97, 0.98, 0, 0, 0, 0.12]
CUSUM_UPPER += [0, 0, 0.34, 0.74, 0, 1.79, 2.79, 2.89, 3.47, 3.35, 4.47, 5.28, 5.30]


def test_tabular_cusum_signals_at_period_29() -> None:
    chart = cusum_chart(SHIFT, target=10.0, sigma=1.0, k=0.5, h=5.0)
    assert [p.value for p in chart.points] == pytest.approx(CUSUM_UPPER, abs=5e-3)
    assert chart.ucl == 5.0
    assert chart.out_of_limits[0] == 28  # period 29
    assert chart.secondary is not None
    assert chart.secondary.out_of_limits == ()
    # C- in the first periods: 0.05, 1.56, 1.77
    assert [-p.value for p in chart.secondary.points[:3]] == pytest.approx(
        [0.05, 1.56, 1.77], abs=5e-3
    )


def test_ewma_with_exact_limits() -> None:
    chart = ewma_chart(SHIFT, lam=0.1, width=2.7, target=10.0, sigma=1.0)
    assert chart.points[0].value == pytest.approx(9.945, abs=5e-4)
    assert chart.points[1].value == pytest.approx(9.7495, abs=5e-5)
    assert (chart.points[0].ucl, chart.points[0].lcl) == pytest.approx((10.27, 9.73), abs=5e-3)
    assert chart.points[1].ucl == pytest.approx(10.36, abs=5e-3)
    # asymptotic limits 10 +/- 2.7 sqrt(0.1/1.9): 10.62 and 9.38
    steady = ewma_chart(SHIFT, lam=0.1, width=2.7, target=10.0, sigma=1.0, asymptotic=True)
    assert (steady.ucl, steady.lcl) == pytest.approx((10.62, 9.38), abs=5e-3)
    assert chart.out_of_limits[0] == 28  # period 29, as the CUSUM


def test_capability_nist_example() -> None:
    cap = capability_from_stats(
        n=100, mean=16.0, sigma_within=2.0, sigma_overall=2.0, lsl=8.0, usl=20.0
    )
    assert cap.cp == pytest.approx(1.0, abs=1e-12)
    assert cap.cpu == pytest.approx(0.6667, abs=5e-5)
    assert cap.cpl == pytest.approx(1.3333, abs=5e-5)
    assert cap.cpk == pytest.approx(0.6667, abs=5e-5)
    assert cap.pp == pytest.approx(1.0, abs=1e-12)


def test_capability_one_sided_and_estimated_sigmas() -> None:
    values = [10.0, 12.0, 11.0, 13.0, 12.0]
    cap = capability(values, lsl=None, usl=16.0)
    assert cap.cp is None and cap.pp is None
    # moving ranges 2, 1, 2, 1 -> MR-bar 1.5, sigma_within 1.5/d2(2)
    assert cap.sigma_within == pytest.approx(1.5 / (2 / math.sqrt(math.pi)), abs=1e-12)
    assert cap.cpk == pytest.approx((16.0 - 11.6) / (3 * cap.sigma_within), abs=1e-12)
    assert cap.sigma_overall == pytest.approx(math.sqrt(5.2 / 4), abs=1e-12)
    with pytest.raises(ValueError, match="LSL must be below USL"):
        capability(values, lsl=20.0, usl=16.0)


def test_xbar_r_and_s_limits_follow_the_factors() -> None:
    groups = [[74.030, 74.002, 74.019, 73.992, 74.008], [73.995, 73.992, 74.001, 74.011, 74.004]]
    groups += [[73.988, 74.024, 74.021, 74.005, 74.002], [74.002, 73.996, 73.993, 74.015, 74.009]]
    xr = xbar_r_chart(groups)
    ranges = [max(g) - min(g) for g in groups]
    r_bar = sum(ranges) / len(ranges)
    x_bar = sum(sum(g) / 5 for g in groups) / len(groups)
    assert xr.ucl == pytest.approx(x_bar + a2(5) * r_bar, abs=1e-12)
    assert xr.lcl == pytest.approx(x_bar - a2(5) * r_bar, abs=1e-12)
    assert xr.secondary is not None
    assert xr.secondary.ucl == pytest.approx(d4(5) * r_bar, abs=1e-12)
    assert xr.secondary.lcl == 0.0
    xs = xbar_s_chart(groups)
    assert xs.secondary is not None
    s_bar = xs.secondary.center
    assert xs.ucl == pytest.approx(x_bar + a3(5) * s_bar, abs=1e-12)
    assert xs.secondary.ucl == pytest.approx(b4(5) * s_bar, abs=1e-12)
    with pytest.raises(ValueError, match="same size"):
        xbar_r_chart([[1.0, 2.0], [1.0, 2.0, 3.0]])


def test_imr_limits() -> None:
    values = [10.0, 12.0, 11.0, 13.0, 12.0]
    chart = imr_chart(values)
    # x-bar +/- 2.66 MR-bar; MR chart UCL 3.267 MR-bar (published factors)
    assert chart.ucl == pytest.approx(11.6 + 2.66 * 1.5, abs=2e-3)
    assert chart.secondary is not None
    assert chart.secondary.ucl == pytest.approx(3.267 * 1.5, abs=2e-3)
    assert len(chart.secondary.points) == 4
