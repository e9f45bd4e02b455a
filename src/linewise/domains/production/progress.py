"""The one owner of order progress: stage status, quantities, line, actual start and end.

Machine counts (through the ingest projection below) and terminal actions (through the
service) change these facts with the same rule, :func:`record_work`:

- quantities add up per *stored* event: the recorder hands over only newly stored
  counts, so a count that arrives twice moves progress once; only the line's last
  station adds quantities (the order's good quantity is what left the line);
- work on a pending stage starts it (on hold instead while its order is on hold), so a
  stage never reads "pending" with quantities; a planned or released order whose stage
  starts is in progress;
- a machine at work on an open stage puts the stage on that machine's line, so the
  floor, the order and the scheduler (which freezes running stages on their line) agree;
- timestamps come from the event that caused them, never later: a stage started at its
  earliest work, and completed when someone completes it. A machine clock ahead of the
  server counts as "now" (the event cannot have happened after it arrived).

A stage on hold stays on hold when counts arrive: holding is a person's decision and a
buffered count from before the hold must not undo it. Finished stages (completed or
cancelled) keep their status and line; late counts still add their quantities.

Machine facts do not bump the row version: the version is the terminal's ETag, and a
running line would otherwise make every operator action a stale-version conflict.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime
from typing import cast

from sqlalchemy import Connection, Table, bindparam, or_, select, update
from sqlalchemy.orm import Session

from linewise.domains.production.models import (
    OperationStatus,
    OrderOperation,
    OrderStatus,
    ProductionOrder,
)
from linewise.ingest.projections import StoredBatch

FINISHED = frozenset({OperationStatus.COMPLETED, OperationStatus.CANCELLED})
_STARTABLE_ORDERS = (OrderStatus.PLANNED, OrderStatus.RELEASED)


@dataclass(frozen=True)
class Work:
    """Work done on one stage, as a machine count or a terminal report tells it."""

    at: datetime
    line_id: int | None
    good: int = 0
    scrap: int = 0
    rework: int = 0


@dataclass(frozen=True)
class Progress:
    """The progress facts of one stage (an order operation)."""

    status: str
    line_id: int | None
    good: int
    scrap: int
    rework: int
    started_at: datetime | None
    completed_at: datetime | None


def _earliest(known: datetime | None, at: datetime) -> datetime:
    return at if known is None else min(known, at)


def record_work(stage: Progress, work: Work, order_status: str) -> Progress:
    """``stage`` after ``work``: the rule machine counts and terminal reports share."""
    status, line = stage.status, stage.line_id
    if status == OperationStatus.PENDING:
        on_hold = order_status == OrderStatus.ON_HOLD
        status = OperationStatus.ON_HOLD if on_hold else OperationStatus.IN_PROGRESS
    if status not in FINISHED and work.line_id is not None:
        line = work.line_id
    return replace(
        stage,
        status=status,
        line_id=line,
        good=stage.good + work.good,
        scrap=stage.scrap + work.scrap,
        rework=stage.rework + work.rework,
        started_at=_earliest(stage.started_at, work.at),
    )


def order_status_after(order_status: str, stage_status: str) -> str:
    """A planned or released order whose stage is running is in progress."""
    if stage_status == OperationStatus.IN_PROGRESS and order_status in _STARTABLE_ORDERS:
        return OrderStatus.IN_PROGRESS
    return order_status


# --- terminal actions (ORM, inside the request's unit of work) ---------------------------


def _progress_of(op: OrderOperation) -> Progress:
    return Progress(
        op.status,
        op.line_id,
        op.good_qty,
        op.scrap_qty,
        op.rework_qty,
        op.started_at,
        op.completed_at,
    )


def reread(db: Session, op: OrderOperation) -> None:
    """Read the stage again, locked: machine counts may have moved it since the request
    loaded it, and writing back stale quantities would lose them."""
    if op in db and op.id is not None and not db.is_modified(op):
        db.refresh(op, with_for_update=True)


def report_work(op: OrderOperation, work: Work) -> None:
    """Add a terminal report to ``op`` (read with :func:`reread`) with the same rule as
    a machine count."""
    after = record_work(_progress_of(op), work, op.order.status)
    op.status, op.line_id = after.status, after.line_id
    op.good_qty, op.scrap_qty, op.rework_qty = after.good, after.scrap, after.rework
    op.started_at = after.started_at
    order_status = order_status_after(op.order.status, after.status)
    if order_status != op.order.status:  # no needless UPDATE (and version bump) of the order
        op.order.status = order_status


def mark_started(op: OrderOperation, at: datetime) -> None:
    """A person starts (or resumes) the stage at ``at``; earlier machine work stays its
    start."""
    op.started_at = _earliest(op.started_at, at)


def mark_completed(op: OrderOperation, at: datetime) -> None:
    """A person completes the stage at ``at``; it cannot have started after that."""
    op.completed_at = at
    op.started_at = _earliest(op.started_at, at)


# --- machine counts (Core, inside the recorder's transaction) ----------------------------

_OPS = cast(Table, OrderOperation.__table__)
_ORDERS = cast(Table, ProductionOrder.__table__)
_WRITE_STAGE = (
    update(_OPS)
    .where(_OPS.c.id == bindparam("b_id"))
    .values(
        status=bindparam("b_status"),
        line_id=bindparam("b_line"),
        good_qty=bindparam("b_good"),
        scrap_qty=bindparam("b_scrap"),
        rework_qty=bindparam("b_rework"),
        started_at=bindparam("b_started"),
    )
)
_START_ORDER = (
    update(_ORDERS)
    # Spelled out, not IN (...): an expanding parameter cannot be sent as executemany.
    .where(
        _ORDERS.c.id == bindparam("b_id"),
        or_(*(_ORDERS.c.status == s for s in _STARTABLE_ORDERS)),
    )
    .values(status=OrderStatus.IN_PROGRESS)
)


def work_from_counts(batch: StoredBatch) -> dict[int, list[Work]]:
    """The work each stage got from the batch's newly stored counts, oldest first.

    A count with nothing in it is no sign of work. Any station at work starts the stage
    on its line; only the last station's counts are the stage's quantities.
    """
    work: dict[int, list[Work]] = defaultdict(list)
    for count in batch.counts:
        if count.operation_id is None or count.good + count.reject + count.rework <= 0:
            continue
        made = count.last_on_line
        work[count.operation_id].append(
            Work(
                at=min(count.ts, batch.received_at),
                line_id=count.line_id,
                good=count.good if made else 0,
                scrap=count.reject if made else 0,
                rework=count.rework if made else 0,
            )
        )
    for items in work.values():
        items.sort(key=lambda w: w.at)
    return work


class OrderProgressProjection:
    """Order progress from machine counts, registered with the ingest recorder."""

    name = "order-progress"

    def apply(self, conn: Connection, batch: StoredBatch) -> None:
        work = work_from_counts(batch)
        if not work:
            return
        stmt = (
            select(
                _OPS.c.id,
                _OPS.c.order_id,
                _OPS.c.status,
                _OPS.c.line_id,
                _OPS.c.good_qty,
                _OPS.c.scrap_qty,
                _OPS.c.rework_qty,
                _OPS.c.started_at,
                _OPS.c.completed_at,
                _ORDERS.c.status.label("order_status"),
            )
            .join(_ORDERS, _ORDERS.c.id == _OPS.c.order_id)
            .where(_OPS.c.id.in_(sorted(work)))
            .order_by(_OPS.c.id)  # one lock order for every writer
        )
        if conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update(of=_OPS)
        stages, started_orders = [], set()
        for row in conn.execute(stmt).all():
            before = Progress(
                row.status,
                row.line_id,
                row.good_qty,
                row.scrap_qty,
                row.rework_qty,
                row.started_at,
                row.completed_at,
            )
            after = before
            for item in work[row.id]:
                after = record_work(after, item, row.order_status)
            if after == before:
                continue
            stages.append(
                {
                    "b_id": row.id,
                    "b_status": after.status,
                    "b_line": after.line_id,
                    "b_good": after.good,
                    "b_scrap": after.scrap,
                    "b_rework": after.rework,
                    "b_started": after.started_at,
                }
            )
            if order_status_after(row.order_status, after.status) != row.order_status:
                started_orders.add(row.order_id)
        if stages:
            conn.execute(_WRITE_STAGE, stages)
            batch.operations.update(s["b_id"] for s in stages)
        if started_orders:
            conn.execute(_START_ORDER, [{"b_id": i} for i in sorted(started_orders)])
