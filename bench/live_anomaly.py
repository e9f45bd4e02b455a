"""Cost of the anomaly detector in the live ingest path: the maintenance projection
(``domains/maintenance/live.py``) per telemetry point, with its state read from and
written to the database in every batch, as the recorder runs it.

A file SQLite database with the tables; one machine with four signals; batches of 1,
10 and 100 samples, while the detector learns (its buffer is in the state), after, and
two weeks on (the ART categories grown); with the size of the stored state.
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

from sqlalchemy import create_engine, delete, select

import linewise.models  # noqa: F401  (every table on the metadata)
from linewise.core.db import Base
from linewise.domains.maintenance import live
from linewise.domains.maintenance.models import DetectorState
from linewise.ingest.projections import StoredSample

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _sample(i: int) -> StoredSample:
    signals = {
        "vacuum_kpa": 80.0 + (i % 7),
        "temp_c": 40.0 + (i % 3),
        "current_a": 5.0 + math.sin(i / 30),
        "vibration_mm_s": 1.0 + (i % 5) * 0.1,
    }
    return StoredSample(1, f"e{i}", T0 + timedelta(minutes=i), signals)


def run(batches: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        Base.metadata.create_all(engine)  # foreign keys are not enforced: no machine row
        print("phase     batch  us/point  state kB")
        # "a fortnight": two weeks of one-a-minute samples fed, the ART categories grown
        for phase, offset in (("learning", 0), ("learned", 2000), ("fortnight", 20160)):
            for size in (1, 10, 100):
                with engine.begin() as conn:
                    conn.execute(delete(DetectorState))
                    # the state as it is in this phase: fed up to ``offset`` points
                    if offset:
                        live.feed(conn, 1, [_sample(i) for i in range(offset)])
                i = offset + 1
                n = min(batches, 1200 // size) if phase == "learning" else batches
                spent = 0.0  # inside the projection only: the commit is the recorder's
                for _ in range(n):
                    batch = [_sample(i + k) for k in range(size)]
                    with engine.begin() as conn:
                        started = time.perf_counter()
                        live.feed(conn, 1, batch)
                        spent += time.perf_counter() - started
                    i += size
                with engine.connect() as conn:
                    state = conn.execute(select(DetectorState.state)).scalar_one()
                kb = len(json.dumps(state)) / 1000
                print(f"{phase:9} {size:5} {spent / (n * size) * 1e6:9.1f} {kb:9.1f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", type=int, default=200)
    run(ap.parse_args().batches)
