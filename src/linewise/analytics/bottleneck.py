"""Bottlenecks by the active period method (Roser, Nakano, Tanaka 2001/2002).

A station is *active* while it works on something (producing, in setup, being repaired)
and *inactive* while it waits (starved, blocked, no order, no operator) or is not
planned to work. At every instant the station whose current active period is the
longest is the momentary bottleneck. Where the active periods of one bottleneck and the
next overlap, the bottleneck is *shifting* and both share it; elsewhere it is the
*sole* bottleneck. Shares are of the window's length.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

ACTIVE_STATES = frozenset({"producing", "setup", "down"})

Period = tuple[datetime, datetime]


def active_periods(
    intervals: Iterable[tuple[datetime, datetime, str]], gap_s: float = 0.0
) -> list[Period]:
    """Merge a station's (start, end, state) intervals into its active periods.

    Consecutive active intervals (gaps up to ``gap_s`` seconds) form one period; for a
    station of several machines pass all of them: it is active while any one is.
    """
    spans = sorted((a, b) for a, b, state in intervals if state in ACTIVE_STATES and b > a)
    out: list[Period] = []
    for a, b in spans:
        if out and (a - out[-1][1]).total_seconds() <= gap_s:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


@dataclass(frozen=True)
class BottleneckShare:
    station: str
    sole_s: float
    shifting_s: float
    window_s: float

    @property
    def sole(self) -> float:
        return self.sole_s / self.window_s if self.window_s > 0 else 0.0

    @property
    def shifting(self) -> float:
        return self.shifting_s / self.window_s if self.window_s > 0 else 0.0

    @property
    def total(self) -> float:
        return self.sole + self.shifting


def momentary(
    periods: Mapping[str, Sequence[Period]], start: datetime, end: datetime, tie_s: float = 60.0
) -> list[tuple[datetime, datetime, tuple[str, ...], Period | None]]:
    """(from, to, bottleneck stations, the sole one's active period) in time order.

    Several stations whose current active periods are equally long (within ``tie_s``
    seconds) share the bottleneck: a tie is shifting, never a coin toss by name.
    """
    events: list[tuple[datetime, int, str, Period]] = []
    for station, ps in periods.items():
        for p in ps:
            if p[1] <= start or p[0] >= end:
                continue
            events.append((p[0], 1, station, p))
            events.append((p[1], 0, station, p))
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    active: dict[str, Period] = {}
    out: list[tuple[datetime, datetime, tuple[str, ...], Period | None]] = []
    prev: datetime | None = None
    for t, kind, station, p in events:
        if prev is not None and active and t > prev:
            a, b = max(prev, start), min(t, end)
            if b > a:
                longest = max((q[1] - q[0]).total_seconds() for q in active.values())
                floor = longest - tie_s
                tied = tuple(
                    sorted(s for s, q in active.items() if (q[1] - q[0]).total_seconds() >= floor)
                )
                per = active[tied[0]] if len(tied) == 1 else None
                if out and out[-1][2] == tied and out[-1][3] == per and out[-1][1] == a:
                    out[-1] = (out[-1][0], b, tied, per)
                else:
                    out.append((a, b, tied, per))
        if kind == 1:
            active[station] = p
        elif active.get(station) == p:
            del active[station]
        prev = t
    return out


def shares(
    periods: Mapping[str, Sequence[Period]], start: datetime, end: datetime, tie_s: float = 60.0
) -> list[BottleneckShare]:
    """Each station's sole and shifting bottleneck time over ``[start, end)``."""
    window = (end - start).total_seconds()
    runs = momentary(periods, start, end, tie_s)
    sole: dict[str, float] = defaultdict(float)
    shifting: dict[str, float] = defaultdict(float)
    # shifting stretches: ties, and the overlap of consecutive sole bottlenecks' periods
    shift_spans: dict[str, list[Period]] = defaultdict(list)
    for a, b, tied, _p in runs:
        if len(tied) > 1:
            for s in tied:
                shift_spans[s].append((a, b))
    singles = [(s[0], p) for _a, _b, s, p in runs if p is not None]
    for (s0, p0), (s1, p1) in itertools.pairwise(singles):
        if s0 == s1:
            continue
        a, b = max(p0[0], p1[0], start), min(p0[1], p1[1], end)
        if b > a:
            shift_spans[s0].append((a, b))
            shift_spans[s1].append((a, b))
    for station, spans in shift_spans.items():
        merged: list[Period] = []
        for a, b in sorted(spans):
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        shift_spans[station] = merged
        shifting[station] = sum((b - a).total_seconds() for a, b in merged)
    for a, b, tied, p in runs:
        if p is None:
            continue
        station = tied[0]
        covered = sum(
            max(0.0, (min(b, sb) - max(a, sa)).total_seconds()) for sa, sb in shift_spans[station]
        )
        sole[station] += max(0.0, (b - a).total_seconds() - covered)
    stations = sorted(set(periods) | set(sole) | set(shifting))
    out = [BottleneckShare(s, sole[s], shifting[s], window) for s in stations]
    out.sort(key=lambda x: (-(x.sole_s + x.shifting_s), x.station))
    return out


def top(shares_: Sequence[BottleneckShare]) -> str | None:
    """The station most often the bottleneck (sole first, then shifting), if any."""
    best = max(shares_, key=lambda s: (s.sole_s + 0.5 * s.shifting_s, s.station), default=None)
    return None if best is None or best.sole_s + best.shifting_s <= 0 else best.station
