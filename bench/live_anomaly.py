"""Cost of the anomaly detector in the live ingest path: the maintenance projection
(``domains/maintenance/live.py``) per telemetry point, with its state read from and
written to the database in every batch, as the recorder runs it.

A file SQLite database with the tables; one machine with four signals; batches of 1,
10 and 100 samples, while the detector learns (its buffer is in the state), after, and
two weeks on (the ART categories grown); with the size of the stored state. Each row
for the two detectors a site can choose (``LINEWISE_ANOMALY_DETECTOR``): ``novelty``
alone and ``art``, the default (novelty with the ART detector beside it), in the same
run, their ratio, and each with the process's cache of live
detectors (``live.py``: the stored state is not rebuilt while its tag is the one this
process wrote) and without it (every batch rebuilds from the stored state, as a process
that another one wrote behind does).

Then the write volume: the state is written in every batch, so a machine sending one
sample a minute writes its state 1,440 times a day in batches of 1, 24 times in batches
of 60. Bytes of state (its JSON text) written per machine per day, over the first day
(learning) and over a day two weeks on.

Timed: the projection's work inside the transaction (read the state, run the detector,
write the state and any warning), not the commit, which the recorder pays per batch
whatever the projections do.

    python bench/live_anomaly.py [--batches 200]
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, delete, select

import linewise.models  # noqa: F401  (every table on the metadata)
from linewise.analytics.anomaly import machine_detector, machine_state
from linewise.core.db import Base
from linewise.domains.maintenance import live
from linewise.domains.maintenance.models import DetectorState
from linewise.ingest.projections import StoredSample

T0 = datetime(2026, 1, 1, tzinfo=UTC)
RESULTS = Path(__file__).resolve().parent / "results"


def _sample(i: int) -> StoredSample:
    signals = {
        "vacuum_kpa": 80.0 + (i % 7),
        "temp_c": 40.0 + (i % 3),
        "current_a": 5.0 + math.sin(i / 30),
        "vibration_mm_s": 1.0 + (i % 5) * 0.1,
    }
    return StoredSample(1, f"e{i}", T0 + timedelta(minutes=i), signals)


DETECTORS = ("novelty", "art")  # LINEWISE_ANOMALY_DETECTOR; art is the default
DAY = 1440  # one sample a minute


def write_volume(kind: str, offset: int, size: int) -> float:
    """Bytes of state written for one machine over a day of one-a-minute samples in
    batches of ``size``, after ``offset`` samples: the JSON of the state ``live.feed``
    writes after each batch (``machine_state``), summed."""
    m = machine_detector(kind)
    for i in range(offset):
        m.update(live.numeric(_sample(i).signals))
    written = 0
    for k in range(DAY):
        m.update(live.numeric(_sample(offset + k).signals))
        if (k + 1) % size == 0:
            written += len(json.dumps(machine_state(m)))
    return float(written)


def measure(
    engine: Engine, kind: str, offset: int, size: int, n: int, cache: bool
) -> tuple[float, float]:
    """µs per point of ``n`` batches of ``size`` after ``offset`` points; the state's kB."""
    with engine.begin() as conn:
        conn.execute(delete(DetectorState))
        live.CACHE.clear()
        # the state as it is in this phase: fed up to ``offset`` points
        if offset:
            live.feed(conn, 1, [_sample(i) for i in range(offset)], kind=kind)
    i = offset + 1
    spent = 0.0  # inside the projection only: the commit is the recorder's
    for _ in range(n):
        batch = [_sample(i + k) for k in range(size)]
        if not cache:
            live.CACHE.clear()
        with engine.begin() as conn:
            started = time.perf_counter()
            live.feed(conn, 1, batch, kind=kind)
            spent += time.perf_counter() - started
        i += size
    with engine.connect() as conn:
        state = conn.execute(select(DetectorState.state)).scalar_one()
    return spent / (n * size) * 1e6, len(json.dumps(state)) / 1000


def run(batches: int) -> dict[str, Any]:
    out: dict[str, Any] = {"batches": batches, "rows": []}
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        Base.metadata.create_all(engine)  # foreign keys are not enforced: no machine row
        print(
            "µs a point (state kB); cached: the process's detector goes on, rebuilt: from the state"
        )
        head = "".join(
            f"{name + ', ' + how:>24}" for name in DETECTORS for how in ("cached", "rebuilt")
        )
        print(f"{'phase':9} {'batch':>5}{head}  ratio art/novelty (cached)")
        for kind in DETECTORS:  # warm up: the first batch also loads code
            measure(engine, kind, 0, 10, 2, True)
        # "a fortnight": two weeks of one-a-minute samples fed, the ART categories grown
        for phase, offset in (("learning", 0), ("learned", 2000), ("fortnight", 20160)):
            for size in (1, 10, 100):
                n = min(batches, 1200 // size) if phase == "learning" else batches
                row: dict[str, Any] = {"phase": phase, "batch": size}
                cells = []
                for name in DETECTORS:
                    for cache in (True, False):
                        us, kb = measure(engine, name, offset, size, n, cache)
                        key = f"{name}, {'cached' if cache else 'rebuilt'}"
                        row[key] = {"us_per_point": us, "state_kb": kb}
                        cells.append(f"{us:9.1f} ({kb:5.1f} kB)")
                ratio = row["art, cached"]["us_per_point"] / row["novelty, cached"]["us_per_point"]
                row["ratio_cached"] = ratio
                out["rows"].append(row)
                print(
                    f"{phase:9} {size:5}" + "".join(f"{c:>24}" for c in cells) + f"  {ratio:5.2f}"
                )
    print("state written per machine per day at one sample a minute, MB (JSON text)")
    print(f"{'day':9} {'batch':>5}" + "".join(f"{name:>12}" for name in DETECTORS))
    out["write_volume"] = []
    for day, offset in (("first", 0), ("fortnight", 14 * DAY)):
        for size in (1, 60):
            vol = {name: write_volume(name, offset, size) for name in DETECTORS}
            out["write_volume"].append({"day": day, "batch": size, "bytes": vol})
            print(f"{day:9} {size:5}" + "".join(f"{v / 1e6:12.2f}" for v in vol.values()))
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", type=int, default=200)
    result = run(ap.parse_args().batches)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "live_anomaly.json").write_text(json.dumps(result, indent=2))
