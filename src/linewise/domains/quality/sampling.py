"""Which units of an operation an inspection plan asks to be sampled, and which of those
samples are still missing.

The plan's sampling rule is turned into the reported units that need a sample (units
are numbered 1, 2, … in the order the operation reports them: good, scrap and rework
alike, from the terminal or a machine's counts):

- ``every``: every unit;
- ``nth``: units n, 2n, 3n, …;
- ``random``: each unit with probability ``sample_share``, drawn from a hash of the
  plan, the operation and the unit number, so that the same units are due on every
  server and at every read (nothing random is stored, and nothing changes on a retry);
- ``first_piece``: the first unit after the operation's start and after each setup of
  its line (a machine of the line in state ``setup``).

A characteristic's samples are the results that measured it for the operation: results
naming the order, and results naming no order that were recorded on the operation's line
of the same product and step while the operation ran (a test machine does not know the
order). A count result covers its quantity. For ``first_piece`` each setup needs its own
sample, recorded after the setup began; for the others the results are matched to the
due units in order.

A sample is *due* from the moment its unit is reported and *overdue* once the operation
has reported a later unit without it (the line went on past the unit to be checked).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from linewise.core.time import utcnow
from linewise.domains.equipment.models import Machine
from linewise.domains.production.models import OrderOperation, ProductionOrder
from linewise.domains.quality.models import (
    Characteristic,
    Inspection,
    InspectionPlan,
    Measurement,
    Sampling,
)
from linewise.domains.terminal.models import TerminalAction
from linewise.ingest.models import CountEvent, StateInterval

# At most this many pending unit numbers are listed per characteristic (the count is whole).
LISTED_UNITS = 20


def share_draw(plan_id: int, operation_id: int, unit: int) -> float:
    """A uniform number in [0, 1) fixed by the plan, the operation and the unit."""
    digest = hashlib.sha256(f"linewise-sampling:{plan_id}:{operation_id}:{unit}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def due_units(
    sampling: str,
    units: int,
    *,
    every: int | None = None,
    share: float | None = None,
    plan_id: int = 0,
    operation_id: int = 0,
) -> list[int]:
    """The unit numbers among 1…``units`` that need a sample (not ``first_piece``)."""
    if units <= 0:
        return []
    if sampling == Sampling.EVERY:
        return list(range(1, units + 1))
    if sampling == Sampling.NTH:
        n = max(1, every or 1)
        return list(range(n, units + 1, n))
    if sampling == Sampling.RANDOM:
        p = share or 0.0
        return [u for u in range(1, units + 1) if share_draw(plan_id, operation_id, u) < p]
    raise ValueError(f"not a unit-count rule: {sampling}")


@dataclass(frozen=True)
class Epoch:
    """A start of production after which the first piece is to be checked."""

    start: datetime  # the setup's start (or the operation's)
    units_before: int  # units the operation had reported when it began
    units_after: int  # units reported since


def pending_of(
    sampling: str,
    units: int,
    done: int | Sequence[bool],
    *,
    every: int | None = None,
    share: float | None = None,
    plan_id: int = 0,
    operation_id: int = 0,
    epochs: Sequence[Epoch] = (),
    wanted: Sequence[int] | None = None,
) -> tuple[int, list[int]]:
    """(required samples so far, the unit numbers whose sample is missing).

    ``done`` is the number of units sampled (matched in order), or for ``first_piece``
    one flag per epoch (whether a result was recorded after it began)."""
    if sampling == Sampling.FIRST_PIECE:
        flags = [False] * len(epochs) if isinstance(done, int) else list(done)
        due = [(e, f) for e, f in zip(epochs, flags, strict=True) if e.units_after > 0]
        return len(due), [e.units_before + 1 for e, f in due if not f]
    if wanted is None:  # the plan's characteristics share them: the caller may pass them
        wanted = due_units(
            sampling, units, every=every, share=share, plan_id=plan_id, operation_id=operation_id
        )
    count = done if isinstance(done, int) else sum(done)
    return len(wanted), list(wanted[count:])


@dataclass(frozen=True)
class SampleDue:
    operation_id: int
    order_id: int
    order_number: str
    line_id: int | None
    product_id: int
    step_seq: int
    plan_id: int
    plan_name: str
    sampling: str
    characteristic: Characteristic
    units: int  # units the operation has reported
    required: int  # samples the rule asked for so far
    done: int  # samples recorded (for first_piece: setups covered)
    missing: tuple[int, ...]  # unit numbers still without a sample (the first ones)
    pending: int
    overdue: int


def _epochs(db: Session, op: OrderOperation, units: int, now: datetime) -> list[Epoch]:
    """The operation's start and the merged setups of its line since, each with the units
    reported before and after it (from the terminal's reports and the machines' counts,
    the timestamped sources of the operation's quantities)."""
    if op.started_at is None:
        return []
    starts = [op.started_at]
    if op.line_id is not None:
        rows = db.execute(
            select(StateInterval.start, StateInterval.end)
            .join(Machine, Machine.id == StateInterval.machine_id)
            .where(
                Machine.line_id == op.line_id,
                StateInterval.state == "setup",
                StateInterval.start > op.started_at,
            )
            .order_by(StateInterval.start)
        ).all()
        # Machines of a line set up together: overlapping setups are one changeover.
        merged_end: datetime | None = None
        for start, end in rows:
            if merged_end is not None and start <= merged_end:
                merged_end = max(merged_end, end or now)
                continue
            starts.append(start)
            merged_end = end or now
    stamps = _unit_times(db, op.id)
    epochs = []
    for start in starts:
        # Counted from before the epoch: the report being answered is not stored yet.
        before = min(units, sum(q for at, q in stamps if at < start))
        epochs.append(Epoch(start, before, units - before))
    return epochs


def _unit_times(db: Session, operation_id: int) -> list[tuple[datetime, int]]:
    reports = db.execute(
        select(
            TerminalAction.created_at,
            TerminalAction.good + TerminalAction.scrap + TerminalAction.rework,
        ).where(TerminalAction.operation_id == operation_id, TerminalAction.kind == "report")
    ).all()
    counts = db.execute(
        select(CountEvent.ts, CountEvent.good + CountEvent.reject + CountEvent.rework).where(
            CountEvent.operation_id == operation_id
        )
    ).all()
    return [(at, int(q or 0)) for at, q in [*reports, *counts]]


def _results_of(op: OrderOperation, product_id: int) -> ColumnElement[bool]:
    """The results that count as samples of ``op`` (see the module's docstring)."""
    own_order = Inspection.order_id == op.order_id
    if op.line_id is None or op.started_at is None:
        scope = own_order
    else:
        ran = [Inspection.inspected_at >= op.started_at]
        if op.completed_at is not None:
            ran.append(Inspection.inspected_at <= op.completed_at)
        scope = or_(
            own_order, and_(Inspection.order_id.is_(None), Inspection.line_id == op.line_id, *ran)
        )
    return and_(Inspection.product_id == product_id, Inspection.step_seq == op.seq, scope)


def samples_of_operation(
    db: Session, op: OrderOperation, now: datetime | None = None
) -> list[SampleDue]:
    """The sampling state of every active plan's characteristics at ``op``'s step."""
    order = op.order
    plans = db.scalars(
        select(InspectionPlan)
        .where(
            InspectionPlan.product_id == order.product_id,
            InspectionPlan.step_seq == op.seq,
            InspectionPlan.active.is_(True),
        )
        .order_by(InspectionPlan.id)
    ).all()
    if not plans:
        return []
    now = now or utcnow()
    units = op.good_qty + op.scrap_qty + op.rework_qty
    epochs: list[Epoch] | None = None
    scope = _results_of(op, order.product_id)
    out: list[SampleDue] = []
    for plan in plans:
        chars = db.scalars(
            select(Characteristic)
            .where(Characteristic.plan_id == plan.id)
            .order_by(Characteristic.id)
        ).all()
        wanted = (
            None
            if plan.sampling == Sampling.FIRST_PIECE
            else due_units(
                plan.sampling,
                units,
                every=plan.sample_every,
                share=plan.sample_share,
                plan_id=plan.id,
                operation_id=op.id,
            )
        )
        for char in chars:
            base = (
                select(Inspection.inspected_at, Inspection.quantity)
                .join(Measurement, Measurement.inspection_id == Inspection.id)
                .where(Measurement.characteristic_id == char.id, scope)
            )
            if plan.sampling == Sampling.FIRST_PIECE:
                if epochs is None:
                    epochs = _epochs(db, op, units, now)
                times = [r.inspected_at for r in db.execute(base).all()]
                flags = []
                for i, e in enumerate(epochs):
                    until = epochs[i + 1].start if i + 1 < len(epochs) else None
                    flags.append(any(t >= e.start and (until is None or t < until) for t in times))
                required, missing = pending_of(plan.sampling, units, flags, epochs=epochs)
                done = sum(1 for e, f in zip(epochs, flags, strict=True) if f and e.units_after)
            else:
                done = int(
                    db.scalar(select(func.coalesce(func.sum(base.subquery().c.quantity), 0))) or 0
                )
                required, missing = pending_of(
                    plan.sampling,
                    units,
                    done,
                    every=plan.sample_every,
                    share=plan.sample_share,
                    plan_id=plan.id,
                    operation_id=op.id,
                    wanted=wanted,
                )
            out.append(
                SampleDue(
                    operation_id=op.id,
                    order_id=order.id,
                    order_number=order.number,
                    line_id=op.line_id,
                    product_id=order.product_id,
                    step_seq=op.seq,
                    plan_id=plan.id,
                    plan_name=plan.name,
                    sampling=plan.sampling,
                    characteristic=char,
                    units=units,
                    required=required,
                    done=min(done, required),
                    missing=tuple(missing[:LISTED_UNITS]),
                    pending=len(missing),
                    overdue=sum(1 for u in missing if u < units),
                )
            )
    return out


def open_operations(db: Session, line_ids: Sequence[int] | None) -> list[OrderOperation]:
    """Operations running or held (the ones whose samples can be due), on ``line_ids``."""
    stmt = (
        select(OrderOperation)
        .join(ProductionOrder, ProductionOrder.id == OrderOperation.order_id)
        .where(OrderOperation.status.in_(("in_progress", "on_hold")))
        .order_by(OrderOperation.id)
    )
    if line_ids is not None:
        stmt = stmt.where(OrderOperation.line_id.in_(list(line_ids)))
    return list(db.scalars(stmt).all())


def shape(s: SampleDue) -> dict[str, object]:
    c = s.characteristic
    return {
        "operation_id": s.operation_id,
        "order_id": s.order_id,
        "order_number": s.order_number,
        "line_id": s.line_id,
        "product_id": s.product_id,
        "step_seq": s.step_seq,
        "plan_id": s.plan_id,
        "plan_name": s.plan_name,
        "sampling": s.sampling,
        "characteristic_id": c.id,
        "characteristic": c.name,
        "kind": c.kind,
        "nominal": c.nominal,
        "lsl": c.lsl,
        "usl": c.usl,
        "unit": c.unit,
        "units": s.units,
        "required": s.required,
        "done": s.done,
        "pending": s.pending,
        "overdue": s.overdue,
        "missing": list(s.missing),
    }
