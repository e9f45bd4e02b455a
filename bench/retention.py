#!/usr/bin/env python
"""Data retention: how long the `retention` job takes to turn raw telemetry and count
events into hourly aggregates, beside the bare DELETE of the same rows in the same run.

Synthetic machine data (``--machines`` machines, one telemetry sample with three signals
and one count event every ``--every`` seconds for ``--days`` days, all past the cut).

    python bench/retention.py                  # SQLite
    python bench/retention.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/test

Writes bench/results/retention-<backend>.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from sqlalchemy import create_engine, delete, insert, text  # noqa: E402

from linewise.core.db import make_engine, make_session_factory  # noqa: E402
from linewise.core.migrate import upgrade  # noqa: E402
from linewise.domains.equipment.models import Area, Line, Machine, Site  # noqa: E402
from linewise.ingest import retention  # noqa: E402
from linewise.ingest.models import CountEvent, TelemetrySample  # noqa: E402


@contextmanager
def database(pg: str | None, workdir: Path, label: str) -> Iterator[str]:
    if pg is None:
        yield f"sqlite:///{workdir / f'{label}.db'}"
        return
    name = f"lw_bench_{label}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield pg.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def fill(url: str, machines: int, days: int, every: int, now: datetime) -> int:
    """The synthetic raw data; how many telemetry rows."""
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    start = now - timedelta(days=days + 40)
    with factory() as db:
        site = Site(code="B", name="Bench", timezone="UTC")
        area = Area(site=site, code="A", name="A")
        line = Line(area=area, code="L", name="L", type="SMT")
        ms = [
            Machine(line=line, code=f"M{i}", name=f"M{i}", kind="x", position=i)
            for i in range(machines)
        ]
        db.add_all([site, area, line, *ms])
        db.commit()
        ids = [m.id for m in ms]
    rows = 0
    steps = days * 86_400 // every
    with engine.begin() as conn:
        for mid in ids:
            tel, cnt = [], []
            for k in range(steps):
                ts = start + timedelta(seconds=k * every)
                tel.append(
                    {
                        "machine_id": mid,
                        "event_id": f"t{k}",
                        "ts": ts,
                        "signals": {"temp": 20 + k % 7, "speed": k % 50, "mode": "auto"},
                        "units": {"temp": "degC"},
                    }
                )
                cnt.append(
                    {"machine_id": mid, "event_id": f"c{k}", "ts": ts, "good": 3, "reject": 0}
                )
            conn.execute(insert(TelemetrySample), tel)
            conn.execute(insert(CountEvent), cnt)
            rows += len(tel)
    engine.dispose()
    return rows


def measure(url: str, now: datetime, bare: bool) -> float:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as db:
        t0 = time.perf_counter()
        if bare:
            cut = retention.cutoff_for(now, 30)
            db.execute(delete(TelemetrySample).where(TelemetrySample.ts < cut))
            db.execute(delete(CountEvent).where(CountEvent.ts < cut))
        else:
            retention.apply(db, now, 30)
        db.commit()
        elapsed = time.perf_counter() - t0
    engine.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--machines", type=int, default=5)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--every", type=int, default=60, help="seconds between samples")
    parser.add_argument("--pg", default=None)
    args = parser.parse_args()
    now = datetime.now(UTC)
    backend = "postgresql" if args.pg else "sqlite"
    with (
        tempfile.TemporaryDirectory() as tmp,
        database(args.pg, Path(tmp), "raw") as a,
        database(args.pg, Path(tmp), "agg") as b,
    ):
        rows = fill(a, args.machines, args.days, args.every, now)
        fill(b, args.machines, args.days, args.every, now)
        bare = measure(a, now, bare=True)
        job = measure(b, now, bare=False)
    result = {
        "backend": backend,
        "machines": args.machines,
        "days": args.days,
        "telemetry_rows": rows,
        "count_rows": rows,
        "retention_s": round(job, 3),
        "bare_delete_s": round(bare, 3),
        "ratio": round(job / bare, 2) if bare else None,
        "rows_per_s": round(2 * rows / job),
    }
    print(f"{'backend':<12}{'raw rows':>12}{'retention s':>14}{'bare DELETE s':>15}{'ratio':>8}")
    print(
        f"{backend:<12}{2 * rows:>12}{result['retention_s']:>14}"
        f"{result['bare_delete_s']:>15}{result['ratio']:>8}"
    )
    out = REPO / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"retention-{backend}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
