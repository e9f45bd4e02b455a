"""The Numenta Anomaly Benchmark's scoring rules, written from NAB's published method
(Lavin & Ahmad 2015; nab/sweeper.py): anomaly windows, the scaled sigmoid, the cost
profiles and the normalisation between the null and the perfect detector.

A detector gives each timestamp of a file an anomaly score in [0, 1]; the points whose
score is at or above a threshold are its detections. Per file:

- the first 15 % of the rows (at most 750) are the probationary period and not scored;
- inside a window only the earliest detection counts, ``tp * sigma(y) / sigma(-1)``
  with ``y`` the relative position in the window (-1 at its left edge, 0 at its right);
  a window without a detection costs ``-fn``;
- a detection outside every window costs ``fp * sigma(y)``, ``y`` the distance past the
  right edge of the preceding window in window widths (-1 if none precedes it or y > 3).

The corpus score is ``100 * (S - S_null) / (S_perfect - S_null)`` over the sums of all
files. Pure: lists in, numbers out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    tp: float
    fn: float
    fp: float


PROFILES = {
    "standard": Profile(1.0, 1.0, 0.11),
    "reward_low_FP_rate": Profile(1.0, 1.0, 0.22),
    "reward_low_FN_rate": Profile(1.0, 2.0, 0.11),
}


def scaled_sigmoid(y: float) -> float:
    if y > 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * y)) - 1.0


def probation(rows: int, percent: float = 0.15) -> int:
    return int(min(math.floor(percent * rows), percent * 5000))


@dataclass(frozen=True)
class ScoredFile:
    """Per point after the probationary period: its window (or -1) and its weight if it
    were a detection (unweighted by the profile: ``tp_part`` inside, ``fp_part`` outside)."""

    windows: int  # windows with at least one scored point
    window_of: list[int]  # per scored point
    sweep: list[float]  # per scored point: sigma-based value (see calc)
    offset: int  # index of the first scored point


def prepare(rows: int, windows: Sequence[tuple[int, int]]) -> ScoredFile:
    """``windows``: (first, last) row index of each window, in order, inclusive."""
    prob = probation(rows)
    window_of = [-1] * rows
    sweep = [0.0] * rows
    prev_right: int | None = None
    prev_width = 0.0
    starts = {a: (k, a, b) for k, (a, b) in enumerate(windows)}
    cur: tuple[int, int, int] | None = None
    width = 0.0
    for i in range(rows):
        if cur is None and i in starts:
            cur = starts[i]
            width = float(cur[2] - i + 1)
        if cur is not None:
            pos = -(cur[2] - i + 1) / width
            sweep[i] = scaled_sigmoid(pos) / scaled_sigmoid(-1.0)
            window_of[i] = cur[0]
        elif prev_right is None:
            sweep[i] = -1.0
        else:
            sweep[i] = scaled_sigmoid(abs(prev_right - i) / (prev_width - 1))
        if cur is not None and i == cur[2]:
            prev_right, prev_width, cur = i, width, None
    scored_windows = {w for w in window_of[prob:] if w >= 0}
    return ScoredFile(len(scored_windows), window_of[prob:], sweep[prob:], prob)


def file_score(f: ScoredFile, detected: Sequence[bool], p: Profile) -> float:
    """Raw score of one file; ``detected`` per row of the whole file."""
    best: dict[int, float] = {}
    fp = 0.0
    det = detected[f.offset :]
    for k, hit in enumerate(det):
        if not hit:
            continue
        w = f.window_of[k]
        if w >= 0:
            if w not in best:  # the earliest detection in the window
                best[w] = f.sweep[k] * p.tp
        else:
            fp += f.sweep[k] * p.fp
    return sum(best.values()) - p.fn * (f.windows - len(best)) + fp


def null_and_perfect(files: Sequence[ScoredFile], p: Profile) -> tuple[float, float]:
    null = -p.fn * sum(f.windows for f in files)
    perfect = p.tp * sum(f.windows for f in files)
    return null, perfect


def normalised(raw: float, null: float, perfect: float) -> float:
    return 100.0 * (raw - null) / (perfect - null)


def corpus_score(
    files: Sequence[ScoredFile], scores: Sequence[Sequence[float]], threshold: float, p: Profile
) -> float:
    """The normalised corpus score of a detector at ``threshold``."""
    raw = sum(
        file_score(f, [s >= threshold for s in sc], p) for f, sc in zip(files, scores, strict=True)
    )
    null, perfect = null_and_perfect(files, p)
    return normalised(raw, null, perfect)


def best_threshold(
    files: Sequence[ScoredFile],
    scores: Sequence[Sequence[float]],
    p: Profile,
    candidates: Sequence[float],
) -> tuple[float, float]:
    """The candidate threshold with the highest corpus score: (threshold, score)."""
    best = (candidates[0], -math.inf)
    for t in candidates:
        s = corpus_score(files, scores, t, p)
        if s > best[1]:
            best = (t, s)
    return best
