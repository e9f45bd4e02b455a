"""Simulated results of a test machine (ICT): one unit every ``every_s`` seconds with a
serial, a measured supply voltage and now and then defects with an IPC-style code and a
reference designator; from ``drift_from`` on, the voltage creeps upwards (a fixture
contact wearing), slow enough to stay inside the specification for a while but soon
breaking Nelson's rules (1, 2, 5, 6) on its control chart. With ``drift_cycle`` the wear
comes back in episodes: every ``drift_cycle`` from ``drift_from`` the voltage creeps for
``drift_length``, then the fixture is serviced and it is back at nominal (the live
demo's stream: a drift that breaks a rule every few hours, never for long out of spec).

Seeded and pure: the same arguments give the same events (protocol v1 ``inspection``).
``InspectionSource`` plays a stream incrementally (the live feed asks it for the results
up to each instant); ``inspection_events`` plays a window at once (the demo's history).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from linewise.simulation.timefmt import iso, to_ms

DEFECTS = (
    ("BRIDGE", "U"),
    ("INSUFFICIENT", "C"),
    ("TOMBSTONE", "R"),
    ("MISSING", "C"),
    ("POLARITY", "D"),
    ("MISALIGNED", "R"),
)


BOUNDARY_SCAN_FINDS = frozenset({"BRIDGE", "MISSING", "POLARITY"})  # shorts and opens


@dataclass(frozen=True)
class InspectionStream:
    machine: str
    product: str
    step: int
    characteristic: str = "Supply voltage"
    nominal: float = 5.0
    sigma: float = 0.03
    every_s: float = 300.0
    defect_rate: float = 0.03
    drift_from: datetime | None = None
    drift_per_unit: float = 0.004
    drift_cycle: timedelta | None = None  # episodes of wear, one per cycle
    drift_length: timedelta = timedelta(hours=2)  # how long an episode lasts
    serial_prefix: str = ""  # between the product and the unit number
    # An attribute verdict sent with each unit: boundary scan finds opens and shorts,
    # so it fails a unit whose defects are of those codes (no draw of its own: the
    # stream's values stay those of a stream without it).
    verdict: str | None = "Boundary scan"


class InspectionSource:
    """A stream's results from ``start`` on, handed out in time order by ``run_until``."""

    def __init__(self, stream: InspectionStream, start: datetime, *, seed: int = 1) -> None:
        self.stream = stream
        self.at = start
        self._rng = random.Random(f"{seed}:{stream.machine}:{stream.product}")
        self._n = 0
        self._drifted = 0

    def _offset(self, at: datetime) -> float:
        s = self.stream
        if s.drift_from is None or at < s.drift_from:
            return 0.0
        if s.drift_cycle is None:
            self._drifted += 1
            return self._drifted * s.drift_per_unit
        into = (at - s.drift_from) % s.drift_cycle
        if into >= s.drift_length:
            return 0.0
        return (into // timedelta(seconds=s.every_s) + 1) * s.drift_per_unit

    def run_until(self, end: datetime) -> list[dict[str, Any]]:
        """The results of the units tested before ``end`` and not handed out yet."""
        s = self.stream
        rng = self._rng
        out: list[dict[str, Any]] = []
        while self.at < end:
            at = self.at
            self._n += 1
            n = self._n
            value = rng.gauss(s.nominal, s.sigma) + self._offset(at)
            defects = []
            if rng.random() < s.defect_rate:
                code, prefix = DEFECTS[rng.randrange(len(DEFECTS))]
                defects.append({"code": code, "ref": f"{prefix}{rng.randint(1, 40)}"})
            out.append(
                {
                    "id": f"q-{s.machine}-{n}",
                    "ts": iso(to_ms(at)),
                    "machine": s.machine,
                    "type": "inspection",
                    "method": "ict",
                    "product": s.product,
                    "step": s.step,
                    "serial": f"{s.product}-{s.serial_prefix}{n:06d}",
                    "passed": not defects,
                    "values": {s.characteristic: round(value, 4)},
                    "defects": defects,
                }
            )
            if s.verdict is not None:
                scan_ok = not any(d["code"] in BOUNDARY_SCAN_FINDS for d in defects)
                out[-1]["verdicts"] = {s.verdict: scan_ok}
            self.at = at + timedelta(seconds=s.every_s)
        return out


def inspection_events(
    stream: InspectionStream, start: datetime, end: datetime, *, seed: int = 1
) -> list[dict[str, Any]]:
    return InspectionSource(stream, start, seed=seed).run_until(end)
