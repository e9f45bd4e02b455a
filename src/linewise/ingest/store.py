"""Write decoded events in one transaction: raw rows, projections, quarantine.

Idempotent: a (machine, event id) pair that is already stored is counted as a duplicate
and changes nothing. What is derived from the events (state intervals, order progress,
KPI rollup marks, ...) is kept by the projections registered with the recorder (see
projections.py), which see only the newly stored events.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection, Table, insert, select
from sqlalchemy.dialects import postgresql

from linewise.core.time import utcnow
from linewise.domains.equipment.models import Line, Machine
from linewise.ingest.events import CountIn, Event, InspectionIn, Reject, StateIn, TelemetryIn
from linewise.ingest.models import (
    CountEvent,
    InspectionEvent,
    QuarantinedEvent,
    StateEvent,
    TelemetrySample,
)
from linewise.ingest.projections import (
    InspectionProjection,
    Projection,
    StoredBatch,
    StoredCount,
    StoredInspection,
    StoredSample,
    StoredState,
)


@dataclass(frozen=True)
class MachineRef:
    id: int
    code: str
    line_id: int
    area_id: int
    last_on_line: bool  # the line's output station: its good count is the line's output


@dataclass
class WriteResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[Reject] = field(default_factory=list)
    state_machines: set[int] = field(default_factory=set)
    count_machines: set[int] = field(default_factory=set)
    operations: set[int] = field(default_factory=set)
    events: list[Any] = field(default_factory=list)  # domain events, after commit

    def merge(self, other: WriteResult) -> None:
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.rejected += other.rejected
        self.state_machines |= other.state_machines
        self.count_machines |= other.count_machines
        self.operations |= other.operations
        self.events += other.events


class OrderLookup(Protocol):
    """Resolves the order stage and product a count names; the production domain
    registers one when the application is assembled."""

    def operation(
        self, conn: Connection, order: str, seq: int | None, line_id: int
    ) -> tuple[int, int] | None:
        """(operation id, product id) of an order's step; without a step, the one on
        this line."""
        ...

    def product(self, conn: Connection, code: str) -> int | None: ...


class References:
    """Caches of machine codes (reloaded on a miss), and the order lookup.

    Machines are created rarely and read on every event, so a miss (a new machine)
    costs one query and everything else is a dict lookup. Without an order lookup,
    counts that name an order or a product are refused as unknown.
    """

    def __init__(self, orders: OrderLookup | None = None) -> None:
        self._lock = threading.Lock()
        self.machines: dict[str, MachineRef] = {}
        self.orders = orders

    def machine(self, conn: Connection, code: str) -> MachineRef | None:
        ref = self.machines.get(code)
        if ref is None:
            rows = conn.execute(
                select(Machine.id, Machine.code, Machine.line_id, Machine.position, Line.area_id)
                .join(Line)
                .order_by(Machine.line_id, Machine.position, Machine.id)
            ).all()
            last = {r.line_id: r.id for r in rows}  # ordered: the last one per line wins
            with self._lock:
                self.machines = {
                    r.code: MachineRef(r.id, r.code, r.line_id, r.area_id, last[r.line_id] == r.id)
                    for r in rows
                }
            ref = self.machines.get(code)
        return ref

    def product(self, conn: Connection, code: str) -> int | None:
        return None if self.orders is None else self.orders.product(conn, code)

    def operation(
        self, conn: Connection, order: str, seq: int | None, line_id: int
    ) -> tuple[int, int] | None:
        if self.orders is None:
            return None
        return self.orders.operation(conn, order, seq, line_id)


_SQLITE_TS = "%Y-%m-%d %H:%M:%S.%f"  # what SQLAlchemy's SQLite DATETIME stores


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime(_SQLITE_TS)
    if isinstance(value, dict):
        return json.dumps(value)
    return value


def _insert_sqlite(
    conn: Connection, table: Table, rows: list[dict[str, Any]]
) -> set[tuple[int, str]]:
    """The bare driver's executemany: the one writer holds the database lock, so rows
    with an id above the previous maximum are exactly the ones this call inserted."""
    columns = list(rows[0])
    before = conn.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {table.name}").scalar()
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES "
        f"({', '.join('?' for _ in columns)}) ON CONFLICT (machine_id, event_id) DO NOTHING"
    )
    values = [tuple(_sqlite_value(r[c]) for c in columns) for r in rows]
    cursor = conn.exec_driver_sql(sql, values)
    if cursor.rowcount == len(rows):
        return {(r["machine_id"], r["event_id"]) for r in rows}
    inserted = conn.exec_driver_sql(
        f"SELECT machine_id, event_id FROM {table.name} WHERE id > ?", (before,)
    ).all()
    return {(r[0], r[1]) for r in inserted}


def _insert(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> set[tuple[int, str]]:
    """INSERT ... ON CONFLICT DO NOTHING; returns the (machine, event id) pairs inserted."""
    if not rows:
        return set()
    # Concurrent writers (several processes) must take row locks in one global order,
    # or two of them inserting the same redelivered events could deadlock. Time before
    # the event id: a machine's events are then stored in the order they happened (by id
    # alone, "...-10" went in before "...-3" of the same batch), and the order is still
    # one and the same for every writer of the same events.
    rows = sorted(rows, key=lambda r: (r["machine_id"], r["ts"], r["event_id"]))
    if conn.dialect.name == "sqlite":
        return _insert_sqlite(conn, table, rows)
    stmt = (
        postgresql.insert(table)
        .on_conflict_do_nothing(index_elements=["machine_id", "event_id"])
        .returning(table.c.machine_id, table.c.event_id)
    )
    result = conn.execute(stmt, rows)
    return {(r[0], r[1]) for r in result.all()}


def _stored(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Insert ``rows`` and return the ones this call stored, each event once.

    The same event can come twice in one submission (a gateway that resends inside one
    message); only its first copy is offered to the database, so that projections see
    each stored event exactly once.
    """
    unique: dict[tuple[int, str], dict[str, Any]] = {}
    for row in rows:
        unique.setdefault((row["machine_id"], row["event_id"]), row)
    inserted = _insert(conn, table, list(unique.values()))
    return [row for key, row in unique.items() if key in inserted]


def write_events(
    conn: Connection,
    refs: References,
    events: list[Event],
    rejects: list[Reject],
    source: str,
    *,
    projections: Sequence[Projection],
    delivery: str | None = None,
) -> WriteResult:
    """Store one batch inside the caller's transaction, then run the projections.

    ``delivery`` (see ``delivery_digest``) identifies the message the batch came in: a
    message that comes again adds no second set of quarantine rows.

    Only events stored for the first time reach the projections: a resend, or a second
    copy inside the same batch, is answered as a duplicate and changes nothing.
    """
    result = WriteResult(rejected=list(rejects))
    states: list[dict[str, Any]] = []
    counts: list[dict[str, Any]] = []
    samples: list[dict[str, Any]] = []
    inspections: list[dict[str, Any]] = []
    machines: dict[int, MachineRef] = {}
    checkers = [p for p in projections if isinstance(p, InspectionProjection)]
    for ev in events:
        machine = refs.machine(conn, ev.machine)
        if machine is None:
            result.rejected.append(
                Reject(
                    ev.model_dump_json(), f"machine: no machine '{ev.machine}'", "machine", ev.id
                )
            )
            continue
        machines[machine.id] = machine
        base = {"machine_id": machine.id, "event_id": ev.id, "ts": ev.ts}
        if isinstance(ev, StateIn):
            states.append({**base, "state": ev.state, "reason": ev.reason, "fault": ev.fault})
        elif isinstance(ev, CountIn):
            operation_id = product_id = None
            if ev.order is not None:
                found = refs.operation(conn, ev.order, ev.operation, machine.line_id)
                if found is None:
                    step = f" step {ev.operation}" if ev.operation else ""
                    result.rejected.append(
                        Reject(
                            ev.model_dump_json(),
                            f"order: no production order '{ev.order}'{step}",
                            "order",
                            ev.id,
                        )
                    )
                    continue
                operation_id, product_id = found
            if ev.product is not None:
                product_id = refs.product(conn, ev.product)
                if product_id is None:
                    result.rejected.append(
                        Reject(
                            ev.model_dump_json(),
                            f"product: no product '{ev.product}'",
                            "product",
                            ev.id,
                        )
                    )
                    continue
            counts.append(
                {
                    **base,
                    "good": ev.good,
                    "reject": ev.reject,
                    "rework": ev.rework,
                    "operation_id": operation_id,
                    "product_id": product_id,
                }
            )
        elif isinstance(ev, TelemetryIn):
            samples.append({**base, "signals": dict(ev.signals), "units": ev.units})
        elif isinstance(ev, InspectionIn):
            payload = ev.model_dump(mode="json")
            payload["machine_id"], payload["line_id"] = machine.id, machine.line_id
            refused = (
                "type: inspection results are not taken here (no quality module)"
                if not checkers
                else next((r for c in checkers if (r := c.check_inspection(conn, payload))), None)
            )
            if refused is not None:
                result.rejected.append(
                    Reject(ev.model_dump_json(), refused, refused.split(":", 1)[0][:60], ev.id)
                )
                continue
            inspections.append({**base, "payload": payload})
    batch = StoredBatch(received_at=utcnow())
    batch.states = [
        StoredState(r["machine_id"], r["event_id"], r["ts"], r["state"], r["reason"], r["fault"])
        for r in _stored(conn, StateEvent.__table__, states)
    ]
    batch.counts = [
        StoredCount(
            machine_id=r["machine_id"],
            line_id=machines[r["machine_id"]].line_id,
            last_on_line=machines[r["machine_id"]].last_on_line,
            event_id=r["event_id"],
            ts=r["ts"],
            good=r["good"],
            reject=r["reject"],
            rework=r["rework"],
            operation_id=r["operation_id"],
            product_id=r["product_id"],
        )
        for r in _stored(conn, CountEvent.__table__, counts)
    ]
    batch.samples = [
        StoredSample(r["machine_id"], r["event_id"], r["ts"], r["signals"])
        for r in _stored(conn, TelemetrySample.__table__, samples)
    ]
    batch.inspections = [
        StoredInspection(
            r["machine_id"],
            machines[r["machine_id"]].line_id,
            r["event_id"],
            r["ts"],
            r["payload"],
        )
        for r in _stored(conn, InspectionEvent.__table__, inspections)
    ]
    result.accepted = (
        len(batch.states) + len(batch.counts) + len(batch.samples) + len(batch.inspections)
    )
    result.duplicates = (
        len(states) + len(counts) + len(samples) + len(inspections) - result.accepted
    )
    for projection in projections:
        projection.apply(conn, batch)
    result.state_machines = {s.machine_id for s in batch.states}
    result.count_machines = {c.machine_id for c in batch.counts}
    result.operations = set(batch.operations)
    result.events = list(batch.events)
    if result.rejected:
        _quarantine(conn, result.rejected, source, batch.received_at, delivery)
    return result


# A message whose commit was not acknowledged (a dropped connection, a crash between
# commit and PUBACK, a failure after the commit that the consumer retries) comes again,
# and an HTTP client may resend a batch after a timeout. Stored events are deduplicated by
# their ids; refused events have no trustworthy id, so their rows carry the digest of the
# delivery (source and the message's bytes) and their place in it. A message seen again
# within the window adds no rows; identical garbage a device keeps sending in new messages
# (another timestamp, other bytes) still adds its rows, so the quarantine alert sees it.
QUARANTINE_DEDUP_WINDOW = timedelta(hours=24)


def delivery_digest(source: str, body: bytes) -> str:
    """What identifies one message: the same bytes from the same source."""
    digest = hashlib.sha256(source.encode("utf-8", "backslashreplace"))
    digest.update(b"\x00")
    digest.update(body)
    return digest.hexdigest()


def _quarantine(
    conn: Connection,
    rejected: Sequence[Reject],
    source: str,
    received_at: datetime,
    delivery: str | None,
) -> None:
    """Keep refused events, each once even when its message arrives again."""
    digests: list[str | None] = [
        None if delivery is None else hashlib.sha256(f"{delivery}:{n}".encode()).hexdigest()
        for n in range(len(rejected))
    ]
    known: set[str | None] = set()
    if delivery is not None:
        # The first row tells whether this delivery was kept before: all its rows are
        # written in one transaction.
        known.update(
            conn.execute(
                select(QuarantinedEvent.digest).where(
                    QuarantinedEvent.digest == digests[0],
                    QuarantinedEvent.received_at > received_at - QUARANTINE_DEDUP_WINDOW,
                )
            ).scalars()
        )
    if digests[0] is not None and digests[0] in known:
        return
    conn.execute(
        insert(QuarantinedEvent),
        [
            {
                "received_at": received_at,
                "source": source[:200],
                "payload": r.payload,
                "reason": r.reason,
                "field": r.field,
                "digest": digest,
            }
            for r, digest in zip(rejected, digests, strict=True)
        ],
    )
