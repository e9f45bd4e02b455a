"""The SPC engine against the published data sets, to 1e-9.

``test_reference.py`` compares the engine with the figures as printed (3 to 4 digits).
Here the same figures are computed again from the published raw data, in this file and
without the engine: rational quantities (means, fractions, CUSUM sums, EWMA statistics,
capability indices) as exact ``Fraction``s, square roots as 60-digit ``Decimal``s, and
the run rules from their definitions with each point's zone decided exactly (|z| > k is
tested as (x - centre)² > k² σ², in fractions, so no rounding can move a point across a
zone boundary). The engine's results must agree to 1e-9 and the rule violations point
for point; the printed digits are checked beside, so a transcription error in the raw
data would show.

Sources: Montgomery, Introduction to Statistical Quality Control, ch. 7 (orange-juice
cans, p chart; printed circuit boards, c chart) and ch. 9 (30 observations, tabular
CUSUM and EWMA); NIST/SEMATECH e-Handbook of Statistical Methods 6.1.6 (capability).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from decimal import Decimal, getcontext
from fractions import Fraction

import pytest

from linewise.spc import (
    NELSON,
    WESTERN_ELECTRIC,
    Chart,
    c_chart,
    cusum_chart,
    evaluate_rules,
    ewma_chart,
    imr_chart,
    np_chart,
    p_chart,
    u_chart,
)
from linewise.spc.capability import capability_from_stats

getcontext().prec = 60
TOL = 1e-9
# π to 60 digits (for d2(2) = 2/√π and d3(2) = √(2 − 4/π), the I-MR chart's factors).
PI = Decimal("3.14159265358979323846264338327950288419716939937510582097494")

# The published raw data, as printed.
OJ = [12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22, 8, 10, 5, 13, 11, 20, 18, 24, 15, 9]
OJ += [12, 7, 13, 9, 6]  # nonconforming cans in 30 samples of 50
PCB = [21, 24, 16, 12, 15, 5, 28, 20, 31, 25, 20, 24, 16, 19, 10, 17, 13, 22, 18, 39, 30]
PCB += [24, 16, 19, 17, 15]  # nonconformities on 26 samples of 100 boards
SHIFT = "9.45 7.99 9.29 11.66 12.16 10.18 8.04 11.46 9.20 10.34 9.03 11.47 10.51 9.40 10.08"
SHIFT += " 9.37 10.62 10.31 8.52 10.84 10.90 9.33 12.29 11.50 10.60 11.08 10.38 11.62 11.31"
SHIFT += " 10.52"
X = [Fraction(s) for s in SHIFT.split()]  # exact decimals, as printed
XF = [float(s) for s in SHIFT.split()]


def sqrt(q: Fraction | Decimal) -> Decimal:
    if isinstance(q, Fraction):
        q = Decimal(q.numerator) / Decimal(q.denominator)
    return q.sqrt()


def dec(q: Fraction) -> Decimal:
    return Decimal(q.numerator) / Decimal(q.denominator)


def close(engine: float, exact: Decimal | Fraction) -> bool:
    value = dec(exact) if isinstance(exact, Fraction) else exact
    return abs(Decimal(engine) - value) <= Decimal(TOL)


# --- the run rules, from their definitions ----------------------------------------------

# A point's zone, exactly: z²-comparisons and the side of the centre line.
Beyond = Callable[[int, int], bool]  # (point, k) -> |z| > k
Within = Callable[[int, int], bool]  # (point, k) -> |z| < k
Side = Callable[[int], int]  # point -> +1 above, -1 below, 0 on the centre line


def rules_by_definition(
    n: int, values: Sequence[Fraction], beyond: Beyond, within: Within, side: Side
) -> set[tuple[str, int]]:
    """(rule, point at which it fires) for WE 1–4 and Nelson 1–8 (Western Electric
    Handbook 1956; Nelson, JQT 16(4), 1984): a rule fires at the last point of its
    pattern, at every point that completes one; in "k of m" the firing point is itself
    in the zone (the pattern is reported where it forms)."""
    out: set[tuple[str, int]] = set()

    def k_of_m(name: str, k: int, m: int, zone: int) -> None:
        for i in range(n):
            if not beyond(i, zone):
                continue
            same = [j for j in range(max(0, i - m + 1), i + 1) if beyond(j, zone)]
            if sum(1 for j in same if side(j) == side(i)) >= k:
                out.add((name, i))

    def run(name: str, length: int, ok: Callable[[list[int]], bool]) -> None:
        for i in range(length - 1, n):
            if ok(list(range(i - length + 1, i + 1))):
                out.add((name, i))

    for i in range(n):
        if beyond(i, 3):
            out |= {("we1", i), ("nelson1", i)}
    for name in ("we2", "nelson5"):
        k_of_m(name, 2, 3, 2)
    for name in ("we3", "nelson6"):
        k_of_m(name, 4, 5, 1)
    one_side = lambda pts: side(pts[0]) != 0 and all(side(j) == side(pts[0]) for j in pts)  # noqa: E731
    run("we4", 8, one_side)
    run("nelson2", 9, one_side)
    run(
        "nelson3",
        6,
        lambda pts: (
            all(values[a] < values[b] for a, b in itertools.pairwise(pts))
            or all(values[a] > values[b] for a, b in itertools.pairwise(pts))
        ),
    )

    def alternating(pts: list[int]) -> bool:
        steps = [values[b] - values[a] for a, b in itertools.pairwise(pts)]
        return all(s != 0 for s in steps) and all(
            (s > 0) != (t > 0) for s, t in itertools.pairwise(steps)
        )

    run("nelson4", 14, alternating)
    run("nelson7", 15, lambda pts: all(within(j, 1) for j in pts))
    run("nelson8", 8, lambda pts: all(beyond(j, 1) for j in pts))
    return out


def engine_rules(chart: Chart) -> set[tuple[str, int]]:
    return {
        (v.rule.value, v.index) for v in evaluate_rules(chart.points, (*WESTERN_ELECTRIC, *NELSON))
    }


def zones(
    values: Sequence[Fraction], center: Fraction, variance: Callable[[int], Fraction]
) -> tuple[Beyond, Within, Side]:
    """Exact zone tests for points with the given centre and per-point variance."""

    def d2(i: int) -> Fraction:
        return (values[i] - center) ** 2

    return (
        lambda i, k: d2(i) > k * k * variance(i),
        lambda i, k: d2(i) < k * k * variance(i),
        lambda i: (values[i] > center) - (values[i] < center),
    )


# --- p and np chart: orange-juice cans ---------------------------------------------------


def test_p_chart_orange_juice_cans_exactly() -> None:
    n = 50
    p_bar = Fraction(sum(OJ), n * len(OJ))
    half = 3 * sqrt(p_bar * (1 - p_bar) / n)
    ucl, lcl = dec(p_bar) + half, dec(p_bar) - half
    chart = p_chart(OJ, [n] * len(OJ))
    assert close(chart.center, p_bar)
    assert close(chart.ucl, ucl) and close(chart.lcl, lcl)
    for pt in chart.points:
        assert close(pt.ucl, ucl) and close(pt.lcl, lcl)
        assert close(pt.value, Fraction(OJ[pt.index], n))
    fractions = [Fraction(d, n) for d in OJ]
    out = tuple(i for i, p in enumerate(fractions) if dec(p) > ucl or dec(p) < lcl)
    assert chart.out_of_limits == out == (14, 22)
    # beside: the printed figures
    assert (round(chart.center, 4), round(chart.ucl, 4), round(chart.lcl, 4)) == (
        0.2313,
        0.4102,
        0.0524,
    )
    # the run rules at every sample, against the definitions
    var = p_bar * (1 - p_bar) / n
    exact = rules_by_definition(len(OJ), fractions, *zones(fractions, p_bar, lambda i: var))
    assert engine_rules(chart) == exact
    assert ("we1", 14) in exact and ("we1", 22) in exact


def test_np_chart_orange_juice_cans_exactly() -> None:
    n = 50
    p_bar = Fraction(sum(OJ), n * len(OJ))
    half = 3 * sqrt(n * p_bar * (1 - p_bar))
    chart = np_chart(OJ, n)
    assert close(chart.center, n * p_bar)
    assert close(chart.ucl, dec(n * p_bar) + half) and close(chart.lcl, dec(n * p_bar) - half)
    counts = [Fraction(d) for d in OJ]
    var = n * p_bar * (1 - p_bar)
    assert engine_rules(chart) == rules_by_definition(
        len(OJ), counts, *zones(counts, n * p_bar, lambda i: var)
    )


# --- c and u chart: printed circuit boards -----------------------------------------------


def test_c_chart_printed_circuit_boards_exactly() -> None:
    c_bar = Fraction(sum(PCB), len(PCB))
    ucl, lcl = dec(c_bar) + 3 * sqrt(c_bar), dec(c_bar) - 3 * sqrt(c_bar)
    chart = c_chart(PCB)
    assert close(chart.center, c_bar) and close(chart.ucl, ucl) and close(chart.lcl, lcl)
    counts = [Fraction(c) for c in PCB]
    out = tuple(i for i, c in enumerate(counts) if dec(c) > ucl or dec(c) < lcl)
    assert chart.out_of_limits == out == (5, 19)
    # beside: the printed c-bar (the printed limits rest on c-bar rounded to 19.85)
    assert round(chart.center, 2) == 19.85
    assert engine_rules(chart) == rules_by_definition(
        len(PCB), counts, *zones(counts, c_bar, lambda i: c_bar)
    )


def test_u_chart_per_board_exactly() -> None:
    boards = 100
    u_bar = Fraction(sum(PCB), boards * len(PCB))
    half = 3 * sqrt(u_bar / boards)
    chart = u_chart(PCB, [float(boards)] * len(PCB))
    assert close(chart.center, u_bar)
    assert close(chart.ucl, dec(u_bar) + half) and close(chart.lcl, dec(u_bar) - half)
    rates = [Fraction(c, boards) for c in PCB]
    assert engine_rules(chart) == rules_by_definition(
        len(PCB), rates, *zones(rates, u_bar, lambda i: u_bar / boards)
    )
    assert round(chart.center, 4) == 0.1985


# --- I-MR over the 30 observations (phase I and with the known mean and sigma) -----------


def test_individuals_chart_of_the_30_observations_exactly() -> None:
    x_bar = Fraction(sum(X), len(X))
    mr = [abs(b - a) for a, b in itertools.pairwise(X)]
    mr_bar = Fraction(sum(mr), len(mr))
    # d2(2) = 2/√π, d3(2) = √(2 − 4/π): sigma = MR-bar √π / 2
    sigma = dec(mr_bar) * PI.sqrt() / 2
    chart = imr_chart(XF)
    assert close(chart.center, x_bar)
    assert chart.process_sigma is not None and close(chart.process_sigma, sigma)
    assert close(chart.ucl, dec(x_bar) + 3 * sigma) and close(chart.lcl, dec(x_bar) - 3 * sigma)
    assert chart.secondary is not None
    d4 = 1 + 3 * (2 - 4 / PI).sqrt() / (2 / PI.sqrt())
    assert close(chart.secondary.ucl, d4 * dec(mr_bar))
    assert close(chart.secondary.center, mr_bar)
    for pt, m in zip(chart.secondary.points, mr, strict=True):
        assert close(pt.value, m)
    assert round(d4, 3) == Decimal("3.267")  # the printed D4(2)
    # Rules: sigma² = MR-bar² π / 4 is irrational; zones by 60-digit decimals, whose
    # error (1e-58) is far below the smallest gap between a point and a zone boundary.
    var = sigma * sigma

    def beyond(i: int, k: int) -> bool:
        return dec((X[i] - x_bar) ** 2) > k * k * var

    def within(i: int, k: int) -> bool:
        return dec((X[i] - x_bar) ** 2) < k * k * var

    gaps = [abs(dec((x - x_bar) ** 2) - k * k * var) for x in X for k in (1, 2, 3)]
    assert min(gaps) > Decimal("1e-30")

    def side(i: int) -> int:
        return (X[i] > x_bar) - (X[i] < x_bar)

    assert engine_rules(chart) == rules_by_definition(len(X), X, beyond, within, side)


def test_individuals_chart_with_known_mean_and_sigma_exactly() -> None:
    """Phase II (target 10, sigma 1): the shift after period 20 breaks the run rules."""
    chart = imr_chart(XF, center=10.0, sigma=1.0)
    assert (chart.center, chart.ucl, chart.lcl) == (10.0, 13.0, 7.0)
    exact = rules_by_definition(len(X), X, *zones(X, Fraction(10), lambda i: Fraction(1)))
    assert engine_rules(chart) == exact
    # the pattern the textbook describes: a run above the centre line at the end
    assert any(rule == "we4" and i >= 20 for rule, i in exact)


# --- tabular CUSUM and EWMA over the 30 observations ---------------------------------------


def test_tabular_cusum_exactly() -> None:
    mu0, k, h = Fraction(10), Fraction(1, 2), Fraction(5)
    up, down = [], []
    cp = cm = Fraction(0)
    for x in X:
        cp = max(Fraction(0), x - (mu0 + k) + cp)
        cm = max(Fraction(0), (mu0 - k) - x + cm)
        up.append(cp)
        down.append(cm)
    chart = cusum_chart(XF, target=10.0, sigma=1.0, k=0.5, h=5.0)
    assert chart.secondary is not None
    for pt, c in zip(chart.points, up, strict=True):
        assert close(pt.value, c)
    for pt, c in zip(chart.secondary.points, down, strict=True):
        assert close(pt.value, -c)
    first = next(i for i, c in enumerate(up) if c > h)
    assert chart.out_of_limits[0] == first == 28  # period 29
    assert chart.out_of_limits == tuple(i for i, c in enumerate(up) if c > h)
    assert chart.secondary.out_of_limits == tuple(i for i, c in enumerate(down) if c > h) == ()
    # beside: the printed C+ of the last two periods and C- of the first three
    assert [round(p.value, 2) for p in chart.points[-2:]] == [5.28, 5.30]
    assert [round(-p.value, 2) for p in chart.secondary.points[:3]] == [0.05, 1.56, 1.77]


@pytest.mark.parametrize("asymptotic", [False, True])
def test_ewma_exactly(asymptotic: bool) -> None:
    lam, width, mu0 = Fraction(1, 10), Decimal("2.7"), Fraction(10)
    z = mu0
    chart = ewma_chart(XF, lam=0.1, width=2.7, target=10.0, sigma=1.0, asymptotic=asymptotic)
    stats, variances = [], []
    for i, (x, pt) in enumerate(zip(X, chart.points, strict=True), start=1):
        z = lam * x + (1 - lam) * z
        var = lam / (2 - lam) * (1 if asymptotic else 1 - (1 - lam) ** (2 * i))
        half = width * sqrt(var)
        assert close(pt.value, z)
        assert close(pt.ucl, dec(mu0) + half) and close(pt.lcl, dec(mu0) - half)
        assert close(pt.sigma, sqrt(var))
        stats.append(z)
        variances.append(var)
    out = tuple(
        i
        for i, (s, v) in enumerate(zip(stats, variances, strict=True))
        if dec((s - mu0) ** 2) > width * width * dec(v)
    )
    assert chart.out_of_limits == out
    assert out[0] == 28  # period 29, as the CUSUM
    # the rules on the EWMA statistic, with each point's own standard error
    assert engine_rules(chart) == rules_by_definition(
        len(X), stats, *zones(stats, mu0, lambda i: variances[i])
    )
    # beside: the printed figures
    if asymptotic:
        assert (round(chart.ucl, 2), round(chart.lcl, 2)) == (10.62, 9.38)
    else:
        assert (round(chart.points[0].value, 3), round(chart.points[1].value, 4)) == (
            9.945,
            9.7495,
        )


# --- capability: NIST/SEMATECH e-Handbook 6.1.6 --------------------------------------------


def test_capability_nist_example_exactly() -> None:
    usl, lsl, mu, sigma = Fraction(20), Fraction(8), Fraction(16), Fraction(2)
    cp = (usl - lsl) / (6 * sigma)
    cpu = (usl - mu) / (3 * sigma)
    cpl = (mu - lsl) / (3 * sigma)
    cap = capability_from_stats(
        n=100, mean=16.0, sigma_within=2.0, sigma_overall=2.0, lsl=8.0, usl=20.0
    )
    assert cap.cp is not None and cap.cpu is not None and cap.cpl is not None
    assert cap.cpk is not None and cap.pp is not None and cap.ppk is not None
    assert close(cap.cp, cp) and close(cap.cpu, cpu) and close(cap.cpl, cpl)
    assert close(cap.cpk, min(cpu, cpl)) and close(cap.pp, cp) and close(cap.ppk, min(cpu, cpl))
    # beside: the printed figures
    assert (round(cap.cp, 4), round(cap.cpu, 4), round(cap.cpl, 4), round(cap.cpk, 4)) == (
        1.0,
        0.6667,
        1.3333,
        0.6667,
    )
