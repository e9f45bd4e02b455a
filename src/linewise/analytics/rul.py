"""Remaining useful life from run-to-failure histories: causal features over a unit's
past (rolling means, exponentially weighted means, least-squares slopes over several
window lengths) and a small gradient-boosted regression tree ensemble on histogram bins
(numpy only), plus the PHM08 score of the C-MAPSS challenge.

Every feature of a cycle is computed from that cycle and the ones before it, so a model
trained on full histories can be applied to a unit that is still running.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

Arr = NDArray[np.float64]
IntArr = NDArray[np.int64]


def rolling_mean(s: Arr, window: int) -> Arr:
    """Mean of each column over the last ``window`` rows (fewer at the start)."""
    c = np.vstack([np.zeros((1, s.shape[1])), np.cumsum(s, 0)])
    i = np.arange(len(s))
    lo = np.maximum(0, i - window + 1)
    return np.asarray((c[i + 1] - c[lo]) / (i + 1 - lo)[:, None], dtype=np.float64)


def rolling_slope(s: Arr, window: int) -> Arr:
    """Least-squares slope per row of each column over the last ``window`` rows (0 on
    the first row, where there is no slope yet)."""
    n = len(s)
    t = np.arange(n, dtype=np.float64)
    zero = np.zeros((1, s.shape[1]))
    cs = np.vstack([zero, np.cumsum(s, 0)])
    cts = np.vstack([zero, np.cumsum(t[:, None] * s, 0)])
    ct = np.concatenate([[0.0], np.cumsum(t)])
    ct2 = np.concatenate([[0.0], np.cumsum(t * t)])
    i = np.arange(n)
    lo = np.maximum(0, i - window + 1)
    m = (i + 1 - lo).astype(np.float64)
    st, stt = ct[i + 1] - ct[lo], ct2[i + 1] - ct2[lo]
    num = (cts[i + 1] - cts[lo]) - (st / m)[:, None] * (cs[i + 1] - cs[lo])
    den = stt - st * st / m
    return np.asarray(num / np.maximum(den, 1e-12)[:, None] * (den > 1e-9)[:, None])


def ewm(s: Arr, alpha: float) -> Arr:
    """Exponentially weighted mean of each column, started at the first row."""
    out = np.empty_like(s, dtype=np.float64)
    m = s[0].astype(np.float64)
    for i in range(len(s)):
        m = m + alpha * (s[i] - m)
        out[i] = m
    return out


@dataclass(frozen=True)
class FeatureSpec:
    """Which causal features to compute per signal (all windows in cycles)."""

    means: tuple[int, ...] = (5,)
    ewm_alphas: tuple[float, ...] = ()
    slopes: tuple[int, ...] = (30,)
    # > 0: also the first mean's change since the unit's start, the start being the mean
    # of its first ``since_start`` cycles (of the cycles so far while fewer were seen).
    since_start: int = 0
    with_age: bool = True  # the cycle count itself

    def width(self, signals: int) -> int:
        per = len(self.means) + len(self.ewm_alphas) + len(self.slopes)
        per += int(self.since_start > 0 and bool(self.means))
        return per * signals + int(self.with_age)


def unit_features(s: Arr, age: Arr, spec: FeatureSpec) -> Arr:
    """Features of every row of one unit's history ``s`` (rows = cycles in order)."""
    parts = [rolling_mean(s, w) for w in spec.means]
    parts += [ewm(s, a) for a in spec.ewm_alphas]
    parts += [rolling_slope(s, w) for w in spec.slopes]
    if spec.since_start > 0 and spec.means:
        k = np.minimum(np.arange(len(s)), spec.since_start - 1)
        start = (np.cumsum(s, 0) / np.arange(1, len(s) + 1)[:, None])[k]
        parts.append(parts[0] - start)
    if spec.with_age:
        parts.append(np.asarray(age, dtype=np.float64)[:, None])
    return np.hstack(parts)


def fleet_features(units: Sequence[float] | Arr, age: Arr, signals: Arr, spec: FeatureSpec) -> Arr:
    """Features of every row of many units' histories (rows grouped by unit, each unit's
    rows in cycle order); the rows keep their order."""
    u = np.asarray(units)
    out = np.empty((len(u), spec.width(signals.shape[1])))
    for unit in np.unique(u):
        rows = np.flatnonzero(u == unit)
        out[rows] = unit_features(signals[rows], age[rows], spec)
    return out


def remaining_life(units: Sequence[float] | Arr, age: Arr) -> Arr:
    """Training target of run-to-failure histories: cycles left until each unit's last."""
    u = np.asarray(units)
    out = np.empty(len(u))
    for unit in np.unique(u):
        rows = u == unit
        out[rows] = age[rows].max() - age[rows]
    return out


def phm08(pred: Arr, true: Arr) -> float:
    """The PHM08 challenge score: sum of exp(-d/13) - 1 for early predictions (d < 0)
    and exp(d/10) - 1 for late ones, d = predicted - true; lower is better."""
    d = np.asarray(pred, dtype=np.float64) - np.asarray(true, dtype=np.float64)
    return float(np.sum(np.where(d < 0, np.exp(-d / 13) - 1, np.exp(d / 10) - 1)))


def rmse(pred: Arr, true: Arr) -> float:
    d = np.asarray(pred, dtype=np.float64) - np.asarray(true, dtype=np.float64)
    return float(np.sqrt(np.mean(d**2)))


def quantile_edges(x: Arr, bins: int) -> list[Arr]:
    qs = np.linspace(0, 1, bins + 1)[1:-1]
    return [np.unique(np.quantile(col, qs)) for col in x.T]


def apply_edges(x: Arr, edges: list[Arr]) -> IntArr:
    return np.column_stack(
        [np.searchsorted(e, col) for e, col in zip(edges, x.T, strict=True)]
    ).astype(np.int64)


Tree = tuple[list[tuple[IntArr, IntArr]], Arr]  # per level (feature, bin threshold); leaves


@dataclass
class BoostedTrees:
    """Gradient-boosted regression trees, squared loss, grown level by level on
    quantile bins (all nodes of a level from one histogram; a right child's histogram
    is its parent's minus its sibling's). ``subsample`` < 1 draws the rows of each tree
    at random (stochastic gradient boosting, seeded)."""

    rounds: int = 300
    learning_rate: float = 0.05
    depth: int = 4
    min_child: int = 20
    l2: float = 1.0
    subsample: float = 1.0
    bins: int = 256
    seed: int = 0
    edges: list[Arr] = field(default_factory=list, repr=False)
    trees: list[Tree] = field(default_factory=list, repr=False)
    base: float = 0.0

    def fit(self, x: Arr, y: Arr) -> BoostedTrees:
        rng = np.random.default_rng(self.seed)
        self.edges = quantile_edges(x, self.bins)
        b = apply_edges(x, self.edges)
        n, p = b.shape
        offset = b + (np.arange(p) * self.bins)[None, :]
        self.base = float(np.mean(y))
        f = np.full(n, self.base)
        self.trees = []
        every = np.arange(n)
        for _ in range(self.rounds):
            g = f - y
            if self.subsample < 1.0:
                rows = np.flatnonzero(rng.random(n) < self.subsample)
                tree, _ = self._grow(b, offset[rows], g[rows], rows)
                f += self.learning_rate * self._predict_tree(tree, b)
            else:
                tree, leaf_of = self._grow(b, offset, g, every)
                f += self.learning_rate * tree[1][leaf_of]
            self.trees.append(tree)
        return self

    def _grow(self, b: IntArr, offset: IntArr, g: Arr, rows: IntArr) -> tuple[Tree, IntArr]:
        n, p = offset.shape
        nb, lam, mc = self.bins, self.l2, self.min_child
        pb = p * nb
        node = np.zeros(n, dtype=np.int64)
        gw = np.repeat(g, p)
        flat = offset.ravel()
        hg = np.bincount(flat, gw, pb).reshape(1, p, nb)
        hh = np.bincount(flat, None, pb).reshape(1, p, nb)
        levels: list[tuple[IntArr, IntArr]] = []
        for d in range(self.depth):
            nn = 1 << d
            if d:
                left = (node & 1) == 0
                idx = (offset[left] + ((node[left] >> 1) * pb)[:, None]).ravel()
                size = (nn // 2) * pb
                lg = np.bincount(idx, gw.reshape(n, p)[left].ravel(), size)
                lh = np.bincount(idx, None, size)
                lg, lh = lg.reshape(nn // 2, p, nb), lh.reshape(nn // 2, p, nb)
                hg = np.stack([lg, hg - lg], 1).reshape(nn, p, nb)
                hh = np.stack([lh, hh - lh], 1).reshape(nn, p, nb)
            cg, ch = hg.cumsum(2), hh.cumsum(2)
            tg, th = cg[:, :, -1:], ch[:, :, -1:]
            gain = cg**2 / (ch + lam) + (tg - cg) ** 2 / (th - ch + lam) - tg**2 / (th + lam)
            gain[(ch < mc) | (th - ch < mc)] = 0.0
            flat_gain = gain.reshape(nn, -1)
            k = flat_gain.argmax(1)
            ok = flat_gain[np.arange(nn), k] > 1e-9
            feat = np.where(ok, k // nb, -1).astype(np.int64)
            cut = np.where(ok, k % nb, nb).astype(np.int64)
            levels.append((feat, cut))
            go = (feat[node] >= 0) & (b[rows, np.maximum(feat, 0)[node]] > cut[node])
            node = node * 2 + go
        leaves = 1 << self.depth
        leaf = -np.bincount(node, g, leaves) / (np.bincount(node, None, leaves) + lam)
        return (levels, leaf), node

    @staticmethod
    def _predict_tree(tree: Tree, b: IntArr) -> Arr:
        levels, leaf = tree
        node = np.zeros(len(b), dtype=np.int64)
        rows = np.arange(len(b))
        for feat, cut in levels:
            go = (feat[node] >= 0) & (b[rows, np.maximum(feat, 0)[node]] > cut[node])
            node = node * 2 + go
        return np.asarray(leaf[node], dtype=np.float64)

    def predict(self, x: Arr) -> Arr:
        b = apply_edges(x, self.edges)
        f = np.full(len(b), self.base)
        for tree in self.trees:
            f += self.learning_rate * self._predict_tree(tree, b)
        return f
