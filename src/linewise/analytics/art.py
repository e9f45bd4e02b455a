"""Streaming anomaly detection with a fuzzy ART network, after ARTime (Hampton, 2021).

A second detector beside ``anomaly.py``, written from ARTime's published method (the
open-source edition that holds the NAB record): the stream is cut into a few windows
per probationary period, each downsampled point a window's spike (its max or min,
whichever is further from a running average) or its mean; that point is normalised to
the signal's range, quantised and pulled to a running median when close to it. The last
``window`` such points and their Haar wavelet coefficients form a feature vector, which
a fuzzy ART network (complement coding, a match that weighs the window's shape and the
current level) either resonates with, or commits as a new category. Vigilance has a
lower and an upper bound: above the upper the matching categories learn, between the
two a new category joins a known cluster, below the lower it opens a new cluster, and
that is the anomaly. Both bounds adapt over time to the similarities seen, and after an
anomaly or a new cluster a mask keeps the next ones quiet unless they match much worse.

The probationary period is learned in one batch (the vigilance is chosen from it), so
the detector scores nothing before it ends. Pure: floats in, floats out; numpy for the
network's match over all categories (they grow to thousands on a long stream).
"""

from __future__ import annotations

import base64
import math
import sys
from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]

_R2 = 1.0 / math.sqrt(2.0)


def haar(xs: list[float]) -> list[float]:
    """Full Haar decomposition of a power-of-two window: the approximation first, then
    the details from the coarsest to the finest (the order of Wavelets.jl's ``dwt``)."""
    out: list[float] = []
    a = xs
    while len(a) > 1:
        d = [(a[2 * k + 1] - a[2 * k]) * _R2 for k in range(len(a) // 2)]
        a = [(a[2 * k] + a[2 * k + 1]) * _R2 for k in range(len(a) // 2)]
        out = d + out
    return a + out


def _unit(xs: list[float]) -> list[float]:
    lo = min(xs)
    ys = [x - lo for x in xs]
    hi = max(ys)
    return [y / hi for y in ys] if hi != 0 else ys


@dataclass
class Art:
    """Fuzzy ART with two vigilance bounds (the distributed-vigilance ART of ARTime)."""

    dim: int  # complement-coded length
    rho_lb: float = 0.0
    rho_ub: float = 0.0
    cap: int = 0  # at most this many categories (0: no limit); the least recently used goes
    n: int = 0
    t: int = 0  # samples trained, the clock of ``used``
    w: Array = field(default_factory=lambda: np.zeros((0, 0)))
    used: Array = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self) -> None:
        if self.w.shape[1:] != (self.dim,):
            self.w = np.ones((16, self.dim))  # the first category: all ones
            self.used = np.zeros(16)
            self.n = 1
        self._e = self.dim // 2 - 1  # the current level (its complement is the last)
        # per category, kept as the weights change: |w| and its level part (the match's
        # denominators; recomputing them over every category cost a third of the match)
        self._nw = np.zeros(self.w.shape[0])
        self._we = np.zeros(self.w.shape[0])
        self._norms(np.arange(self.n))

    def _norms(self, rows: npt.NDArray[np.intp] | int) -> None:
        w = self.w[rows]
        nw = w.sum(axis=-1)
        self._nw[rows] = np.where(nw == 0, 0.001, nw)
        self._we[rows] = w[..., self._e] + w[..., -1]

    def match(self, x: Array) -> tuple[Array, Array, Array]:
        """Per category: the overall match, the level (energy) match, min(x, w)."""
        n = self.n
        em = np.minimum(self.w[:n], x)
        feat = em.sum(axis=1) / self._nw[:n]
        energy = (em[:, self._e] + em[:, -1]) / self._we[:n]
        return feat * feat * feat * energy * energy, energy, em

    def train(self, x: Array, learn: bool = True) -> tuple[bool, float, float]:
        """(a new cluster, best match, its level match) for one coded sample."""
        m, energy, em = self.match(x)
        best = int(np.argmax(m))
        a, ae = float(m[best]), float(energy[best])
        if a <= 0.0:
            a = ae = 0.0
        if not learn:
            return False, a, ae
        self.t += 1
        if a >= self.rho_ub:
            hit = np.flatnonzero(m >= self.rho_ub)
            self.w[hit] = em[hit]  # fast learning of every resonant category
            self.used[hit] = self.t
            self._norms(hit)
            return False, a, ae
        self.used[best] = self.t
        self._commit(x)
        return a < self.rho_lb, a, ae

    def _commit(self, x: Array) -> None:
        if self.cap and self.n >= self.cap:
            j = int(np.argmin(self.used[: self.n]))  # forget the longest unused category
        else:
            if self.n == self.w.shape[0]:
                self.w = np.vstack([self.w, np.empty_like(self.w)])
                grow = np.zeros_like(self.used)
                self.used = np.concatenate([self.used, grow])
                self._nw = np.concatenate([self._nw, grow])
                self._we = np.concatenate([self._we, grow])
            j = self.n
            self.n += 1
        self.w[j] = x
        self.used[j] = self.t
        self._norms(j)


def _code(f: list[float]) -> Array:
    x = np.array(f, dtype=np.float64)
    return np.concatenate([x, 1.0 - x])


@dataclass
class ArtDetector:
    """One signal's detector; ``update`` returns the anomaly score of each new point."""

    lo: float | None = None  # the signal's range, None: learned over the probation
    hi: float | None = None
    probation: int = 1440  # points learned in one batch before scoring (NAB: 15 %, <= 750)
    graded: bool = False  # an anomaly scores its confidence (ARTime's), else 1
    max_categories: int = 0  # 0: no limit; the live path keeps the stored state bounded
    margin: float = 0.1  # a learned range is widened by this share of its span
    window: int = 8
    windows_per_probation: int = 13
    levels: int = 80
    chomp: float = 0.075  # a level this close to the running median is the median
    initial_rho: float = 0.8
    ub_cap: float = 0.97
    lb_rise: float = 0.19
    n: int = 0
    # derived
    step: int = 0
    trend: int = 0
    mask: int = 0
    _raw: list[float] = field(default_factory=list)  # the probation, while the range is learned
    # downsampling and levels
    _ds: list[float] = field(default_factory=list)
    _avg: float = 0.0
    _dsi: int = 0
    _medbin: list[int] = field(default_factory=list)
    _med: int = 0
    _below: int = 0
    _above: int = 0
    _fw: list[float] = field(default_factory=list)
    # the network and its vigilance
    _art: Art | None = None
    _batch: list[list[float]] = field(default_factory=list)
    _last_anomaly: int = 0
    _last_anomaly_sim: float = 0.0
    _last_rho: int = 0
    _mask_cat: bool = False
    _no_new: int = 0
    _sum_a: float = 0.0
    _count_a: int = 0
    _sims: list[float] = field(default_factory=list)
    _diffs: list[float] = field(default_factory=list)
    _hist_sum: float = 0.0
    _hist_n: int = 0
    _hist_last: float = 0.0

    def __post_init__(self) -> None:
        p = self.probation - self.probation % 2
        self.step = max(1, round(p // (self.window * self.windows_per_probation)))
        self.trend = max(self.window + 2, p // self.step)
        self.mask = int(self.window * 1.5)
        if not self._medbin:
            self._ds = [0.0] * self.step
            self._medbin = [0] * (self.levels + 1)
            self._fw = [0.0] * self.window
            self._sims = [1.0] * (self.trend // 2 + 1)
            self._diffs = [0.0] * (self.trend + 1)

    # --- the stream ------------------------------------------------------------------

    def update(self, value: float) -> float:
        if self.lo is None or self.hi is None:
            self._raw.append(value)
            if len(self._raw) < self.probation:
                return 0.0
            lo, hi = min(self._raw), max(self._raw)
            pad = (hi - lo) * self.margin or abs(hi) * self.margin or 1.0
            self.lo, self.hi = lo - pad, hi + pad
            raw, self._raw = self._raw, []
            for v in raw:  # all inside the probation: learned, not scored
                self._step(v)
            return 0.0
        return self._step(value)

    def _step(self, value: float) -> float:
        self.n += 1
        ds = self._ds
        ds.pop(0)
        ds.append(value)
        if self.n % self.step:
            return 0.0
        self._dsi += 1
        f = self._features(ds)
        if self._dsi <= self.trend:
            self._batch.append(f)
            if self._dsi == self.trend:
                self._learn_probation()
            return 0.0
        return self._detect(f, self._dsi)

    def _features(self, ds: list[float]) -> list[float]:
        mean = sum(ds) / len(ds)
        hi, lo = max(ds), min(ds)
        if self._dsi == 1:
            self._avg = mean
        self._avg = (self._avg + mean) / 2
        v = lo if abs(hi - self._avg) < abs(lo - self._avg) else hi  # the spike
        if abs(v - mean) < 0.1 * mean:  # a spike of less than 10 % is no spike
            v = mean
        assert self.lo is not None and self.hi is not None
        span = self.hi - self.lo
        v = (v - self.lo) / span if span else v - self.lo
        level = min(self.levels, max(0, round(v * self.levels)))
        x = self._median(level)
        fw = self._fw
        fw.pop(0)
        fw.append(x)
        if self._dsi < self.window:
            return [0.0] * (2 * self.window)
        return _unit(haar(_unit(fw))) + fw

    def _median(self, level: int) -> float:
        """The level, pulled to the running median (kept over the level histogram)
        when it is within ``chomp`` of it."""
        b = self._medbin
        b[level] += 1
        if self._dsi == 1:
            self._med = level
        if self._med > level:
            self._below += 1
        elif self._med < level:
            self._above += 1
        pos = self._dsi // 2
        if pos < self._above:
            self._below += b[self._med]
            self._med += 1
            while b[self._med] == 0:
                self._med += 1
            self._above -= b[self._med]
        elif pos < self._below:
            self._above += b[self._med]
            self._med -= 1
            while b[self._med] == 0:
                self._med -= 1
            self._below -= b[self._med]
        x = level / self.levels
        med = self._med / self.levels
        return med if abs(x - med) < self.chomp else x

    # --- the network -----------------------------------------------------------------

    def _learn_probation(self) -> None:
        dim = 4 * self.window
        rho = self._initial_rho(self._batch[self.window - 1 :], dim)
        self._art = Art(dim, rho, rho, cap=self.max_categories)
        for i, f in enumerate(self._batch, start=1):
            self._detect(f, i)
        self._batch = []

    def _initial_rho(self, fs: list[list[float]], dim: int) -> float:
        """The mean match of the second half of the probation's windows when an ART of
        fixed vigilance learns them, least typical first."""
        f = np.array(fs, dtype=np.float64)
        nrm = np.sqrt((f * f).sum(axis=1))
        nz = nrm > 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            sim = (f @ f.T) / np.outer(nrm, nrm)
        # a window of zeros is as similar to another as that one is short
        sim = np.where(nz[:, None], sim, 1.0 - nrm[None, :])
        sim = np.where(nz[None, :], sim, 1.0 - nrm[:, None])
        np.fill_diagonal(sim, 1.0)
        order = [int(i) for i in np.argsort(sim.sum(axis=0), kind="stable")]
        art = Art(dim, self.initial_rho, self.initial_rho)
        sims = [0.0]  # the first sample only sets the network up
        for i in order[1:]:
            sims.append(art.train(_code(fs[i]))[1])
        tail = sims[self.trend // 2 - 1 :]
        return sum(tail) / len(tail) if tail else self.initial_rho

    def _detect(self, f: list[float], i: int) -> float:
        art = self._art
        assert art is not None
        since = i - self._last_anomaly
        rho_after_anomaly = since == self.mask
        rho_for_trend = i - self._last_rho >= self.trend // 2
        mask_anomaly = since <= self.mask
        if i > self.trend + self.mask and self._mask_cat and self._no_new >= self.mask:
            self._mask_cat = False
        if i == 1:
            new, a, ae = True, 0.0, 0.0  # the first sample only sets the network up
        elif i < self.window:
            # not a full window yet: matched, not learned, and counted as unfamiliar
            _, a, ae = art.train(_code(f), learn=False)
            new = True
        else:
            new, a, ae = art.train(_code(f))
        self._no_new = 0 if new else self._no_new + 1
        self._sum_a += a
        self._count_a += 1
        self._sims.pop(0)
        self._sims.append(a)
        self._diffs.pop(0)
        self._diffs.append(art.rho_ub - a)
        if since < self.mask and self._hist_n and a < self._hist_last:
            self._hist_sum += a - self._hist_last
            self._hist_last = a
        masked = self._mask_cat or mask_anomaly
        below_last = a < self._last_anomaly_sim * (0.9 if mask_anomaly else 0.7)
        score = 0.0
        if i > self.trend and new and (not masked or below_last):
            score = self._confidence(a, ae) if self.graded else 1.0
            self._hist_sum += a
            self._hist_n += 1
            self._hist_last = a
            self._last_anomaly_sim = a
            self._last_anomaly = i
        self._mask_cat = new or self._mask_cat
        if i > self.trend and (rho_after_anomaly or rho_for_trend):
            self._adapt(i)
        return score

    def _adapt(self, i: int) -> None:
        """Vigilance follows the similarities: the upper bound is their mean, the lower
        rises toward the least of the recent ones, or sinks by how far recent ones fell
        below the upper bound (never below the mean of the anomalies' similarities)."""
        art = self._art
        assert art is not None
        low = min(self._sims)
        ub = min(self.ub_cap, self._sum_a / self._count_a)
        lb = art.rho_lb
        if lb <= low:
            lb += (low - lb) * self.lb_rise
        else:
            decr = 0.0
            if i > 2 * self.trend:
                below = [min(0.37, d) for d in self._diffs if d > 0.05]
                if below:
                    decr = sum(below) / len(below)
            lb -= max(0.01, decr) / 2
            if self._hist_n:
                lb = max(self._hist_sum / self._hist_n, lb)
        art.rho_lb, art.rho_ub = min(ub, lb), ub
        self._last_rho = i
        self._mask_cat = True

    def _confidence(self, a: float, ae: float) -> float:
        art = self._art
        assert art is not None
        s = min(0.999, a)
        ub = ((1 - s) - (1 - art.rho_ub)) / (1 - s)
        lb = ((1 - s) - (1 - art.rho_lb)) / (1 - s)
        return round(min(1.0, ub * 0.35 + lb * 0.65 + (1.0 - ae) * 1.5), 6)


# --- state as plain data ------------------------------------------------------------
# JSON-able (numbers, lists, strings): the live path stores it per machine. The weights
# and the float lists travel as base64 of their float64 bytes: exact, about a third of a
# decimal list, and written about ten times faster (``json.dumps`` of a few hundred
# floats cost more than the ART itself over a batch of 100 samples). A state stored with
# decimal lists (before) still loads.

_SCALARS = (
    "lo", "hi", "probation", "graded", "max_categories", "margin", "window",
    "windows_per_probation", "levels", "chomp", "initial_rho", "ub_cap", "lb_rise", "n",
)  # fmt: skip
_STATE = (
    "_avg", "_dsi", "_med", "_below", "_above", "_last_anomaly", "_last_anomaly_sim",
    "_last_rho", "_mask_cat", "_no_new", "_sum_a", "_count_a", "_hist_sum", "_hist_n",
    "_hist_last",
)  # fmt: skip
_FLOATS = ("_raw", "_ds", "_fw", "_sims", "_diffs")  # base64 of float64
_INTS = ("_medbin",)  # base64 of int64
_LISTS = ("_batch",)


def pack(xs: list[float] | list[int], code: str) -> str:
    """Base64 of a list's little-endian bytes (``array``: faster than numpy at this size)."""
    a = array(code, xs)
    if sys.byteorder == "big":
        a.byteswap()
    return base64.b64encode(a.tobytes()).decode()


def unpack(s: str, code: str) -> list[Any]:
    a = array(code)
    a.frombytes(base64.b64decode(s))
    if sys.byteorder == "big":
        a.byteswap()
    return a.tolist()


def _b64(a: Array) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f8").tobytes()).decode()


def _unb64(s: str) -> Array:
    return np.frombuffer(base64.b64decode(s), dtype="<f8").astype(np.float64)


def art_state(d: ArtDetector) -> dict[str, object]:
    out: dict[str, object] = {k: getattr(d, k) for k in _SCALARS}
    out.update({k[1:]: getattr(d, k) for k in _STATE})
    out.update({k[1:]: pack(getattr(d, k), "d") for k in _FLOATS})
    out.update({k[1:]: pack(getattr(d, k), "q") for k in _INTS})
    out.update({k[1:]: list(getattr(d, k)) for k in _LISTS})
    if d._art is not None:
        a = d._art
        out["art"] = {
            "rho_lb": a.rho_lb,
            "rho_ub": a.rho_ub,
            "cap": a.cap,
            "n": a.n,
            "t": a.t,
            "w": _b64(a.w[: a.n]),
            "used": _b64(a.used[: a.n]),
        }
    return out


def art_from_state(s: Mapping[str, Any]) -> ArtDetector:
    d = ArtDetector(**{k: s[k] for k in _SCALARS if k in s})
    for k in _STATE:
        if k[1:] in s:
            setattr(d, k, s[k[1:]])
    for keys, code in ((_FLOATS, "d"), (_INTS, "q")):
        for k in keys:
            v = s.get(k[1:])
            if isinstance(v, str):
                setattr(d, k, unpack(v, code))
            elif v is not None:  # stored as a decimal list (before)
                setattr(d, k, list(v))
    for k in _LISTS:
        if k[1:] in s:
            setattr(d, k, list(s[k[1:]]))
    a = s.get("art")
    if isinstance(a, Mapping):
        dim = 4 * d.window
        n = int(a["n"])
        d._art = Art(
            dim,
            float(a["rho_lb"]),
            float(a["rho_ub"]),
            cap=int(a["cap"]),
            n=n,
            t=int(a["t"]),
            w=_unb64(str(a["w"])).reshape(n, dim).copy(),
            used=_unb64(str(a["used"])).copy(),
        )
    return d
