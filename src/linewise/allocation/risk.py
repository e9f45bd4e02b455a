"""The idle-risk model: will this machine stand idle for 5 minutes or more soon?

For each horizon (5, 15, 30 minutes) a logistic regression over a few features of one
machine at one instant (its live state, how long it has been in it, how idle its last
hour was, how long its current operation still runs by the learned durations, when the
next planned stop comes). The coefficients are learned from simulator history
(``allocation/training.py``) and shipped in ``risk_coefficients.py``; predicting needs
nothing but this module (no numpy, nothing downloaded).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

HORIZONS: tuple[int, ...] = (5, 15, 30)
MIN_EPISODE_MIN = 5.0
FLAG_ABOVE = 0.8  # a risk above this is flagged on the Idle page
FEATURES: tuple[str, ...] = (
    "bias",
    "producing",
    "idle",
    "down",
    "setup",
    "log_minutes_idle",  # how long it has stood (idle or down), 0 otherwise
    "log_minutes_running",  # how long it has produced, 0 otherwise
    "idle_share_last_hour",
    "has_operation",
    "operation_ends_within_h",
    "planned_stop_within_h",
)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One machine at one instant, as both the simulator and the product can see it."""

    state: str  # producing | idle | down | setup | (anything else: unknown)
    minutes_in_state: float
    idle_share_last_hour: float  # 0..1: idle or down share of the last 60 minutes
    minutes_to_operation_end: float | None  # the running operation's expected end; None: none
    minutes_to_planned_stop: float | None  # the next break or shift end; None: not known


def features(s: Snapshot, horizon_min: int) -> list[float]:
    """The feature vector of ``FEATURES`` for one horizon."""
    h = float(horizon_min)
    to_end = s.minutes_to_operation_end
    to_stop = s.minutes_to_planned_stop
    duration = min(math.log1p(max(0.0, s.minutes_in_state)), 6.0) / 6.0
    return [
        1.0,
        float(s.state == "producing"),
        float(s.state == "idle"),
        float(s.state == "down"),
        float(s.state == "setup"),
        duration if s.state in ("idle", "down") else 0.0,
        duration if s.state == "producing" else 0.0,
        min(1.0, max(0.0, s.idle_share_last_hour)),
        float(to_end is not None),
        float(to_end is not None and to_end <= h),
        float(to_stop is not None and to_stop <= h),
    ]


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@dataclass(frozen=True)
class RiskModel:
    coefficients: dict[int, tuple[float, ...]]  # horizon (minutes) -> one weight per feature

    def risk(self, s: Snapshot, horizon_min: int) -> float:
        w = self.coefficients[horizon_min]
        return _sigmoid(sum(a * b for a, b in zip(w, features(s, horizon_min), strict=True)))

    def risks(self, s: Snapshot) -> dict[int, float]:
        return {h: self.risk(s, h) for h in self.coefficients}


def persistence(s: Snapshot) -> bool:
    """The baseline: idle (or down) now means idle later."""
    return s.state in ("idle", "down")


def shipped_model() -> RiskModel:
    from linewise.allocation.risk_coefficients import COEFFICIENTS

    return RiskModel({int(h): tuple(w) for h, w in COEFFICIENTS.items()})


def shipped_operator_model() -> RiskModel:
    """The same question of an operator (working read as producing, walking as setup, the
    end of their present stretch as the planned stop), fitted on simulated operators."""
    from linewise.allocation.operator_risk_coefficients import COEFFICIENTS

    return RiskModel({int(h): tuple(w) for h, w in COEFFICIENTS.items()})
