"""Process capability (Cp, Cpk) and performance (Pp, Ppk) indices.

Cp = (USL - LSL) / 6 sigma_within, Cpk = min(USL - mu, mu - LSL) / 3 sigma_within;
Pp and Ppk the same with the overall sample standard deviation (n - 1). sigma_within is
R-bar/d2 for subgroups, MR-bar/d2 for individuals, unless given. With one specification
limit only the one-sided index exists (Cp and Pp are then None).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from linewise.spc import constants
from linewise.spc.charts import moving_ranges


@dataclass(frozen=True, slots=True)
class Capability:
    n: int
    mean: float
    sigma_within: float
    sigma_overall: float
    lsl: float | None
    usl: float | None
    cp: float | None
    cpk: float | None
    cpu: float | None
    cpl: float | None
    pp: float | None
    ppk: float | None


def _indices(
    mean: float, sigma: float, lsl: float | None, usl: float | None
) -> tuple[float | None, float | None, float | None, float | None]:
    if sigma <= 0:
        return None, None, None, None
    upper = (usl - mean) / (3 * sigma) if usl is not None else None
    lower = (mean - lsl) / (3 * sigma) if lsl is not None else None
    both = (usl - lsl) / (6 * sigma) if usl is not None and lsl is not None else None
    sides = [x for x in (upper, lower) if x is not None]
    return both, (min(sides) if sides else None), upper, lower


def capability_from_stats(
    *,
    n: int,
    mean: float,
    sigma_within: float,
    sigma_overall: float,
    lsl: float | None,
    usl: float | None,
) -> Capability:
    if lsl is None and usl is None:
        raise ValueError("capability needs at least one specification limit")
    if lsl is not None and usl is not None and lsl >= usl:
        raise ValueError("LSL must be below USL")
    cp, cpk, cpu, cpl = _indices(mean, sigma_within, lsl, usl)
    pp, ppk, _, _ = _indices(mean, sigma_overall, lsl, usl)
    return Capability(n, mean, sigma_within, sigma_overall, lsl, usl, cp, cpk, cpu, cpl, pp, ppk)


def capability(
    values: Sequence[float],
    *,
    lsl: float | None,
    usl: float | None,
    subgroup_size: int = 1,
    sigma_within: float | None = None,
) -> Capability:
    """Indices of individual values (in time order; consecutive runs of ``subgroup_size``
    form the subgroups when it is above 1)."""
    if len(values) < 2:
        raise ValueError("capability needs at least two values")
    mean = math.fsum(values) / len(values)
    overall = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1))
    if sigma_within is None:
        if subgroup_size <= 1:
            sigma_within = math.fsum(moving_ranges(values)) / (len(values) - 1) / constants.d2(2)
        else:
            groups = [
                values[i : i + subgroup_size]
                for i in range(0, len(values) - subgroup_size + 1, subgroup_size)
            ]
            r_bar = math.fsum(max(g) - min(g) for g in groups) / len(groups)
            sigma_within = r_bar / constants.d2(subgroup_size)
    return capability_from_stats(
        n=len(values),
        mean=mean,
        sigma_within=sigma_within,
        sigma_overall=overall,
        lsl=lsl,
        usl=usl,
    )
