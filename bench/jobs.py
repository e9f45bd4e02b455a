"""Job queue benchmark: jobs/s on SQLite and PostgreSQL against a bare-driver baseline,
and the kill -9 run (workers killed at random during 10,000 jobs).

Each job is the test kind of tests/integration/jobs: it inserts one row in the job's
own transaction, which commits with the job's completion. Workers are real processes
(``tests.integration.jobs.worker_proc``), started before the jobs are enqueued; the
clock runs from the enqueueing commit until the last job is marked succeeded.

The baseline does the same row changes with the bare driver in one thread, no queue
code around it: per batch of 20, one transaction that marks the jobs running and one
that inserts their effects and marks them succeeded. The ratio says what the queue
(claim query, savepoints, ownership checks, process overhead) costs on top.

    python bench/jobs.py            # full run
    python bench/jobs.py --quick    # smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, func, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
RESULTS = ROOT / "bench" / "results"
BATCH = 50  # jobs per claim, as the workers' default

from linewise.core.db import make_engine, make_session_factory, session_scope  # noqa: E402
from linewise.core.migrate import upgrade  # noqa: E402
from linewise.jobs.models import Job  # noqa: E402
from linewise.jobs.queue import enqueue_many  # noqa: E402
from tests.integration.jobs.crash import run_crash  # noqa: E402
from tests.integration.jobs.effects import KIND, NOOP, create_effects_table  # noqa: E402


def pg_database(admin_url: str) -> tuple[str, Any]:
    name = f"linewise_bench_{uuid.uuid4().hex[:6]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.rsplit("/", 1)[0] + f"/{name}", drop


def _reset(engine: Engine) -> None:
    create_effects_table(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM jobs"))


def _succeeded(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(Job).where(Job.state == "succeeded")
            ).scalar_one()
        )


def queue_rate(engine: Engine, jobs: int, processes: int, loops: int, kind: str = KIND) -> float:
    """Jobs/s of ``processes`` worker processes with ``loops`` claim loops each."""
    _reset(engine)
    url = engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.integration.jobs.worker_proc",
                url,
                "20",
                str(loops),
                str(BATCH),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(processes)
    ]
    try:
        time.sleep(2.0)  # let the workers start (imports, connections) before the clock
        with session_scope(make_session_factory(engine)) as db:
            enqueue_many(db, kind, [{"n": i} for i in range(jobs)])
        started = time.perf_counter()
        while _succeeded(engine) < jobs:
            if time.perf_counter() - started > 600:
                raise RuntimeError("the workers stalled")
            time.sleep(0.1)  # a count of 20,000 rows: not so often it competes for the CPU
        return jobs / (time.perf_counter() - started)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()


def baseline_rate(engine: Engine, jobs: int, effects: bool = True) -> float:
    """The same row changes with the bare driver (sqlite3 / psycopg), one thread."""
    _reset(engine)
    with session_scope(make_session_factory(engine)) as db:
        enqueue_many(db, KIND, [{"n": i} for i in range(jobs)])
    with engine.connect() as conn:
        ids = [int(i) for i in conn.execute(text("SELECT id FROM jobs ORDER BY id")).scalars()]
    raw = engine.raw_connection()
    sqlite = engine.dialect.name == "sqlite"
    p = "?" if sqlite else "%s"
    try:
        cur = raw.cursor()
        started = time.perf_counter()
        for i in range(0, len(ids), BATCH):
            chunk = ids[i : i + BATCH]
            marks = ",".join([p] * len(chunk))
            if sqlite:
                cur.execute("BEGIN IMMEDIATE")
            cur.execute(
                f"UPDATE jobs SET state='running', attempt=attempt+1 WHERE id IN ({marks})", chunk
            )
            raw.commit()
            if sqlite:
                cur.execute("BEGIN IMMEDIATE")
            if effects:
                cur.executemany(
                    f"INSERT INTO job_test_effects (job_id) VALUES ({p})", [(j,) for j in chunk]
                )
            cur.execute(f"UPDATE jobs SET state='succeeded' WHERE id IN ({marks})", chunk)
            raw.commit()
        return jobs / (time.perf_counter() - started)
    finally:
        raw.close()


def pipeline_ab(engine: Engine, jobs: int, rounds: int = 3) -> dict[str, Any]:
    """One in-process worker, the batch pipeline off and on in turns (so both see the same
    load on a shared machine): median jobs/s and CPU microseconds per job of each."""
    import contextlib
    import statistics
    from collections.abc import Iterator

    from linewise.jobs import queue
    from linewise.jobs.worker import Worker
    from tests.integration.jobs.effects import registry

    real = queue.pipelined

    @contextlib.contextmanager
    def off(_conn: Any, enabled: bool = True) -> Iterator[None]:
        yield

    factory = make_session_factory(engine)
    runs: dict[str, list[tuple[float, float]]] = {"off": [], "on": []}
    try:
        for _ in range(rounds):
            for mode in ("off", "on"):
                queue.pipelined = off if mode == "off" else real  # type: ignore[assignment]
                _reset(engine)
                with session_scope(factory) as db:
                    enqueue_many(db, KIND, [{"n": i} for i in range(jobs)])
                worker = Worker(factory, registry(), batch=BATCH)
                wall, cpu = time.perf_counter(), time.process_time()
                while worker.run_once():
                    pass
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                runs[mode].append((jobs / wall, cpu / jobs * 1e6))
    finally:
        queue.pipelined = real  # type: ignore[assignment]
    return {
        mode: {
            "jobs_per_s": round(statistics.median(r for r, _ in rs)),
            "cpu_us_per_job": round(statistics.median(c for _, c in rs)),
            "runs": [round(r) for r, _ in rs],
        }
        for mode, rs in runs.items()
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument(
        "--pg",
        default=os.environ.get(
            "LINEWISE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    ap.add_argument("--skip-pg", action="store_true")
    ap.add_argument("--skip-sqlite", action="store_true")
    ap.add_argument("--skip-kill", action="store_true")
    ap.add_argument("--jobs", type=int, default=0, help="jobs per run (default 20,000)")
    ap.add_argument("--ab", action="store_true", help="PostgreSQL: batch pipeline off vs on")
    args = ap.parse_args()
    jobs = args.jobs or (2_000 if args.quick else 20_000)
    crash_jobs = 2_000 if args.quick else 10_000

    backends: list[tuple[str, str, Any]] = []
    tmp = tempfile.mkdtemp(prefix="linewise-bench-jobs-")
    if not args.skip_sqlite:
        backends.append(("sqlite", f"sqlite:///{tmp}/jobs.db", lambda: None))
    if not args.skip_pg:
        url, drop = pg_database(args.pg)
        backends.append(("postgresql", url, drop))
    # (processes, claim loops each) per backend: SQLite has one writer at a time.
    setups = {"sqlite": [(1, 1), (2, 1)], "postgresql": [(1, 1), (2, 1), (4, 1)]}

    rows: list[dict[str, Any]] = []
    crashes: dict[str, Any] = {}
    ab: dict[str, Any] = {}
    for name, url, drop in backends:
        try:
            upgrade(url)
            engine = make_engine(url)
            if args.ab and name == "postgresql":
                ab = pipeline_ab(engine, min(jobs, 3_000))
                print("pipeline off/on", ab, flush=True)
            for kind, label in ((KIND, "insert a row"), (NOOP, "nothing")):
                base = baseline_rate(engine, jobs, effects=kind == KIND)
                for processes, loops in setups[name]:
                    rate = queue_rate(engine, jobs, processes, loops, kind)
                    rows.append(
                        {
                            "backend": name,
                            "job does": label,
                            "workers": f"{processes} proc x {loops} loop",
                            "jobs": jobs,
                            "jobs_per_s": round(rate),
                            "baseline_per_s": round(base),
                            "ratio": round(rate / base, 2),
                        }
                    )
                    print(rows[-1], flush=True)
            if args.skip_kill:
                engine.dispose()
                continue
            _reset(engine)
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM jobs"))
            crashes[name] = asdict(run_crash(engine, jobs=crash_jobs, workers=3, kills=10))
            print(name, crashes[name], flush=True)
            engine.dispose()
        finally:
            drop()

    print(f"\nJob queue benchmark, {jobs} jobs per run, batches of {BATCH}, 2 cores\n")
    print(
        f"{'backend':<11} {'job does':<13} {'workers':<18} {'jobs/s':>8} "
        f"{'bare driver/s':>14} {'ratio':>6}"
    )
    for r in rows:
        print(
            f"{r['backend']:<11} {r['job does']:<13} {r['workers']:<18} {r['jobs_per_s']:>8} "
            f"{r['baseline_per_s']:>14} {r['ratio']:>6}"
        )
    print(f"\nkill -9 run, {crash_jobs} jobs, 3 worker processes, 10 random kills\n")
    print(f"{'backend':<11} {'seconds':>8} {'lost':>5} {'twice':>6} {'dead':>5} {'re-run':>7}")
    for name, c in crashes.items():
        print(
            f"{name:<11} {c['seconds']:>8.1f} {c['lost']:>5} {c['twice']:>6} {c['dead']:>5} "
            f"{c['reaped']:>7}"
        )
    if ab:
        print("\nPostgreSQL, one in-process worker, inserts a row, pipeline off / on in turns\n")
        print(f"{'pipeline':<9} {'jobs/s':>8} {'CPU us/job':>11}  runs")
        for mode, r in ab.items():
            print(f"{mode:<9} {r['jobs_per_s']:>8} {r['cpu_us_per_job']:>11}  {r['runs']}")
        ratio = ab["on"]["jobs_per_s"] / ab["off"]["jobs_per_s"]
        print(f"ratio on/off: {ratio:.2f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "jobs.json"
    out.write_text(json.dumps({"throughput": rows, "kill_9": crashes, "pipeline_ab": ab}, indent=2))
    print(f"\nwritten {out}")


if __name__ == "__main__":
    main()
