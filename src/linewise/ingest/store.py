"""Write decoded events in one transaction: raw rows, projections, quarantine.

Idempotent: a (machine, event id) pair that is already stored is counted as a duplicate
and changes nothing. State intervals of a machine are rebuilt from its raw state events
starting at the interval that contains the earliest new event, so events that arrive out
of order still give the right intervals. The KPI day rollups of every machine touched are
marked stale from the earliest instant that changed (see performance/rollups.py).
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql

from linewise.core.time import utcnow
from linewise.domains.equipment.models import Line, Machine
from linewise.domains.performance.marks import mark_rollups_stale
from linewise.domains.production.models import (
    OperationStatus,
    OrderOperation,
    Product,
    ProductionOrder,
)
from linewise.ingest.events import CountIn, Event, Reject, StateIn, TelemetryIn
from linewise.ingest.models import (
    CountEvent,
    QuarantinedEvent,
    StateEvent,
    StateInterval,
    TelemetrySample,
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

    def merge(self, other: WriteResult) -> None:
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.rejected += other.rejected
        self.state_machines |= other.state_machines
        self.count_machines |= other.count_machines
        self.operations |= other.operations


class References:
    """Caches of machine codes, products and order operations; reloaded on a miss.

    Machines and orders are created rarely and read on every event, so a miss (a new
    machine or order) costs one query and everything else is a dict lookup.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.machines: dict[str, MachineRef] = {}
        self.products: dict[str, int] = {}
        self.operations: dict[tuple[str, int], tuple[int, int]] = {}  # -> (op id, product id)

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
        if code not in self.products:
            pid = conn.scalar(select(Product.id).where(Product.code == code))
            if pid is None:
                return None
            self.products[code] = pid
        return self.products[code]

    def operation(
        self, conn: Connection, order: str, seq: int | None, line_id: int
    ) -> tuple[int, int] | None:
        """(operation id, product id) of an order's step; without a step, the one on this line."""
        key = (order, seq or 0)
        if key in self.operations:
            return self.operations[key]
        stmt = (
            select(OrderOperation.id, ProductionOrder.product_id, OrderOperation.seq)
            .join(ProductionOrder)
            .where(ProductionOrder.number == order)
        )
        if seq is not None:
            stmt = stmt.where(OrderOperation.seq == seq)
        else:
            # Which stage runs on this line: the running one first, then the first open one.
            running = OrderOperation.status == OperationStatus.IN_PROGRESS
            stmt = stmt.where(OrderOperation.line_id == line_id).order_by(
                running.desc(), OrderOperation.seq
            )
        row = conn.execute(stmt.limit(1)).first()
        if row is None:
            return None
        found = (int(row.id), int(row.product_id))
        if seq is not None:  # the line-based guess can change as the order moves on
            self.operations[key] = found
        return found


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
    # or two of them inserting the same redelivered events could deadlock.
    rows = sorted(rows, key=lambda r: (r["machine_id"], r["event_id"]))
    if conn.dialect.name == "sqlite":
        return _insert_sqlite(conn, table, rows)
    stmt = (
        postgresql.insert(table)
        .on_conflict_do_nothing(index_elements=["machine_id", "event_id"])
        .returning(table.c.machine_id, table.c.event_id)
    )
    result = conn.execute(stmt, rows)
    return {(r[0], r[1]) for r in result.all()}


def _same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return a[1:] == b[1:]


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


def write_events(
    conn: Connection, refs: References, events: list[Event], rejects: list[Reject], source: str
) -> WriteResult:
    """Store one batch inside the caller's transaction."""
    result = WriteResult(rejected=list(rejects))
    states: list[dict[str, Any]] = []
    counts: list[dict[str, Any]] = []
    samples: list[dict[str, Any]] = []
    for ev in events:
        machine = refs.machine(conn, ev.machine)
        if machine is None:
            result.rejected.append(
                Reject(
                    ev.model_dump_json(), f"machine: no machine '{ev.machine}'", "machine", ev.id
                )
            )
            continue
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
                    "_last": machine.last_on_line,
                }
            )
        elif isinstance(ev, TelemetryIn):
            samples.append({**base, "signals": dict(ev.signals), "units": ev.units})
    inserted_states = _insert(conn, StateEvent.__table__, states)
    last_station = {(c["machine_id"], c["event_id"]) for c in counts if c.pop("_last")}
    inserted_counts = _insert(conn, CountEvent.__table__, counts)
    inserted_samples = _insert(conn, TelemetrySample.__table__, samples)
    result.accepted = len(inserted_states) + len(inserted_counts) + len(inserted_samples)
    result.duplicates = len(states) + len(counts) + len(samples) - result.accepted

    earliest: dict[int, datetime] = {}
    for row in states:
        if (row["machine_id"], row["event_id"]) in inserted_states:
            m = row["machine_id"]
            earliest[m] = min(earliest.get(m, row["ts"]), row["ts"])
    lock_machines(conn, earliest)
    touched: dict[int, datetime] = {}  # machine -> earliest instant whose KPIs changed
    for machine_id, since in sorted(earliest.items()):
        touched[machine_id] = rebuild_intervals(conn, machine_id, since)
    result.state_machines = set(earliest)

    deltas: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in counts:
        if (row["machine_id"], row["event_id"]) not in inserted_counts:
            continue
        result.count_machines.add(row["machine_id"])
        m = row["machine_id"]
        touched[m] = min(touched.get(m, row["ts"]), row["ts"])
        if row["operation_id"] is not None and (row["machine_id"], row["event_id"]) in last_station:
            d = deltas[row["operation_id"]]
            d[0] += row["good"]
            d[1] += row["reject"]
            d[2] += row["rework"]
    mark_rollups_stale(conn, touched)
    if deltas:
        # Progress counts come from the line's last station only, so that an order's
        # good quantity is what left the line, not the sum over its stations.
        ops = cast(Table, OrderOperation.__table__)
        conn.execute(
            update(ops)
            .where(ops.c.id == bindparam("op_id"))
            .values(
                good_qty=ops.c.good_qty + bindparam("g"),
                scrap_qty=ops.c.scrap_qty + bindparam("r"),
                rework_qty=ops.c.rework_qty + bindparam("w"),
            ),
            [{"op_id": k, "g": v[0], "r": v[1], "w": v[2]} for k, v in sorted(deltas.items())],
        )
        result.operations = set(deltas)
    if result.rejected:
        now = utcnow()
        conn.execute(
            insert(QuarantinedEvent),
            [
                {
                    "received_at": now,
                    "source": source[:200],
                    "payload": r.payload,
                    "reason": r.reason,
                    "field": r.field,
                }
                for r in result.rejected
            ],
        )
    return result
