"""Simulated results of a test machine (ICT): one unit every ``every_s`` seconds with a
serial, a measured supply voltage and now and then defects with an IPC-style code and a
reference designator; from ``drift_from`` on, the voltage creeps upwards (a fixture
contact wearing), slow enough to stay inside the specification for a while but soon
breaking Nelson's rules (1, 2, 5, 6) on its control chart.

Seeded and pure: the same arguments give the same events (protocol v1 ``inspection``).
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


def inspection_events(
    stream: InspectionStream, start: datetime, end: datetime, *, seed: int = 1
) -> list[dict[str, Any]]:
    rng = random.Random(f"{seed}:{stream.machine}:{stream.product}")
    out: list[dict[str, Any]] = []
    at = start
    n = 0
    drifted = 0
    while at < end:
        n += 1
        value = rng.gauss(stream.nominal, stream.sigma)
        if stream.drift_from is not None and at >= stream.drift_from:
            drifted += 1
            value += drifted * stream.drift_per_unit
        defects = []
        if rng.random() < stream.defect_rate:
            code, prefix = DEFECTS[rng.randrange(len(DEFECTS))]
            defects.append({"code": code, "ref": f"{prefix}{rng.randint(1, 40)}"})
        out.append(
            {
                "id": f"q-{stream.machine}-{n}",
                "ts": iso(to_ms(at)),
                "machine": stream.machine,
                "type": "inspection",
                "method": "ict",
                "product": stream.product,
                "step": stream.step,
                "serial": f"{stream.product}-{n:06d}",
                "passed": not defects,
                "values": {stream.characteristic: round(value, 4)},
                "defects": defects,
            }
        )
        at += timedelta(seconds=stream.every_s)
    return out
