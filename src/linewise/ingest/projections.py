"""Ingest projections: what is derived from machine events, in the recorder's transaction.

The recorder stores raw events idempotently and hands each projection the events that
were *newly* stored (a resend, or the same event twice in one message, is not in the
batch), so a projection moves its facts exactly once per event. Projections run in the
order they are registered, inside the transaction that stores the events: a reader
never sees the events without what is derived from them.

Ingest owns only the state intervals (its own table). The domains register theirs when
the application is assembled (order progress from production, KPI rollup marks from
performance; later backflush, usage counters, inspections), so ingest imports no domain
code for them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import Connection, bindparam, delete, func, insert, select

from linewise.ingest.models import StateEvent, StateInterval


@dataclass(frozen=True, slots=True)
class StoredState:
    machine_id: int
    event_id: str
    ts: datetime
    state: str
    reason: str | None
    fault: str | None


@dataclass(frozen=True, slots=True)
class StoredCount:
    machine_id: int
    line_id: int
    last_on_line: bool  # the line's output station: its good count is the line's output
    event_id: str
    ts: datetime
    good: int
    reject: int
    rework: int
    operation_id: int | None
    product_id: int | None


@dataclass(frozen=True, slots=True)
class StoredSample:
    machine_id: int
    event_id: str
    ts: datetime
    signals: dict[str, Any]  # name -> value, as received (the anomaly watch reads them)


@dataclass(frozen=True, slots=True)
class StoredInspection:
    machine_id: int
    line_id: int
    event_id: str
    ts: datetime
    payload: dict[str, Any]  # the event as decoded (InspectionIn.model_dump)


@dataclass
class StoredBatch:
    """The events one write stored for the first time, plus what projections report.

    ``changed_from`` holds, per machine, the earliest instant from which derived time
    data (intervals) changed; a projection that rewrites history lowers it with
    :meth:`changed`, and later projections (the KPI marks) read it. ``operations``
    collects the order operations whose progress moved, for the live floor.
    """

    received_at: datetime
    states: list[StoredState] = field(default_factory=list)
    counts: list[StoredCount] = field(default_factory=list)
    samples: list[StoredSample] = field(default_factory=list)
    inspections: list[StoredInspection] = field(default_factory=list)
    changed_from: dict[int, datetime] = field(default_factory=dict)
    operations: set[int] = field(default_factory=set)
    # Domain events a projection raised (e.g. an SPC violation), published on the bus by
    # the recorder after its transaction commits.
    events: list[Any] = field(default_factory=list)

    def changed(self, machine_id: int, since: datetime) -> None:
        known = self.changed_from.get(machine_id)
        self.changed_from[machine_id] = since if known is None else min(known, since)


class Projection(Protocol):
    """Something kept up to date from newly stored machine events."""

    name: str

    def apply(self, conn: Connection, batch: StoredBatch) -> None:
        """Update derived rows for ``batch`` inside the caller's transaction."""
        ...


@runtime_checkable
class InspectionProjection(Projection, Protocol):
    """A projection that also takes inspection events: it checks each one's references
    (product, step, characteristics) before it is stored, so a bad one goes to
    quarantine like any other event."""

    def check_inspection(self, conn: Connection, payload: dict[str, Any]) -> str | None:
        """None when the inspection can be projected, else the reason ("field: why")."""
        ...


_LOCK_NAMESPACE = 0x4C57  # "LW": advisory locks of the interval projection


def lock_machines(conn: Connection, machine_ids: Iterable[int]) -> None:
    """Serialise interval rebuilds of the same machine across processes (PostgreSQL).

    Locks are taken in ascending machine order, so two writers never wait on each other
    in a cycle; SQLite has one writer at a time anyway.
    """
    if conn.dialect.name != "postgresql":
        return
    for machine_id in sorted(machine_ids):
        conn.execute(select(func.pg_advisory_xact_lock(_LOCK_NAMESPACE, machine_id)))


# Built once: the rebuild runs per machine and batch, and building the expressions
# each time cost more than running them.
_CONTAINING = select(func.max(StateInterval.start)).where(
    StateInterval.machine_id == bindparam("m"), StateInterval.start <= bindparam("t")
)
_DELETE_FROM = delete(StateInterval).where(
    StateInterval.machine_id == bindparam("m"), StateInterval.start >= bindparam("t")
)
_EVENTS_FROM = (
    select(StateEvent.ts, StateEvent.state, StateEvent.reason, StateEvent.fault)
    .where(StateEvent.machine_id == bindparam("m"), StateEvent.ts >= bindparam("t"))
    .order_by(StateEvent.ts, StateEvent.id)
)


def _same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return a[1:] == b[1:]


def rebuild_intervals(conn: Connection, machine_id: int, since: datetime) -> datetime:
    """Recompute a machine's intervals from the one containing ``since`` onwards.

    Returns where the rebuild started: nothing before that instant changed.
    """
    start = conn.scalar(_CONTAINING, {"m": machine_id, "t": since}) or since
    conn.execute(_DELETE_FROM, {"m": machine_id, "t": start})
    events = conn.execute(_EVENTS_FROM, {"m": machine_id, "t": start}).all()
    merged: list[tuple[Any, ...]] = []
    for ev in events:
        row = tuple(ev)
        if merged and _same(merged[-1], row):
            continue  # a repeated state is a heartbeat, not a new interval
        merged.append(row)
    if not merged:
        return start
    rows = [
        {
            "machine_id": machine_id,
            "start": ev[0],
            "end": merged[i + 1][0] if i + 1 < len(merged) else None,
            "state": ev[1],
            "reason": ev[2],
            "fault": ev[3],
        }
        for i, ev in enumerate(merged)
    ]
    # Zero-length intervals (two changes in one instant) carry no time: drop them.
    rows = [r for r in rows if r["end"] is None or r["end"] > r["start"]]
    conn.execute(insert(StateInterval), rows)
    return start


class StateIntervals:
    """A machine's state intervals, rebuilt from the earliest new state event on.

    Events that arrive out of order still give the right intervals, because the rebuild
    starts at the interval that contains the earliest new event.
    """

    name = "state-intervals"

    def apply(self, conn: Connection, batch: StoredBatch) -> None:
        earliest: dict[int, datetime] = {}
        for ev in batch.states:
            known = earliest.get(ev.machine_id)
            earliest[ev.machine_id] = ev.ts if known is None else min(known, ev.ts)
        lock_machines(conn, earliest)
        for machine_id, since in sorted(earliest.items()):
            batch.changed(machine_id, rebuild_intervals(conn, machine_id, since))
