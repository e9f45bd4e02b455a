"""A worker: claim loops, heartbeats, the reaper and the periodic jobs, in threads.

Each claim loop takes a batch of ready jobs in one short transaction, then runs the
batch: jobs whose kind writes in the batch's transaction run one after another inside
it (each in a savepoint) and are marked succeeded in the same commit; the others run
alone and are marked done after. A job that raises is retried after an exponential
backoff with jitter, and after its last attempt it goes to the dead-letter list.

One housekeeping thread per worker heartbeats the jobs it holds, gives back the jobs of
workers whose heartbeat stopped (a kill -9, a lost machine: within
``stale_after_s + heartbeat_s``, 25 s by default) and enqueues due periodic jobs. On
PostgreSQL a LISTEN connection wakes the claim loops when a job is enqueued; otherwise
they poll (``poll_s``), peeking with a read-only query first so that an idle worker on
SQLite does not take the write lock.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Sequence
from datetime import timedelta

from opentelemetry.trace import Status, StatusCode
from sqlalchemy import Connection, exists, select, text
from sqlalchemy.orm import Session, sessionmaker

from linewise.core import request_context
from linewise.core.db import read_only_factory, session_scope
from linewise.core.time import utcnow
from linewise.core.tracing import OFF, Tracing
from linewise.jobs import periodic as periodic_jobs
from linewise.jobs import queue
from linewise.jobs.models import Job, JobSchedule, JobState
from linewise.jobs.queue import READY_SQL, Backoff, Claimed
from linewise.jobs.registry import JobContext, Registry

log = logging.getLogger("linewise.jobs")


class _JobFailed(Exception):
    """A job of a batch run without savepoints failed: run the batch again isolated."""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    def __init__(
        self,
        factory: sessionmaker[Session],
        registry: Registry,
        *,
        concurrency: int = 1,
        batch: int = 50,
        poll_s: float = 0.5,
        heartbeat_s: float = 5.0,
        stale_after_s: float = 20.0,
        backoff: Backoff | None = None,
        queues: Sequence[str] = ("default",),
        name: str | None = None,
        tracing: Tracing = OFF,
    ) -> None:
        self.factory = factory
        self.registry = registry
        self.tracing = tracing
        self.name = name or worker_name()
        self.concurrency = concurrency
        self.batch = batch
        self.poll_s = poll_s
        self.heartbeat_s = heartbeat_s
        self.stale_after = timedelta(seconds=stale_after_s)
        self.backoff = backoff or Backoff()
        self.queues = tuple(queues)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self.listening = threading.Event()  # PostgreSQL: the LISTEN connection is up
        self.completed = 0  # jobs this worker marked succeeded (for tests and the bench)
        self._counter = threading.Lock()
        self._holding = 0  # jobs claimed and not finished (heartbeats only then)

    # --- life -----------------------------------------------------------------------

    def start(self) -> None:
        # The first look at the periodic jobs (which records those seen for the first
        # time) happens here, so that a server's start-up writes are done when it starts.
        self.schedule_periodic()
        targets = [self._claim_loop] * self.concurrency + [self._housekeeping]
        bind = self.factory.kw.get("bind")
        if bind is not None and bind.dialect.name == "postgresql":
            targets.append(self._listen)
        for i, target in enumerate(targets):
            thread = threading.Thread(target=target, name=f"linewise-jobs-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop claiming; jobs already claimed finish (or are reaped if that takes long)."""
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def wake(self) -> None:
        self._wake.set()

    # --- claiming and running -------------------------------------------------------

    def _ready(self) -> bool:
        """Is anything ready? A read-only look (no write lock on SQLite)."""
        with read_only_factory(self.factory)() as db:
            found = db.scalar(
                select(
                    exists().where(
                        text(READY_SQL), Job.queue.in_(self.queues), Job.run_at <= utcnow()
                    )
                )
            )
            return bool(found)

    def _claim_loop(self) -> None:
        idle = False
        while not self._stop.is_set():
            try:
                if idle and not self._ready():
                    self._wake.wait(self.poll_s)
                    self._wake.clear()
                    continue
                jobs = self.run_once()
                idle = jobs == 0
            except Exception:
                log.exception("job worker %s: claim failed; retrying", self.name)
                self._stop.wait(self.poll_s)

    def run_once(self) -> int:
        """Claim one batch and run it; the number of jobs claimed."""
        with self._counter:
            self._holding += 1  # before the claim: a heartbeat must not miss its jobs
        try:
            with session_scope(self.factory) as db:
                jobs = queue.claim(db.connection(), self.name, self.batch, self.queues)
            if jobs:
                self._run_batch(jobs)
        finally:
            with self._counter:
                self._holding -= 1
        return len(jobs)

    def _run_batch(self, jobs: list[Claimed]) -> None:
        inline = [j for j in jobs if not self._own_transaction(j.kind)]
        alone = [j for j in jobs if self._own_transaction(j.kind)]
        if inline:
            try:
                self._run_inline(inline)
            except Exception as exc:  # the batch's commit failed: each job fails once
                log.exception("job batch failed")
                for job in inline:
                    self._finish_alone(job, f"batch failed: {exc!r}")
        for job in alone:
            self._run_alone(job)

    def _count(self, succeeded: int) -> None:
        with self._counter:
            self.completed += succeeded

    def _own_transaction(self, kind: str) -> bool:
        found = self.registry.kinds.get(kind)
        return found is not None and found.own_transaction

    def _run_inline(self, jobs: list[Claimed]) -> None:
        """Run the batch in one transaction. First without savepoints (one statement
        less per write, the common case); if any job fails, that attempt is rolled back
        whole and the batch runs again with a savepoint per job, so that only the failed
        job's writes are undone."""
        try:
            self._run_in_transaction(jobs, isolate=False)
        except _JobFailed:
            self._run_in_transaction(jobs, isolate=True)

    def _run_in_transaction(self, jobs: list[Claimed], *, isolate: bool) -> None:
        with session_scope(self.factory) as db:
            conn = db.connection()
            done: list[int] = []
            failed: list[tuple[Claimed, str]] = []
            # Without savepoints the batch's statements are pipelined on PostgreSQL: a
            # handler's write is sent without waiting for its answer, so a batch costs a
            # few round trips instead of one per write. An error surfaces at the latest
            # when the pipeline ends, and any error reruns the batch isolated (no pipeline,
            # a savepoint per job), which tells which job failed.
            try:
                with queue.pipelined(conn, enabled=not isolate):
                    owned = queue.lock_owned(conn, [j.id for j in jobs], self.name)
                    for job in jobs:
                        if job.id not in owned:
                            continue  # the reaper gave it back meanwhile: not ours to run
                        ctx = JobContext(
                            job.id, job.kind, job.args, job.attempt, db, self.factory,
                            isolate=isolate, request_id=job.request_id,
                        )  # fmt: skip
                        error = self._call(ctx)
                        if error is not None and not isolate:
                            raise _JobFailed(job.id)
                        ctx.finish(error is None)
                        if error is None:
                            done.append(job.id)
                        else:
                            failed.append((job, error))
            except _JobFailed:
                raise
            except Exception as exc:
                # A queued INSERT's error comes out of the pipeline as the driver's own
                # error (not wrapped by SQLAlchemy), at its end or at the next read.
                if isolate:
                    raise
                raise _JobFailed(0) from exc
            for job, error in failed:
                self._failed(conn, job, error)
            self._count(queue.succeed(conn, done, self.name))

    def _run_alone(self, job: Claimed) -> None:
        ctx = JobContext(
            job.id, job.kind, job.args, job.attempt, None, self.factory,
            request_id=job.request_id,
        )  # fmt: skip
        self._finish_alone(job, self._call(ctx))

    def _finish_alone(self, job: Claimed, error: str | None) -> None:
        try:
            with session_scope(self.factory) as db:
                conn = db.connection()
                if error is None:
                    self._count(queue.succeed(conn, [job.id], self.name))
                else:
                    self._failed(conn, job, error)
        except Exception:  # left running: the reaper returns it when we stop heartbeating
            log.exception("job %s: could not record its outcome", job.id)

    def _call(self, ctx: JobContext) -> str | None:
        """Run the handler; None on success, else the error text."""
        kind = self.registry.kinds.get(ctx.kind)
        if kind is None:
            return f"no handler for job kind {ctx.kind!r}"
        # The job's log lines carry the id of the request that enqueued it (or its own).
        rid = ctx.request_id or f"job-{ctx.id}"
        token = request_context.request_id.set(rid)
        # A span per job (with tracing on), carrying the enqueuing request's id.
        with self.tracing.tracer.start_as_current_span(
            f"job {ctx.kind}",
            attributes={
                "linewise.job.id": ctx.id,
                "linewise.job.attempt": ctx.attempt,
                "linewise.request_id": rid,
            },
        ) as span:
            try:
                kind.handler(ctx)
            except Exception as exc:
                span.record_exception(exc)
                span.set_status(Status(StatusCode.ERROR))
                return traceback.format_exc()
            finally:
                request_context.request_id.reset(token)
        return None

    def _failed(self, conn: Connection, job: Claimed, error: str) -> None:
        state = queue.fail(conn, job, self.name, error, self.backoff)
        if state == "dead":
            log.warning("job %s (%s) is dead after %s attempts", job.id, job.kind, job.attempt)
        else:
            log.info("job %s (%s) failed (attempt %s); retrying", job.id, job.kind, job.attempt)

    # --- housekeeping ---------------------------------------------------------------

    def housekeep(self) -> None:
        """One round: heartbeat, reap, periodic jobs (each in its own transaction)."""
        self.heartbeat_and_reap()
        self.schedule_periodic()

    def heartbeat_and_reap(self) -> None:
        # Each write is preceded by a read-only look, so that an idle worker on SQLite
        # never takes the write lock.
        if self._holding:
            with session_scope(self.factory) as db:
                queue.heartbeat(db.connection(), self.name)
        stale_since = utcnow() - self.stale_after
        with read_only_factory(self.factory)() as db:
            stale = db.scalar(
                select(
                    exists().where(
                        Job.state == JobState.RUNNING.value, Job.heartbeat_at < stale_since
                    )
                )
            )
        if not stale:
            return
        with session_scope(self.factory) as db:
            reaped = queue.reap(db.connection(), self.stale_after)
        if reaped:
            log.warning("job reaper: %s job(s) of stopped workers given back", reaped)
            self._wake.set()

    def schedule_periodic(self) -> int:
        """Enqueue the due periodic jobs; the number enqueued."""
        if not self.registry.periodic:
            return 0
        now = utcnow()
        with read_only_factory(self.factory)() as db:
            last = dict(db.execute(select(JobSchedule.name, JobSchedule.last_fire_at)).all())
        enqueued = 0
        for periodic in self.registry.periodic.values():
            fire = periodic.cron.previous(now, periodic.zone)
            if fire is None or (periodic.name in last and fire <= last[periodic.name]):
                continue
            with session_scope(self.factory) as db:
                if periodic_jobs.due(db, periodic, now) is not None:
                    enqueued += 1
        if enqueued:
            self._wake.set()
        return enqueued

    def _housekeeping(self) -> None:
        # Periodic jobs are looked at every second (fire times are whole minutes).
        tick = min(self.heartbeat_s, 1.0)
        last_beat = 0.0
        while not self._stop.is_set():
            try:
                if time.monotonic() - last_beat >= self.heartbeat_s:
                    last_beat = time.monotonic()
                    self.heartbeat_and_reap()
                self.schedule_periodic()
            except Exception:
                log.exception("job worker %s: housekeeping failed", self.name)
            self._stop.wait(tick)

    def _listen(self) -> None:
        import psycopg

        bind = self.factory.kw["bind"]
        conninfo = bind.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not self._stop.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {queue.CHANNEL}")
                    self.listening.set()
                    while not self._stop.is_set():
                        for _note in conn.notifies(timeout=0.5):
                            self._wake.set()
            except Exception:
                log.warning("jobs LISTEN connection lost; polling until it is back")
                self._stop.wait(1.0)
