"""What really happened in a simulated run, to check the KPI engine and analytics against.

Events are what a factory *reports*; the ground truth is what the simulator *did*: every
state interval per machine (tiling the run without gaps), every unit counted per machine
and per order operation, every setup and breakdown (with whether its telemetry drifted
first). It is recorded as the simulation happens, independently of the event stream, so
a test can compare the two.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from linewise.allocation.causes import cause_of
from linewise.simulation.timefmt import from_ms, iso, parse_iso, to_ms


@dataclass(slots=True)
class Counts:
    """Units a station finished: ``good`` passed on (``rework`` of them repaired first)."""

    good: int = 0
    reject: int = 0
    rework: int = 0

    @property
    def produced(self) -> int:
        return self.good + self.reject

    def add(self, good: int, reject: int, rework: int) -> None:
        self.good += good
        self.reject += reject
        self.rework += rework


@dataclass(frozen=True, slots=True)
class TrueInterval:
    start: datetime
    end: datetime
    state: str
    reason: str | None = None
    fault: str | None = None


@dataclass(slots=True)
class MachineTruth:
    code: str
    line: str
    kind: str
    intervals: list[TrueInterval] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)


@dataclass(slots=True)
class OperationTruth:
    """One order operation as run on one line during the simulation.

    ``available`` is what the operation could work on (the order quantity, or what the
    previous operation delivered good) minus what was done before the run began;
    ``good`` left the line's last station, ``reject`` was scrapped at any station.
    """

    order: str
    operation: int
    product: str
    family: str
    line: str
    available: int
    started: int = 0
    good: int = 0
    reject: int = 0
    rework: int = 0
    start: datetime | None = None
    end: datetime | None = None
    machines: dict[str, Counts] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Breakdown:
    machine: str
    start: datetime
    end: datetime | None  # when repaired (None: still down at the end of the run)
    reason: str
    fault: str
    drifted: bool


@dataclass(frozen=True, slots=True)
class Setup:
    line: str
    start: datetime
    end: datetime | None
    from_family: str | None
    to_family: str
    order: str
    operation: int


@dataclass(frozen=True, slots=True)
class IdleEpisode:
    """A stretch of idle time of a machine or an operator, with its one cause.

    Machines: touching ``idle``/``down`` intervals of the same cause (planned stops are
    not idle). Operators (runs with operators): present on shift and neither working nor
    walking; their cause is their line's, or ``no_assignment`` without a line.
    """

    subject: str  # machine | operator
    code: str
    start: datetime
    end: datetime
    cause: str
    line: str | None = None

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60.0


def machine_idle(machines: dict[str, MachineTruth]) -> list[IdleEpisode]:
    out: list[IdleEpisode] = []
    for m in machines.values():
        last: IdleEpisode | None = None
        for i in m.intervals:
            cause = cause_of(i.state, i.reason)
            if cause is None:
                last = None
                continue
            if last is not None and last.cause == cause and last.end == i.start:
                last = IdleEpisode("machine", m.code, last.start, i.end, cause, m.line)
                out[-1] = last
            else:
                last = IdleEpisode("machine", m.code, i.start, i.end, cause, m.line)
                out.append(last)
    return out


@dataclass(slots=True)
class GroundTruth:
    site: str
    timezone: str
    seed: int
    start: datetime
    end: datetime
    machines: dict[str, MachineTruth]
    operations: list[OperationTruth]
    breakdowns: list[Breakdown]
    setups: list[Setup]
    idle: list[IdleEpisode] = field(default_factory=list)
    # runs with operators: minutes per operator and activity (working, walking, idle)
    operator_minutes: dict[str, dict[str, float]] = field(default_factory=dict)

    def write(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(_to_json(self), indent=1), encoding="utf-8")


def load_ground_truth(path: str | Path) -> GroundTruth:
    return _from_json(json.loads(Path(path).read_text(encoding="utf-8")))


class TruthRecorder:
    """Collects the truth in epoch milliseconds while the engine runs."""

    def __init__(self, site: str, timezone: str, seed: int, start_ms: int) -> None:
        self.site, self.timezone, self.seed, self.start_ms = site, timezone, seed, start_ms
        self.machines: dict[str, MachineTruth] = {}
        self._changes: dict[str, list[tuple[int, str, str | None, str | None]]] = {}
        self.operations: list[OperationTruth] = []
        self.breakdowns: list[Breakdown] = []
        self.setups: list[Setup] = []

    def add_machine(self, code: str, line: str, kind: str) -> None:
        self.machines[code] = MachineTruth(code, line, kind)
        self._changes[code] = []

    def state(
        self, machine: str, ms: int, state: str, reason: str | None, fault: str | None
    ) -> None:
        changes = self._changes[machine]
        if changes and changes[-1][0] == ms:
            changes.pop()  # superseded in the same millisecond
        changes.append((ms, state, reason, fault))

    def unit(self, op: OperationTruth, machine: str, good: int, reject: int, rework: int) -> None:
        self.machines[machine].counts.add(good, reject, rework)
        op.machines.setdefault(machine, Counts()).add(good, reject, rework)

    def finish(self, end_ms: int) -> GroundTruth:
        for code, changes in self._changes.items():
            bounded = [c for c in changes if c[0] < end_ms]
            ends = [c[0] for c in bounded[1:]] + [end_ms]
            self.machines[code].intervals = [
                TrueInterval(from_ms(ms), from_ms(stop), state, reason, fault)
                for (ms, state, reason, fault), stop in zip(bounded, ends, strict=True)
                if stop > ms
            ]
        return GroundTruth(
            self.site,
            self.timezone,
            self.seed,
            from_ms(self.start_ms),
            from_ms(end_ms),
            self.machines,
            self.operations,
            self.breakdowns,
            self.setups,
            machine_idle(self.machines),
        )


def _t(moment: datetime | None) -> str | None:
    return None if moment is None else iso(to_ms(moment))


def _p(text: str | None) -> datetime | None:
    return None if text is None else parse_iso(text)


def _to_json(truth: GroundTruth) -> dict[str, Any]:
    return {
        "version": 1,
        "site": truth.site,
        "timezone": truth.timezone,
        "seed": truth.seed,
        "start": _t(truth.start),
        "end": _t(truth.end),
        "machines": [
            {
                "code": m.code,
                "line": m.line,
                "kind": m.kind,
                "counts": asdict(m.counts),
                "intervals": [
                    [_t(i.start), _t(i.end), i.state, i.reason, i.fault] for i in m.intervals
                ],
            }
            for m in truth.machines.values()
        ],
        "operations": [
            {
                **{k: v for k, v in asdict(op).items() if k not in ("start", "end", "machines")},
                "start": _t(op.start),
                "end": _t(op.end),
                "machines": {code: asdict(c) for code, c in op.machines.items()},
            }
            for op in truth.operations
        ],
        "breakdowns": [
            {**asdict(b), "start": _t(b.start), "end": _t(b.end)} for b in truth.breakdowns
        ],
        "setups": [{**asdict(s), "start": _t(s.start), "end": _t(s.end)} for s in truth.setups],
        "idle": [[e.subject, e.code, _t(e.start), _t(e.end), e.cause, e.line] for e in truth.idle],
        "operator_minutes": truth.operator_minutes,
    }


def _from_json(data: dict[str, Any]) -> GroundTruth:
    machines = {
        m["code"]: MachineTruth(
            m["code"],
            m["line"],
            m["kind"],
            [
                TrueInterval(parse_iso(s), parse_iso(e), st, r, f)
                for s, e, st, r, f in m["intervals"]
            ],
            Counts(**m["counts"]),
        )
        for m in data["machines"]
    }
    operations = [
        OperationTruth(
            **{k: v for k, v in op.items() if k not in ("start", "end", "machines")},
            start=_p(op["start"]),
            end=_p(op["end"]),
            machines={code: Counts(**c) for code, c in op["machines"].items()},
        )
        for op in data["operations"]
    ]
    breakdowns = [
        Breakdown(**{**b, "start": parse_iso(b["start"]), "end": _p(b["end"])})
        for b in data["breakdowns"]
    ]
    setups = [
        Setup(**{**s, "start": parse_iso(s["start"]), "end": _p(s["end"])}) for s in data["setups"]
    ]
    return GroundTruth(
        data["site"],
        data["timezone"],
        data["seed"],
        parse_iso(data["start"]),
        parse_iso(data["end"]),
        machines,
        operations,
        breakdowns,
        setups,
        [
            IdleEpisode(subject, code, parse_iso(s), parse_iso(e), cause, line)
            for subject, code, s, e, cause, line in data.get("idle", [])
        ],
        data.get("operator_minutes", {}),
    )
