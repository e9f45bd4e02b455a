"""kill -9 worker processes at random while they run N jobs, restart them: how many
jobs were lost and how many ran to completion twice. Shared by the test and the bench."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from linewise.core.db import make_session_factory, reader, session_scope
from linewise.jobs.models import Job
from linewise.jobs.queue import enqueue_many
from tests.integration.jobs.effects import KIND, create_effects_table, effect_counts

STALE_AFTER_S = 1.0


@dataclass(frozen=True)
class CrashResult:
    jobs: int
    kills: int
    seconds: float
    succeeded: int
    dead: int
    lost: int  # enqueued, yet without an effect once all is done
    twice: int  # effects committed more than once
    reaped: int  # jobs a killed worker held, run again by another (attempt > 1)


def _spawn(url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.jobs.worker_proc", url, str(STALE_AFTER_S)],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _holding(engine: Engine, pids: list[int]) -> list[int]:
    """Indexes of the worker processes that hold running jobs now."""
    with reader(engine).connect() as conn:
        names = conn.execute(
            select(Job.locked_by).where(Job.state == "running").distinct()
        ).scalars()
        held = {int(name.split(":")[1]) for name in names if name}
    return [i for i, pid in enumerate(pids) if pid in held]


def _succeeded(engine: Engine) -> int:
    # A reader: on SQLite it neither takes nor waits for the workers' write lock.
    with reader(engine).connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(Job).where(Job.state == "succeeded")
            ).scalar_one()
        )


def run_crash(
    engine: Engine, jobs: int, workers: int = 3, kills: int = 6, work_ms: float = 2.0
) -> CrashResult:
    """``work_ms`` per job keeps batches in flight long enough for the kills to hit them."""
    create_effects_table(engine)
    factory = make_session_factory(engine)
    with session_scope(factory) as db:
        enqueue_many(db, KIND, [{"n": i, "work_ms": work_ms} for i in range(jobs)])
    url = engine.url.render_as_string(hide_password=False)
    rng = random.Random(19)
    procs = [_spawn(url) for _ in range(workers)]
    started = time.monotonic()
    deadline = started + 300
    done_kills = 0
    try:
        # Kill a random worker each time another share of the jobs is done, mid-batch.
        for k in range(kills):
            target = jobs * (k + 1) // (kills + 2)
            while _succeeded(engine) < target:
                if time.monotonic() > deadline:
                    raise AssertionError(f"stuck below {target} succeeded jobs")
                time.sleep(0.01)  # polling another process's progress in the database
            # A random one of the workers holding jobs (on SQLite one process tends to
            # hold the write lock for long stretches while the others wait for it).
            holding = _holding(engine, [p.pid for p in procs])
            i = rng.choice(holding) if holding else rng.randrange(workers)
            procs[i].send_signal(signal.SIGKILL)
            procs[i].wait(10)
            done_kills += 1
            procs[i] = _spawn(url)
        while _succeeded(engine) < jobs:
            with engine.connect() as conn:
                dead = conn.execute(
                    select(func.count()).select_from(Job).where(Job.state == "dead")
                ).scalar_one()
            if dead or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        seconds = time.monotonic() - started
    finally:
        for p in procs:
            p.send_signal(signal.SIGKILL)
            p.wait(10)
    counts = effect_counts(engine)
    with engine.connect() as conn:
        ids = set(conn.execute(select(Job.id)).scalars())
        dead = conn.execute(
            select(func.count()).select_from(Job).where(Job.state == "dead")
        ).scalar_one()
        reaped = conn.execute(
            select(func.count()).select_from(Job).where(Job.attempt > 1)
        ).scalar_one()
    return CrashResult(
        jobs=jobs,
        kills=done_kills,
        seconds=seconds,
        succeeded=_succeeded(engine),
        dead=int(dead),
        lost=len(ids - set(counts)),
        twice=sum(1 for n in counts.values() if n > 1),
        reaped=int(reaped),
    )
