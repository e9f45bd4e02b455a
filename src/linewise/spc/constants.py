"""Control chart constants for subgroups of size n (ASTM E2587, Montgomery App. VI).

d2 and d3 (mean and standard deviation of the relative range W = R/sigma of n normal
observations) have no closed form; ``range_moments`` computes them by quadrature (to
about 1e-9, where the published tables give three or four digits) and ``TABLE`` keeps
its results. c4 is exact:
c4(n) = sqrt(2/(n-1)) * Gamma(n/2) / Gamma((n-1)/2). The others derive from these.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache


def _phi(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def _cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _simpson(f: Callable[[float], float], a: float, b: float, steps: int) -> float:
    h = (b - a) / steps
    total = f(a) + f(b)
    for i in range(1, steps):
        total += (4 if i % 2 else 2) * f(a + i * h)
    return total * h / 3


@cache
def range_moments(n: int) -> tuple[float, float]:
    """E[W] and sd[W] of the range W of n standard normal observations, by quadrature.

    E[W] = int 1 - Phi(x)^n - (1 - Phi(x))^n dx;
    P(W <= w) = n int phi(x) (Phi(x + w) - Phi(x))^(n-1) dx, E[W^2] = int 2 w P(W > w) dw.
    """
    mean = _simpson(lambda x: 1.0 - _cdf(x) ** n - (1.0 - _cdf(x)) ** n, -9.0, 9.0, 1800)

    def survival(w: float) -> float:
        inner = _simpson(lambda x: _phi(x) * (_cdf(x + w) - _cdf(x)) ** (n - 1), -9.0, 9.0, 360)
        return 1.0 - n * inner

    second = _simpson(lambda w: 2.0 * w * survival(w), 0.0, 14.0, 560)
    return mean, math.sqrt(max(0.0, second - mean * mean))


MAX_SUBGROUP = 25
# (d2, d3) for n = 2..25 as ``range_moments`` computes them, kept so that no process pays
# the quadrature (about a second) on its first chart; a test recomputes them.
TABLE: dict[int, tuple[float, float]] = {
    2: (1.1283791670955128, 0.8525024664274368),
    3: (1.6925687506432665, 0.8883680080864838),
    4: (2.058750746007927, 0.8798082028249574),
    5: (2.325928947281029, 0.8640819410982737),
    6: (2.5344127212229393, 0.8480396861175128),
    7: (2.70435675121381, 0.8332053356221709),
    8: (2.8472006120905546, 0.8198314897919312),
    9: (2.9700263244184697, 0.8078342745533339),
    10: (3.07750546167034, 0.797050673519452),
    11: (3.1728727038160005, 0.7873146205502954),
    12: (3.2584552797438264, 0.7784783412033863),
    13: (3.33598035409825, 0.770416202063761),
    14: (3.4067631081999536, 0.7630230956247553),
    15: (3.4718268898820717, 0.7562114297279381),
    16: (3.5319827861095607, 0.7499080894100066),
    17: (3.58788396176538, 0.7440517839607372),
    18: (3.6400637579374444, 0.7385908533781521),
    19: (3.6889630232076454, 0.7334814955188831),
    20: (3.734950119596638, 0.7286863457073215),
    21: (3.7783358298426077, 0.7241733407175852),
    22: (3.8193846433628273, 0.7199148084342348),
    23: (3.858323423285006, 0.7158867354918067),
    24: (3.8953481484513564, 0.7120681751479377),
    25: (3.9306292195071024, 0.708440765888704),
}


def _check(n: int) -> None:
    if not 2 <= n <= MAX_SUBGROUP:
        raise ValueError(f"subgroup size {n} outside 2..{MAX_SUBGROUP}")


def d2(n: int) -> float:
    _check(n)
    return TABLE[n][0]


def d3(n: int) -> float:
    """Standard deviation of the relative range (the table's d3, not the D3 factor)."""
    _check(n)
    return TABLE[n][1]


def c4(n: int) -> float:
    if n < 2:
        raise ValueError(f"subgroup size {n} below 2")
    return math.sqrt(2.0 / (n - 1)) * math.exp(math.lgamma(n / 2) - math.lgamma((n - 1) / 2))


def a2(n: int) -> float:
    return 3.0 / (d2(n) * math.sqrt(n))


def d4(n: int) -> float:
    """Upper range factor D4 = 1 + 3 d3/d2."""
    return 1.0 + 3.0 * d3(n) / d2(n)


def d3_lower(n: int) -> float:
    """Lower range factor D3 = max(0, 1 - 3 d3/d2)."""
    return max(0.0, 1.0 - 3.0 * d3(n) / d2(n))


def a3(n: int) -> float:
    return 3.0 / (c4(n) * math.sqrt(n))


def b3(n: int) -> float:
    c = c4(n)
    return max(0.0, 1.0 - 3.0 * math.sqrt(1.0 - c * c) / c)


def b4(n: int) -> float:
    c = c4(n)
    return 1.0 + 3.0 * math.sqrt(1.0 - c * c) / c
