"""The single batched writer between every ingest adapter and the database.

Adapters submit decoded batches and wait for the returned future: it resolves only after
the batch is committed, so an adapter acknowledges (HTTP 2xx, MQTT PUBACK) exactly what
is durable. The writer drains whatever is queued into one transaction, which is what
makes ingest fast. The queue is bounded by events: when the database falls behind,
``submit`` raises :class:`Overloaded` and adapters push back instead of growing memory.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from linewise.core.bus import Bus, MachineChanges
from linewise.ingest.events import Event, Reject
from linewise.ingest.projections import Projection
from linewise.ingest.store import OrderLookup, References, WriteResult, write_events

log = logging.getLogger("linewise.recorder")
NOTIFY_CHANNEL = "linewise_live"
RETRIES = 5


def _transient(exc: DBAPIError) -> bool:
    text_ = str(exc.orig).lower()
    return any(
        k in text_
        for k in ("deadlock", "could not serialize", "database is locked", "lock timeout")
    )


class Overloaded(Exception):
    """The writer is behind; the caller should retry after ``retry_after`` seconds."""

    def __init__(self, pending: int, retry_after: int = 1) -> None:
        super().__init__(f"ingest queue full ({pending} events pending)")
        self.pending = pending
        self.retry_after = retry_after


@dataclass
class _Job:
    events: list[Event]
    rejects: list[Reject]
    source: str
    delivery: str | None = None
    future: Future[WriteResult] = field(default_factory=Future)

    @property
    def size(self) -> int:
        return len(self.events) + len(self.rejects)


@dataclass
class RecorderStats:
    batches: int = 0
    transactions: int = 0
    events: int = 0
    rejected: int = 0  # events refused into quarantine
    last_commit_ms: float = 0.0


class Recorder:
    def __init__(
        self,
        engine: Engine,
        bus: Bus,
        *,
        projections: Sequence[Projection] = (),
        orders: OrderLookup | None = None,
        max_pending_events: int = 200_000,
        max_transaction_events: int = 20_000,
    ) -> None:
        """``projections`` run in this order in every write transaction, and ``orders``
        resolves the order stages counts name; the application registers both at
        assembly (see ``linewise.server.projections``). Without projections, the recorder
        stores raw events only."""
        self.engine = engine
        self.bus = bus
        self.projections: list[Projection] = list(projections)
        self.refs = References(orders)
        self.max_pending = max_pending_events
        self.max_transaction = max_transaction_events
        self.origin = uuid.uuid4().hex[:12]  # tells our own NOTIFYs from other processes'
        self.stats = RecorderStats()
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._pending = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="linewise-recorder", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Write what is queued, then stop."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
            self._thread = None

    def register(self, projection: Projection) -> None:
        """Add a projection after the registered ones (before the writer starts)."""
        self.projections.append(projection)

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def pending(self) -> int:
        return self._pending

    # --- submitting --------------------------------------------------------------------

    def submit(
        self,
        events: list[Event],
        rejects: list[Reject],
        source: str,
        delivery: str | None = None,
    ) -> Future[WriteResult]:
        job = _Job(events, rejects, source, delivery)
        # Running from the start: a caller that gives up (a client disconnecting cancels
        # its handler, and with it the awaited future) cannot cancel a write that will
        # happen anyway; a cancelled future would make set_result fail in the writer.
        job.future.set_running_or_notify_cancel()
        with self._lock:
            if self._pending and self._pending + job.size > self.max_pending:
                raise Overloaded(self._pending)
            self._pending += job.size
        self._queue.put(job)
        return job.future

    # --- the writer thread -------------------------------------------------------------

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                break
            jobs = [first]
            size = first.size
            while size < self.max_transaction:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stopping = True
                    break
                jobs.append(nxt)
                size += nxt.size
            self._write(jobs)
        # Drain anything submitted before the stop marker.
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                self._write([job])

    def _transaction_with_retry(self, jobs: list[_Job]) -> list[WriteResult]:
        """Deadlocks and lock time-outs between processes are transient: try again."""
        for attempt in range(RETRIES):
            try:
                return self._transaction(jobs)
            except DBAPIError as exc:
                if not _transient(exc) or attempt == RETRIES - 1:
                    raise
                log.info("ingest transaction retried after %s", exc.orig.__class__.__name__)
                time.sleep(0.02 * (attempt + 1))
        raise AssertionError("unreachable")

    def _write(self, jobs: list[_Job]) -> None:
        started = time.perf_counter()
        try:
            results = self._transaction_with_retry(jobs)
        except Exception as exc:
            if len(jobs) > 1:
                # Find the one job that fails; the others still get written.
                for job in jobs:
                    self._write([job])
                return
            log.exception("ingest batch from %s failed", jobs[0].source)
            self._done(jobs[0], exc)
            return
        self.stats.transactions += 1
        self.stats.last_commit_ms = (time.perf_counter() - started) * 1000
        merged = WriteResult()
        for job, result in zip(jobs, results, strict=True):
            merged.merge(result)
            self._done(job, result)
        changes = MachineChanges(
            frozenset(merged.state_machines),
            frozenset(merged.count_machines),
            frozenset(merged.operations),
            self.origin,
        )
        if changes:
            self.bus.publish(changes)
        for event in merged.events:  # what projections raised (quality: SPC violations)
            self.bus.publish(event)

    def _transaction(self, jobs: list[_Job]) -> list[WriteResult]:
        with self.engine.begin() as conn:
            results = [
                write_events(
                    conn,
                    self.refs,
                    job.events,
                    job.rejects,
                    job.source,
                    projections=self.projections,
                    delivery=job.delivery,
                )
                for job in jobs
            ]
            if conn.dialect.name == "postgresql":
                from linewise.ingest.notify import notify_payload

                payload = notify_payload(results, self.origin)
                if payload:
                    conn.execute(
                        text("SELECT pg_notify(:c, :p)"), {"c": NOTIFY_CHANNEL, "p": payload}
                    )
        return results

    def _done(self, job: _Job, outcome: WriteResult | Exception) -> None:
        with self._lock:
            self._pending -= job.size
        self.stats.batches += 1
        if isinstance(outcome, Exception):
            job.future.set_exception(outcome)
        else:
            self.stats.events += outcome.accepted
            self.stats.rejected += len(outcome.rejected)
            job.future.set_result(outcome)
