"""Control charts: X-bar/R, X-bar/S, I-MR, p, np, c, u, EWMA and tabular CUSUM.

Every chart is a sequence of `ChartPoint`s, each with its own centre, limits and the
standard error (`sigma`) of the plotted statistic, so that charts whose limits vary from
point to point (p and u with varying sample sizes, EWMA's widening limits) are evaluated
by the run rules on the same footing as the others. Lower limits of statistics that
cannot be negative are clipped at zero (a point can never fall below them), as the
textbooks do.

Limits are estimated from the data given (phase I) unless a known centre and sigma are
passed (phase II: the standard values given).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from linewise.spc import constants


class ChartKind(StrEnum):
    XBAR_R = "xbar_r"
    XBAR_S = "xbar_s"
    IMR = "imr"
    P = "p"
    NP = "np"
    C = "c"
    U = "u"
    EWMA = "ewma"
    CUSUM = "cusum"


@dataclass(frozen=True, slots=True)
class ChartPoint:
    index: int
    value: float
    center: float
    ucl: float
    lcl: float
    # Standard error of the plotted statistic at this point (the zone width for the rules).
    sigma: float

    @property
    def beyond_limits(self) -> bool:
        return self.value > self.ucl or self.value < self.lcl


@dataclass(frozen=True, slots=True)
class Chart:
    kind: ChartKind
    statistic: str
    points: tuple[ChartPoint, ...]
    center: float
    # The limits of the last point (constant for most charts; EWMA's asymptote is
    # reached only after some points).
    ucl: float
    lcl: float
    # The process sigma the limits rest on (None for attribute charts).
    process_sigma: float | None = None
    # The dispersion chart beside a variables chart (R, S, MR), or C- beside CUSUM's C+.
    secondary: Chart | None = None

    @property
    def out_of_limits(self) -> tuple[int, ...]:
        return tuple(p.index for p in self.points if p.beyond_limits)


def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def _stdev(values: Sequence[float]) -> float:
    m = _mean(values)
    return math.sqrt(math.fsum((v - m) ** 2 for v in values) / (len(values) - 1))


def _constant_chart(
    kind: ChartKind,
    statistic: str,
    values: Sequence[float],
    center: float,
    sigma: float,
    *,
    floor: float | None = None,
    ucl: float | None = None,
    lcl: float | None = None,
    process_sigma: float | None = None,
    secondary: Chart | None = None,
) -> Chart:
    upper = center + 3 * sigma if ucl is None else ucl
    lower = center - 3 * sigma if lcl is None else lcl
    if floor is not None:
        lower = max(floor, lower)
    pts = tuple(ChartPoint(i, float(v), center, upper, lower, sigma) for i, v in enumerate(values))
    return Chart(kind, statistic, pts, center, upper, lower, process_sigma, secondary)


def _subgroups(subgroups: Sequence[Sequence[float]]) -> int:
    if not subgroups:
        raise ValueError("no subgroups")
    sizes = {len(s) for s in subgroups}
    if len(sizes) != 1:
        raise ValueError("subgroups must all have the same size")
    n = sizes.pop()
    if n < 2:
        raise ValueError("subgroups need at least two observations (use I-MR for one)")
    return n


def xbar_r_chart(
    subgroups: Sequence[Sequence[float]],
    *,
    center: float | None = None,
    sigma: float | None = None,
) -> Chart:
    """X-bar chart with limits x-double-bar +/- A2 R-bar, and its R chart (D3, D4)."""
    n = _subgroups(subgroups)
    means = [_mean(s) for s in subgroups]
    ranges = [max(s) - min(s) for s in subgroups]
    r_bar = _mean(ranges)
    x_bar = _mean(means) if center is None else center
    proc_sigma = r_bar / constants.d2(n) if sigma is None else sigma
    r_center = constants.d2(n) * proc_sigma
    r_sigma = constants.d3(n) * proc_sigma
    r_chart = _constant_chart(
        ChartKind.XBAR_R,
        "range",
        ranges,
        r_center,
        r_sigma,
        ucl=constants.d4(n) * r_center,
        lcl=constants.d3_lower(n) * r_center,
    )
    return _constant_chart(
        ChartKind.XBAR_R,
        "mean",
        means,
        x_bar,
        proc_sigma / math.sqrt(n),
        process_sigma=proc_sigma,
        secondary=r_chart,
    )


def xbar_s_chart(
    subgroups: Sequence[Sequence[float]],
    *,
    center: float | None = None,
    sigma: float | None = None,
) -> Chart:
    """X-bar chart with limits x-double-bar +/- A3 s-bar, and its S chart (B3, B4)."""
    n = _subgroups(subgroups)
    means = [_mean(s) for s in subgroups]
    sds = [_stdev(s) for s in subgroups]
    s_bar = _mean(sds)
    x_bar = _mean(means) if center is None else center
    c4 = constants.c4(n)
    proc_sigma = s_bar / c4 if sigma is None else sigma
    s_center = c4 * proc_sigma
    s_chart = _constant_chart(
        ChartKind.XBAR_S,
        "stdev",
        sds,
        s_center,
        proc_sigma * math.sqrt(1 - c4 * c4),
        ucl=constants.b4(n) * s_center,
        lcl=constants.b3(n) * s_center,
    )
    return _constant_chart(
        ChartKind.XBAR_S,
        "mean",
        means,
        x_bar,
        proc_sigma / math.sqrt(n),
        process_sigma=proc_sigma,
        secondary=s_chart,
    )


def moving_ranges(values: Sequence[float]) -> list[float]:
    return [abs(b - a) for a, b in itertools.pairwise(values)]


def imr_chart(
    values: Sequence[float],
    *,
    center: float | None = None,
    sigma: float | None = None,
) -> Chart:
    """Individuals chart (x-bar +/- 3 MR-bar/d2) and its moving range chart (D4 = 3.267)."""
    if len(values) < 2:
        raise ValueError("an I-MR chart needs at least two values")
    mrs = moving_ranges(values)
    mr_bar = _mean(mrs)
    x_bar = _mean(values) if center is None else center
    proc_sigma = mr_bar / constants.d2(2) if sigma is None else sigma
    mr_center = constants.d2(2) * proc_sigma
    mr_chart = _constant_chart(
        ChartKind.IMR,
        "moving_range",
        [math.nan, *mrs],
        mr_center,
        constants.d3(2) * proc_sigma,
        ucl=constants.d4(2) * mr_center,
        lcl=0.0,
    )
    # The first point has no moving range: leave it out of the MR chart.
    mr_chart = Chart(
        mr_chart.kind,
        mr_chart.statistic,
        mr_chart.points[1:],
        mr_chart.center,
        mr_chart.ucl,
        mr_chart.lcl,
        None,
        None,
    )
    return _constant_chart(
        ChartKind.IMR,
        "individual",
        values,
        x_bar,
        proc_sigma,
        process_sigma=proc_sigma,
        secondary=mr_chart,
    )


def p_chart(defectives: Sequence[int], sizes: Sequence[int], *, p: float | None = None) -> Chart:
    """Fraction nonconforming; limits p-bar +/- 3 sqrt(p-bar (1 - p-bar) / n_i)."""
    if len(defectives) != len(sizes) or not sizes:
        raise ValueError("defectives and sizes must be non-empty and of equal length")
    if any(n <= 0 for n in sizes) or any(
        d < 0 or d > n for d, n in zip(defectives, sizes, strict=True)
    ):
        raise ValueError("each sample needs 0 <= defectives <= size and size > 0")
    p_bar = sum(defectives) / sum(sizes) if p is None else p
    pts = []
    for i, (d, n) in enumerate(zip(defectives, sizes, strict=True)):
        s = math.sqrt(p_bar * (1 - p_bar) / n)
        pts.append(ChartPoint(i, d / n, p_bar, min(1.0, p_bar + 3 * s), max(0.0, p_bar - 3 * s), s))
    last = pts[-1]
    return Chart(ChartKind.P, "fraction_nonconforming", tuple(pts), p_bar, last.ucl, last.lcl)


def np_chart(defectives: Sequence[int], size: int, *, p: float | None = None) -> Chart:
    """Number nonconforming with a constant sample size: n p-bar +/- 3 sqrt(n p-bar (1-p-bar))."""
    if not defectives or size <= 0:
        raise ValueError("need samples and a positive sample size")
    p_bar = sum(defectives) / (size * len(defectives)) if p is None else p
    s = math.sqrt(size * p_bar * (1 - p_bar))
    return _constant_chart(
        ChartKind.NP,
        "number_nonconforming",
        [float(d) for d in defectives],
        size * p_bar,
        s,
        floor=0.0,
    )


def c_chart(counts: Sequence[int], *, c: float | None = None) -> Chart:
    """Nonconformities per inspection unit: c-bar +/- 3 sqrt(c-bar)."""
    if not counts:
        raise ValueError("no counts")
    c_bar = sum(counts) / len(counts) if c is None else c
    return _constant_chart(
        ChartKind.C,
        "nonconformities",
        [float(x) for x in counts],
        c_bar,
        math.sqrt(c_bar),
        floor=0.0,
    )


def u_chart(counts: Sequence[int], units: Sequence[float], *, u: float | None = None) -> Chart:
    """Nonconformities per unit: u-bar +/- 3 sqrt(u-bar / n_i)."""
    if len(counts) != len(units) or not units or any(n <= 0 for n in units):
        raise ValueError("counts and units must be non-empty, equal in length, units > 0")
    u_bar = sum(counts) / math.fsum(units) if u is None else u
    pts = []
    for i, (x, n) in enumerate(zip(counts, units, strict=True)):
        s = math.sqrt(u_bar / n)
        pts.append(ChartPoint(i, x / n, u_bar, u_bar + 3 * s, max(0.0, u_bar - 3 * s), s))
    last = pts[-1]
    return Chart(ChartKind.U, "nonconformities_per_unit", tuple(pts), u_bar, last.ucl, last.lcl)


def ewma_chart(
    values: Sequence[float],
    *,
    lam: float = 0.2,
    width: float = 3.0,
    target: float | None = None,
    sigma: float | None = None,
    asymptotic: bool = False,
) -> Chart:
    """EWMA z_i = lam x_i + (1 - lam) z_{i-1}, z_0 = target.

    Limits target +/- L sigma sqrt(lam/(2-lam) (1 - (1-lam)^(2i))) (exact, widening), or
    the asymptotic ones when ``asymptotic``. Without a sigma it is estimated as MR-bar/d2.
    """
    if not values:
        raise ValueError("no values")
    if not 0 < lam <= 1:
        raise ValueError("lambda must be in (0, 1]")
    mu = _mean(values) if target is None else target
    if sigma is None:
        if len(values) < 2:
            raise ValueError("give a sigma or at least two values")
        sigma = _mean(moving_ranges(values)) / constants.d2(2)
    z = mu
    pts = []
    for i, x in enumerate(values, start=1):
        z = lam * x + (1 - lam) * z
        factor = 1.0 if asymptotic else 1 - (1 - lam) ** (2 * i)
        s = sigma * math.sqrt(lam / (2 - lam) * factor)
        pts.append(ChartPoint(i - 1, z, mu, mu + width * s, mu - width * s, s))
    last = pts[-1]
    return Chart(ChartKind.EWMA, "ewma", tuple(pts), mu, last.ucl, last.lcl, sigma)


def cusum_chart(
    values: Sequence[float],
    *,
    target: float,
    sigma: float,
    k: float = 0.5,
    h: float = 5.0,
) -> Chart:
    """Tabular CUSUM (Montgomery 9.1): C+_i = max(0, x_i - (mu0 + K) + C+_{i-1}),
    C-_i = max(0, (mu0 - K) - x_i + C-_{i-1}), K = k sigma, H = h sigma.

    The chart's points are C+ (limit H); its secondary chart holds -C- (limit -H), the way
    the textbook plots both on one axis. ``sigma`` on the points is H/3 so that only the
    limit test (rule 1) is meaningful on a CUSUM.
    """
    if not values:
        raise ValueError("no values")
    if sigma <= 0:
        raise ValueError("sigma must be positive")
    big_k, big_h = k * sigma, h * sigma
    cp = cm = 0.0
    ups, downs = [], []
    for i, x in enumerate(values):
        cp = max(0.0, x - (target + big_k) + cp)
        cm = max(0.0, (target - big_k) - x + cm)
        ups.append(ChartPoint(i, cp, 0.0, big_h, -big_h, big_h / 3))
        downs.append(ChartPoint(i, -cm, 0.0, big_h, -big_h, big_h / 3))
    lower = Chart(ChartKind.CUSUM, "cusum_lower", tuple(downs), 0.0, big_h, -big_h, sigma)
    return Chart(ChartKind.CUSUM, "cusum_upper", tuple(ups), 0.0, big_h, -big_h, sigma, lower)
