"""Streaming anomaly detection, one detector per machine and signal, O(1) per point.

The detector asks of every point: has this signal been here before, and has it come
here from where it just was? The value is quantised into ``levels`` bins over the
signal's range; the context of a point is the run of the last ``depth`` bins (the bin
alone, the step from the previous bin, ...). Each context seen is remembered; the score
of a point is the share of its contexts never seen before (0: all familiar, 1: a level
the signal never had). After an alarm the detector rests for ``rest`` points, so one
event gives one alarm, not a burst. This is the idea of contextual novelty (as in
Smirnov's CAD OSE on NAB), reduced to what costs a few hash look-ups per point.

The range is the signal's expected range when it is known (a machine signal's limits),
else learned from the first ``learn`` points and widened by ``margin`` of that span;
a value outside it always scores 1 (it never becomes familiar, like a static limit),
while new levels and steps inside it are remembered once seen.

Pure: floats in, floats out; no clock, no I/O.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from linewise.analytics.art import ArtDetector, art_from_state, art_state, pack, unpack

# The live state carries each signal's ART categories: at most this many (the least
# recently used one goes), so a machine's stored state stays bounded.
ART_CATEGORIES = 256


@dataclass
class StreamingDetector:
    """One signal's detector; ``update`` returns the anomaly score of each new point."""

    lo: float | None = None  # the signal's expected range, None: learned
    hi: float | None = None
    levels: int = 8
    depth: int = 2
    rest: int = 150  # points without an alarm after one
    learn: int = 150  # points the range is learned from when not given
    margin: float = 0.1
    n: int = 0
    _since_alarm: int = 1 << 30
    _since_new: int = 1 << 30  # points since one with a context never seen before
    _seen: set[tuple[int, ...]] = field(default_factory=set)
    _hist: deque[int] = field(default_factory=deque)
    _buffer: list[float] = field(default_factory=list)

    def _bin(self, value: float) -> int:
        assert self.lo is not None and self.hi is not None
        span = (self.hi - self.lo) or 1.0
        if value < self.lo:
            return -1  # below the range: a bin of its own
        if value > self.hi:
            return self.levels  # above it: likewise
        return min(self.levels - 1, int((value - self.lo) / span * self.levels))

    def update(self, value: float) -> float:
        self.n += 1
        self._since_alarm += 1
        if self.lo is None or self.hi is None:
            self._buffer.append(value)
            if len(self._buffer) < self.learn:
                return 0.0
            lo, hi = min(self._buffer), max(self._buffer)
            pad = (hi - lo) * self.margin or abs(hi) * self.margin or 1.0
            self.lo, self.hi = lo - pad, hi + pad
            for v in self._buffer:  # the learned stretch is the familiar
                self._context(v)
            self._buffer = []
            return 0.0
        score = self._context(value)
        if score > 0.0 and self._since_alarm >= self.rest:
            self._since_alarm = 0
            return score
        return 0.0

    def _context(self, value: float) -> float:
        if len(self._hist) == self.depth:
            self._hist.popleft()
        self._hist.append(self._bin(value))
        h = tuple(self._hist)
        if h[-1] < 0 or h[-1] >= self.levels:
            return 1.0  # outside the range: never becomes familiar
        new = 0
        for k in range(1, len(h) + 1):
            key = h[-k:]
            if key not in self._seen:
                new += 1
                self._seen.add(key)
        self._since_new = 0 if new else min(self._since_new + 1, 1 << 30)
        return new / len(h)


# The machine's pause after an alarm, in points: six hours of one-a-minute samples. On
# the simulated factory it lowered the false warnings of every seed and kept every warned
# failure (bench/pdm_frontier.py, docs/maintenance.md).
HOLD = 360

# The live detectors a site can choose (``LINEWISE_ANOMALY_DETECTOR``): the novelty
# detector with the ART detector beside it (the default), or the novelty detector alone.
ART, NOVELTY = "art", "novelty"
DETECTORS = (ART, NOVELTY)


@dataclass
class MachineDetector:
    """A detector per signal of one machine; an alarm names the signals behind it.

    With ``art={}`` each signal also runs the fuzzy ART detector (``art.py``): a new ART
    cluster is an alarm too (each point scores the higher of the two). After an alarm
    the machine raises none for ``hold`` points, whichever signal or detector it comes
    from: one event, one warning."""

    # Machine defaults measured on the simulated factory (bench/pdm_sim.py): alarm on a
    # level outside the range learned over a day of one-a-minute samples; a signal rests
    # an hour after its alarm, the machine six hours.
    threshold: float = 1.0
    ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    rest: int = 60
    learn: int = 1440
    detectors: dict[str, StreamingDetector] = field(default_factory=dict)
    art: dict[str, ArtDetector] | None = None  # None: the novelty detector alone
    hold: int = HOLD
    _since_alarm: int = 1 << 30  # points since the machine's last alarm

    def update(self, signals: Mapping[str, float]) -> tuple[float, list[str]]:
        """The machine's score (the highest of its signals) and the signals at or above
        the threshold, highest first; (0, []) while the machine holds after an alarm."""
        scored = []
        for name, value in signals.items():
            d = self.detectors.get(name)
            if d is None:
                lo, hi = self.ranges.get(name, (None, None))
                d = self.detectors[name] = StreamingDetector(
                    lo=lo, hi=hi, rest=self.rest, learn=self.learn
                )
            score = d.update(value)
            if self.art is not None:
                a = self.art.get(name)
                if a is None:
                    lo, hi = self.ranges.get(name, (None, None))
                    a = self.art[name] = ArtDetector(
                        lo=lo,
                        hi=hi,
                        probation=self.learn,
                        max_categories=ART_CATEGORIES,
                    )
                # Every ART anomaly counts (ungated): with the machine's hold it passed
                # NAB's 70 and warned of more drifting failures on the simulated factory
                # than gated by the novelty detector (docs/maintenance.md).
                if a.update(value) >= 1.0:
                    score = max(score, 1.0)
            scored.append((score, name))
        scored.sort(reverse=True)
        top = scored[0][0] if scored else 0.0
        names = [n for s, n in scored if s >= self.threshold]
        self._since_alarm = min(self._since_alarm + 1, 1 << 30)
        if names:
            if self._since_alarm < self.hold:
                return 0.0, []
            self._since_alarm = 0
        return top, names


def machine_detector(kind: str = ART) -> MachineDetector:
    """The live detector of a machine that has none yet: ``kind`` is the site's
    ``LINEWISE_ANOMALY_DETECTOR`` (``art`` or ``novelty``)."""
    if kind not in DETECTORS:
        raise ValueError(f"unknown anomaly detector {kind!r}; one of {', '.join(DETECTORS)}")
    return MachineDetector(art={} if kind == ART else None)


def as_kind(m: MachineDetector, kind: str) -> MachineDetector:
    """``m`` (in place) as the detector ``kind`` runs: a stored state of the other kind
    is converted, not thrown away. Adding ART: it learns from the next points (a day's
    probation, as on a new machine) while the novelty detector goes on; dropping it
    leaves the novelty detector exactly as it would have run alone (ART never changes
    it)."""
    if kind not in DETECTORS:
        raise ValueError(f"unknown anomaly detector {kind!r}; one of {', '.join(DETECTORS)}")
    if kind == ART and m.art is None:
        m.art = {}
    elif kind == NOVELTY and m.art is not None:
        m.art = None
    return m


# --- state as plain data ------------------------------------------------------------
# The live detector's state is stored with the telemetry it has seen (one row per
# machine, written in the ingest transaction), so it survives a restart and a rolled-back
# batch leaves it as it was. JSON-able: lists and numbers only.


def detector_state(d: StreamingDetector) -> dict[str, object]:
    return {
        "lo": d.lo,
        "hi": d.hi,
        "levels": d.levels,
        "depth": d.depth,
        "rest": d.rest,
        "learn": d.learn,
        "margin": d.margin,
        "n": d.n,
        "since": min(d._since_alarm, 1 << 30),
        "since_new": d._since_new,
        "seen": sorted(list(k) for k in d._seen),
        "hist": list(d._hist),
        "buffer": pack(d._buffer, "d"),  # base64 of float64: up to a day of samples
    }


def detector_from_state(s: Mapping[str, object]) -> StreamingDetector:
    def num(key: str) -> float:
        v = s[key]
        assert isinstance(v, int | float)
        return float(v)

    def opt(key: str) -> float | None:
        v = s.get(key)
        return None if v is None else num(key)

    def ints(key: str) -> list[object]:
        v = s.get(key, [])
        assert isinstance(v, list)
        return v

    d = StreamingDetector(
        lo=opt("lo"),
        hi=opt("hi"),
        levels=int(num("levels")),
        depth=int(num("depth")),
        rest=int(num("rest")),
        learn=int(num("learn")),
        margin=num("margin"),
        n=int(num("n")),
    )
    d._since_alarm = int(num("since"))
    d._since_new = int(num("since_new")) if "since_new" in s else 1 << 30
    d._seen = {tuple(int(x) for x in k) for k in ints("seen") if isinstance(k, list)}
    d._hist = deque(int(x) for x in ints("hist") if isinstance(x, int))
    buffer = s.get("buffer", [])
    if isinstance(buffer, str):
        d._buffer = unpack(buffer, "d")
    else:  # stored as a decimal list (before)
        d._buffer = [float(x) for x in ints("buffer") if isinstance(x, int | float)]
    return d


def machine_state(m: MachineDetector) -> dict[str, object]:
    return {
        "threshold": m.threshold,
        "rest": m.rest,
        "learn": m.learn,
        "ranges": {k: list(v) for k, v in m.ranges.items()},
        "signals": {k: detector_state(d) for k, d in m.detectors.items()},
        "art": None if m.art is None else {k: art_state(d) for k, d in m.art.items()},
        "hold": m.hold,
        "since": min(m._since_alarm, 1 << 30),
    }


def machine_from_state(s: Mapping[str, object]) -> MachineDetector:
    signals = s.get("signals", {})
    ranges = s.get("ranges", {})
    assert isinstance(signals, dict) and isinstance(ranges, dict)
    threshold, rest, learn = s.get("threshold", 1.0), s.get("rest", 60), s.get("learn", 1440)
    assert isinstance(threshold, int | float) and isinstance(rest, int) and isinstance(learn, int)
    art = s.get("art")  # absent in a state stored before the ART detector existed
    assert art is None or isinstance(art, dict)
    # absent in a state stored before the machine's hold: it gets today's
    hold, since = s.get("hold", HOLD), s.get("since", 1 << 30)
    assert isinstance(hold, int) and isinstance(since, int)
    m = MachineDetector(
        threshold=float(threshold),
        ranges={str(k): (float(v[0]), float(v[1])) for k, v in ranges.items()},
        rest=rest,
        learn=learn,
        detectors={str(k): detector_from_state(v) for k, v in signals.items()},
        art=None if art is None else {str(k): art_from_state(v) for k, v in art.items()},
        hold=hold,
    )
    m._since_alarm = since
    return m


def primed(
    values: Mapping[str, list[float]],
    *,
    rest: int = 60,
    threshold: float = 1.0,
    kind: str = ART,
) -> MachineDetector:
    """A machine detector of ``kind`` (``art`` or ``novelty``, as ``machine_detector``)
    that has already learned ``values`` (each signal's history, in time order): its range
    from them (widened by the margin) and every context they contain, so it alarms from
    its first new point. A trained baseline. With ART, the ART detector learns the same
    history (its first day as its probation)."""
    m = as_kind(MachineDetector(threshold=threshold, rest=rest), kind)
    for name, xs in values.items():
        if not xs:
            continue
        d = StreamingDetector(rest=rest, learn=len(xs))
        for x in xs:
            d.update(x)
        d._since_alarm = 1 << 30
        m.detectors[name] = d
        if m.art is not None:  # its range and vigilance from the first day, then as live
            a = ArtDetector(probation=min(m.learn, len(xs)), max_categories=ART_CATEGORIES)
            for x in xs:
                a.update(x)
            m.art[name] = a
    return m
