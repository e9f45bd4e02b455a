"""The queue's writes: enqueue in the caller's transaction, claim, finish, reap, replay.

Every change is one SQL statement on the ``jobs`` table, so that it means the same on
SQLite and PostgreSQL:

- claim: ``UPDATE jobs ... WHERE id IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED)
  RETURNING``. On PostgreSQL concurrent workers skip each other's rows; on SQLite the
  write transaction begins IMMEDIATE (core/db.py), so one writer claims at a time and the
  ``FOR UPDATE`` clause is not rendered.
- finishing (success, retry, dead) is conditional on ``locked_by`` still being this
  worker and the state still ``running``: a job the reaper took back is not finished
  twice.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    case,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from linewise.core import request_context
from linewise.core.time import utcnow
from linewise.jobs.models import Job, JobState

CHANNEL = "linewise_jobs"  # NOTIFY channel: a job became available on PostgreSQL
READY = (JobState.AVAILABLE.value, JobState.RETRYABLE.value)
# The partial index ix_jobs_ready's condition, as literal SQL: with bound parameters
# neither PostgreSQL (generic plans) nor SQLite can prove a query matches the index.
READY_SQL = "jobs.state IN ('available', 'retryable')"
_NOTIFIED = "linewise_jobs_notified"
MAX_ERROR_CHARS = 4000


@dataclass(frozen=True)
class Backoff:
    """Delay before retry n (1-based): base * 2^(n-1), capped, times 1 ± jitter."""

    base_s: float = 5.0
    cap_s: float = 3600.0
    jitter: float = 0.2

    def delay(self, attempt: int) -> timedelta:
        raw = min(self.cap_s, self.base_s * 2 ** max(0, attempt - 1))
        return timedelta(seconds=raw * (1 + random.uniform(-self.jitter, self.jitter)))


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    args: dict[str, Any]
    attempt: int
    max_attempts: int
    request_id: str | None = None  # of the request that enqueued it


def _notify_once(session: Session, queue: str) -> None:
    """Wake the workers when this transaction commits (one notice per transaction)."""
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        return
    marker = (id(session.get_transaction()), queue)
    if session.info.get(_NOTIFIED) == marker:
        return
    session.info[_NOTIFIED] = marker
    conn.execute(text("SELECT pg_notify(:c, :q)"), {"c": CHANNEL, "q": queue})


def enqueue(
    session: Session,
    kind: str,
    args: dict[str, Any] | None = None,
    *,
    idempotency_key: str | None = None,
    run_at: datetime | None = None,
    queue: str = "default",
    max_attempts: int = 3,
) -> int:
    """Add a job in the caller's transaction (it runs only if that commits) and return its
    id. With an ``idempotency_key`` already used, nothing is added and the existing job's
    id is returned: an outbox row and its job commit together, and a retried request does
    not enqueue twice."""
    now = utcnow()
    values = {
        "queue": queue,
        "kind": kind,
        "args": args or {},
        "state": JobState.AVAILABLE.value,
        "attempt": 0,
        "max_attempts": max_attempts,
        "run_at": run_at or now,
        "created_at": now,
        "idempotency_key": idempotency_key,
        "request_id": request_context.current(),
    }
    conn = session.connection()
    if idempotency_key is None:
        new_id = conn.execute(insert(Job).values(**values).returning(Job.id)).scalar_one()
    else:
        dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        stmt = (
            dialect_insert(Job)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(Job.id)
        )
        found = conn.execute(stmt).scalar()
        if found is None:
            return int(
                conn.execute(
                    select(Job.id).where(Job.idempotency_key == idempotency_key)
                ).scalar_one()
            )
        new_id = found
    _notify_once(session, queue)
    return int(new_id)


def enqueue_many(session: Session, kind: str, args_list: Sequence[dict[str, Any]]) -> int:
    """Many jobs of one kind without keys, in one statement (bulk producers, the bench)."""
    now = utcnow()
    rid = request_context.current()
    rows = [
        {
            "queue": "default",
            "kind": kind,
            "args": a,
            "state": JobState.AVAILABLE.value,
            "attempt": 0,
            "max_attempts": 3,
            "run_at": now,
            "created_at": now,
            "request_id": rid,
        }
        for a in args_list
    ]
    if rows:
        session.connection().execute(insert(Job), rows)
        _notify_once(session, "default")
    return len(rows)


def _no_flush_wait(conn: Connection) -> None:
    """On PostgreSQL, commit this transaction without waiting for its WAL flush.

    Safe for claims and heartbeats: if the database crashed and lost one, the job is
    simply ready again (or reaped later), and any later synchronous commit (a job's
    completion) flushes the WAL up to itself, earlier claims included. Halves the
    fsyncs per batch, which is what bounds the jobs/s on PostgreSQL.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL synchronous_commit TO OFF"))


@contextmanager
def pipelined(conn: Connection, enabled: bool = True) -> Iterator[None]:
    """On PostgreSQL, send the INSERTs inside without waiting for each answer (psycopg's
    pipeline mode), so a batch of jobs that each write a row costs a few round trips
    instead of one per row. Every other statement (a read, RETURNING, an UPDATE or DELETE
    whose row count the ORM checks) syncs the pipeline right after it is sent, so it
    behaves as without a pipeline. Errors of queued INSERTs are raised at the next sync,
    at the latest when the block ends. Elsewhere (SQLite) a no-op."""
    raw: Any = conn.connection.driver_connection if enabled else None
    if raw is None or conn.dialect.driver != "psycopg" or not hasattr(raw, "pipeline"):
        yield
        return

    with raw.pipeline() as pipeline:

        def after(_c: Any, _cur: Any, statement: str, *_rest: Any) -> None:
            head = statement.lstrip()[:7].upper()
            if not head.startswith("INSERT") or "RETURNING" in statement.upper():
                pipeline.sync()  # SQLAlchemy reads its result (or row count) next

        event.listen(conn, "after_cursor_execute", after)
        try:
            yield
        finally:
            event.remove(conn, "after_cursor_execute", after)


def claim(conn: Connection, worker: str, limit: int, queues: Sequence[str]) -> list[Claimed]:
    """Take up to ``limit`` ready jobs for ``worker``, oldest run time first."""
    with pipelined(conn):  # BEGIN, SET LOCAL and the claim in one round trip
        return _claim(conn, worker, limit, queues)


def _claim(conn: Connection, worker: str, limit: int, queues: Sequence[str]) -> list[Claimed]:
    _no_flush_wait(conn)
    now = utcnow()
    ready = (
        select(Job.id)
        .where(text(READY_SQL), Job.queue.in_(queues), Job.run_at <= now)
        .order_by(Job.run_at, Job.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    stmt = (
        update(Job)
        .where(Job.id.in_(ready.scalar_subquery()))
        .values(
            state=JobState.RUNNING.value,
            attempt=Job.attempt + 1,
            locked_by=worker,
            heartbeat_at=now,
            started_at=now,
        )
        .returning(Job.id, Job.kind, Job.args, Job.attempt, Job.max_attempts, Job.request_id)
        .execution_options(synchronize_session=False)
    )
    rows = conn.execute(stmt).all()
    return sorted(
        (Claimed(r[0], r[1], r[2] or {}, r[3], r[4], r[5]) for r in rows), key=lambda c: c.id
    )


def _owned(ids: Sequence[int], worker: str) -> Any:
    return and_(Job.id.in_(ids), Job.locked_by == worker, Job.state == JobState.RUNNING.value)


def lock_owned(conn: Connection, ids: Sequence[int], worker: str) -> set[int]:
    """Which of ``ids`` this worker still holds, locked until the transaction ends (so the
    reaper cannot take them back half-way through finishing them)."""
    if not ids:
        return set()
    stmt = select(Job.id).where(_owned(ids, worker)).with_for_update()
    return set(conn.execute(stmt).scalars())


def succeed(conn: Connection, ids: Sequence[int], worker: str) -> int:
    if not ids:
        return 0
    stmt = (
        update(Job)
        .where(_owned(ids, worker))
        .values(
            state=JobState.SUCCEEDED.value, finished_at=utcnow(), locked_by=None, heartbeat_at=None
        )
        .execution_options(synchronize_session=False)
    )
    return int(conn.execute(stmt).rowcount)


def fail(conn: Connection, job: Claimed, worker: str, error: str, backoff: Backoff) -> str:
    """Record a failed attempt: retry later (backoff) or, after the last, the dead list.
    Returns the new state ('' when the job was no longer this worker's)."""
    dead = job.attempt >= job.max_attempts
    state = JobState.DEAD if dead else JobState.RETRYABLE
    now = utcnow()
    values: dict[str, Any] = {
        "state": state.value,
        "locked_by": None,
        "heartbeat_at": None,
        "last_error": error[-MAX_ERROR_CHARS:],
    }
    if dead:
        values["finished_at"] = now
    else:
        values["run_at"] = now + backoff.delay(job.attempt)
    stmt = (
        update(Job)
        .where(_owned([job.id], worker))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return state.value if conn.execute(stmt).rowcount else ""


def heartbeat(conn: Connection, worker: str) -> int:
    _no_flush_wait(conn)
    stmt = (
        update(Job)
        .where(Job.locked_by == worker, Job.state == JobState.RUNNING.value)
        .values(heartbeat_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(conn.execute(stmt).rowcount)


def reap(conn: Connection, stale_after: timedelta) -> int:
    """Give back the jobs of workers whose heartbeat stopped (killed, hung, unplugged):
    available again at once, or dead if that was their last attempt."""
    now = utcnow()
    stmt = (
        update(Job)
        .where(Job.state == JobState.RUNNING.value, Job.heartbeat_at < now - stale_after)
        .values(
            state=case(
                (Job.attempt >= Job.max_attempts, JobState.DEAD.value),
                else_=JobState.AVAILABLE.value,
            ),
            finished_at=case((Job.attempt >= Job.max_attempts, now), else_=None),
            last_error=func.coalesce(Job.locked_by, "") + " stopped heartbeating",
            locked_by=None,
            heartbeat_at=None,
            run_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return int(conn.execute(stmt).rowcount)


def replay(session: Session, job_id: int) -> bool:
    """Put a dead job back in the queue with fresh attempts; False if it is not dead."""
    stmt = (
        update(Job)
        .where(Job.id == job_id, Job.state == JobState.DEAD.value)
        .values(state=JobState.AVAILABLE.value, attempt=0, run_at=utcnow(), finished_at=None)
        .execution_options(synchronize_session=False)
    )
    conn = session.connection()
    done = bool(conn.execute(stmt).rowcount)
    if done:
        queue = conn.execute(select(Job.queue).where(Job.id == job_id)).scalar_one()
        _notify_once(session, queue)
    return done


PRUNE_KIND = "jobs.prune"


def prune(conn: Connection, finished_before: datetime) -> int:
    """Delete the succeeded jobs finished before that instant (dead ones stay until
    replayed or looked at: they are the dead-letter list)."""
    stmt = delete(Job).where(
        Job.state == JobState.SUCCEEDED.value, Job.finished_at < finished_before
    )
    return int(conn.execute(stmt).rowcount)
