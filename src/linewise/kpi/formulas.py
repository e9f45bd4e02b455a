"""ISO 22400-2 KPI formulas over summed time elements and counts, in two loss conventions.

KPIs are always computed from sums (never from other KPIs), so the same function serves a
machine, a line, a site, a shift or a year. A ratio with a zero denominator is ``None``:
"not defined" must not be confused with 0 % or pass as NaN through JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from linewise.kpi.counts import CountTotals
from linewise.kpi.elements import TimeElements


class Convention(StrEnum):
    """How minor stops and short idling are booked.

    ISO 22400 (default) books them as ADET, lowering availability; the six big losses
    (Nakajima) book them as run time, lowering performance. OEE is the same in both.
    """

    ISO_22400 = "iso22400"
    SIX_BIG_LOSSES = "six_big_losses"


def ratio(numerator: float, denominator: float) -> float | None:
    """``numerator / denominator``, or None when the denominator is zero."""
    return None if denominator == 0 else numerator / denominator


def _s(value: timedelta) -> float:
    return value.total_seconds()


_COMMON = {
    "quality_ratio": "GQ / PQ",
    "quality_ratio_time_weighted": "Σ(PRU × GQ) / Σ(PRU × PQ)",
    "oee": "Σ(PRU × GQ) / PBT",
    "nee": "(AUPT / PBT) × (Σ(PRU × PQ) / APT) × (GQ / PQ)",
    "technical_efficiency": "APT / (APT + ADET)",
    "setup_rate": "ASUT / AUPT",
    "allocation_efficiency": "AUBT / PBT, AUBT = AUPT + ADET",
    "throughput_rate_per_hour": "PQ / window length [h]",
    "scrap_ratio": "SQ / PQ",
    "rework_ratio": "RQ / PQ",
    "first_pass_yield": "GP / IP",
    "mtbf_s": "(APT + ASUT + ADET) / failures",
    "mttr_s": "ADOT / failures",
}

FORMULAS: dict[Convention, dict[str, str]] = {
    Convention.ISO_22400: {
        "availability": "APT / PBT",
        "effectiveness": "Σ(PRU × PQ) / APT",
        **_COMMON,
    },
    Convention.SIX_BIG_LOSSES: {
        "availability": (
            "RT / PBT, RT = PBT − ADOT − ASUT − idle stops ≥ threshold − unknown"
            " = APT + minor stops + idle stops < threshold"
        ),
        "effectiveness": "Σ(PRU × PQ) / RT",
        **_COMMON,
    },
}


@dataclass(frozen=True, slots=True)
class Kpis:
    """One set of KPI values; ``availability`` and ``effectiveness`` depend on the convention.

    ``effectiveness`` is not clamped: above 1 means the ideal cycle time is too slow.
    """

    convention: Convention
    availability: float | None
    effectiveness: float | None
    quality_ratio: float | None
    quality_ratio_time_weighted: float | None
    oee: float | None
    nee: float | None
    technical_efficiency: float | None
    setup_rate: float | None
    allocation_efficiency: float | None
    throughput_rate_per_hour: float | None
    scrap_ratio: float | None
    rework_ratio: float | None
    first_pass_yield: float | None
    mtbf_s: float | None
    mttr_s: float | None

    def factor_product(self) -> float | None:
        """Availability × effectiveness × time-weighted quality: equals OEE when defined."""
        a, e, q = self.availability, self.effectiveness, self.quality_ratio_time_weighted
        return None if a is None or e is None or q is None else a * e * q

    def as_dict(self) -> dict[str, float | None]:
        return {name: getattr(self, name) for name in FORMULAS[self.convention]}


def compute_kpis(
    elements: TimeElements,
    counts: CountTotals,
    failures: int,
    window_length: timedelta,
    convention: Convention = Convention.ISO_22400,
) -> Kpis:
    """All KPIs of KPI.md from sums; ``failures`` = down stops at or above the threshold."""
    pbt = _s(elements.pbt)
    apt = _s(elements.apt)
    iso_effectiveness = ratio(counts.ideal_produced_s, apt)
    if convention is Convention.ISO_22400:
        availability = ratio(apt, pbt)
        effectiveness = iso_effectiveness
    else:
        run_time = _s(elements.run_time_six_big_losses)
        availability = ratio(run_time, pbt)
        effectiveness = ratio(counts.ideal_produced_s, run_time)
    quality = ratio(counts.good, counts.produced)
    utilisation = ratio(_s(elements.aupt), pbt)
    nee = (
        utilisation * iso_effectiveness * quality
        if utilisation is not None and iso_effectiveness is not None and quality is not None
        else None
    )
    hours = window_length.total_seconds() / 3600
    return Kpis(
        convention=convention,
        availability=availability,
        effectiveness=effectiveness,
        quality_ratio=quality,
        quality_ratio_time_weighted=ratio(counts.ideal_good_s, counts.ideal_produced_s),
        oee=ratio(counts.ideal_good_s, pbt),
        nee=nee,
        technical_efficiency=ratio(apt, apt + _s(elements.adet)),
        setup_rate=ratio(_s(elements.asut), _s(elements.aupt)),
        allocation_efficiency=ratio(_s(elements.aubt), pbt),
        throughput_rate_per_hour=ratio(counts.produced, hours),
        scrap_ratio=ratio(counts.scrap, counts.produced),
        rework_ratio=ratio(counts.rework, counts.produced),
        first_pass_yield=ratio(counts.first_pass_good, counts.inspected),
        mtbf_s=ratio(_s(elements.apt + elements.asut + elements.adet), failures),
        mttr_s=ratio(_s(elements.adot), failures),
    )
