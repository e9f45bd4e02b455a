"""Order rules: creation from the routing, status changes, stage and progress."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from linewise.core import events
from linewise.core.errors import Conflict, FieldError, Forbidden, ValidationProblem
from linewise.core.time import utcnow
from linewise.domains.equipment.models import Line
from linewise.domains.inventory import backflush
from linewise.domains.production import progress
from linewise.domains.production.events import (
    LISTED_AT_MOST,
    OperationStatusChanged,
    OrdersChanged,
    QuantitiesReported,
)
from linewise.domains.production.models import (
    OperationStatus,
    OrderOperation,
    OrderStatus,
    Product,
    ProductionOrder,
    RoutingStep,
    RoutingStepLine,
)
from linewise.domains.production.states import (
    TERMINAL,
    check_operation_transition,
    check_order_transition,
)


def operation_progress(op: OrderOperation) -> float:
    if op.status == OperationStatus.COMPLETED:
        return 1.0
    if op.quantity <= 0:
        return 0.0
    return min(1.0, op.good_qty / op.quantity)


def order_progress(order: ProductionOrder) -> float:
    ops = [o for o in order.operations if o.status != OperationStatus.CANCELLED]
    if order.status == OrderStatus.COMPLETED:
        return 1.0
    if not ops:
        return 0.0
    return sum(operation_progress(o) for o in ops) / len(ops)


def current_stage(order: ProductionOrder) -> OrderOperation | None:
    """The stage the order is in: the first running one, else the first not finished."""
    live = [o for o in order.operations if o.status not in (OperationStatus.CANCELLED,)]
    for op in live:
        if op.status in (OperationStatus.IN_PROGRESS, OperationStatus.ON_HOLD):
            return op
    for op in live:
        if op.status != OperationStatus.COMPLETED:
            return op
    return None


def is_late(order: ProductionOrder, now: datetime | None = None) -> bool:
    now = now or utcnow()
    if order.status == OrderStatus.COMPLETED:
        return order.completed_at is not None and order.completed_at > order.due_date
    if order.status == OrderStatus.CANCELLED:
        return False
    return order.due_date < now


def create_order(db: Session, data: dict[str, object]) -> ProductionOrder:
    """A production order with one operation per routing step of its product."""
    product = db.get(Product, data["product_id"])
    if product is None:
        raise ValidationProblem(
            "unknown product",
            errors=[FieldError("product_id", f"product {data['product_id']} does not exist")],
        )
    if not product.steps:
        raise ValidationProblem(
            f"product {product.code} has no routing; define its steps first",
            errors=[FieldError("product_id", "product has no routing")],
        )
    release, due = data.get("release_date"), data["due_date"]
    if isinstance(release, datetime) and isinstance(due, datetime) and due < release:
        raise ValidationProblem(
            "due date is before release date",
            errors=[FieldError("due_date", "must not be before release_date")],
        )
    order = ProductionOrder(**data, status=OrderStatus.PLANNED)
    quantity = int(data["quantity"])  # type: ignore[call-overload]
    order.operations = [
        OrderOperation(
            seq=step.seq,
            step_id=step.id,
            name=step.name,
            work_center_type=step.work_center_type,
            quantity=quantity,
            # With a single eligible line there is nothing to decide.
            line_id=step.eligible[0].line_id if len(step.eligible) == 1 else None,
        )
        for step in product.steps
    ]
    db.add(order)
    return order


def announce(db: Session, change: str, order_ids: list[int]) -> None:
    """Record one ``OrdersChanged`` for these orders (flushed: they have their ids),
    published after the caller's commit; none for an empty list."""
    if not order_ids:
        return
    listed = frozenset(order_ids) if len(order_ids) <= LISTED_AT_MOST else frozenset()
    events.record(db, OrdersChanged(change, listed, len(order_ids)))


def change_quantity(order: ProductionOrder, quantity: int) -> None:
    if order.status in TERMINAL:
        raise Conflict(f"order {order.number} is {order.status}; it cannot change")
    for op in order.operations:
        if op.status == OperationStatus.PENDING:
            op.quantity = quantity
    order.quantity = quantity


def transition_order(order: ProductionOrder, target: OrderStatus) -> None:
    check_order_transition(order.status, target)
    if target == OrderStatus.COMPLETED:
        unfinished = [
            o.seq
            for o in order.operations
            if o.status not in (OperationStatus.COMPLETED, OperationStatus.CANCELLED)
        ]
        if unfinished:
            raise Conflict(
                f"order {order.number} still has unfinished operations {unfinished}",
                errors=[FieldError("to", "complete every operation first")],
            )
        order.completed_at = utcnow()
    if target == OrderStatus.CANCELLED:
        for op in order.operations:
            if op.status not in (OperationStatus.COMPLETED, OperationStatus.CANCELLED):
                op.status = OperationStatus.CANCELLED
    if target == OrderStatus.ON_HOLD:
        for op in order.operations:
            if op.status == OperationStatus.IN_PROGRESS:
                op.status = OperationStatus.ON_HOLD
    order.status = target


def _area_of_line(db: Session, line_id: int | None) -> int | None:
    line = db.get(Line, line_id) if line_id is not None else None
    return line.area_id if line else None


def act_on_operation(
    db: Session,
    order: ProductionOrder,
    op: OrderOperation,
    action: str,
    line_id: int | None,
    may_touch_area: object,
) -> None:
    """start | hold | resume | complete one operation, keeping the order status in step."""
    allowed = may_touch_area if callable(may_touch_area) else (lambda _a: True)
    progress.reread(db, op)  # machine counts may have started it since it was read
    if order.status not in (OrderStatus.RELEASED, OrderStatus.IN_PROGRESS, OrderStatus.ON_HOLD):
        raise Conflict(
            f"order {order.number} is '{order.status}'; release it before working on it",
            errors=[FieldError("action", f"order is {order.status}")],
        )
    if action in ("start", "resume"):
        # A running stage runs somewhere: the floor, the order and the scheduler (which
        # freezes it on its line) must agree where. "resume" of a pending stage starts it.
        if line_id is not None and (action == "start" or op.line_id is None):
            _check_line_for(db, order, op, line_id)
            op.line_id = line_id
        if op.line_id is None:
            raise ValidationProblem(
                "choose the line this operation runs on",
                errors=[FieldError("line_id", "required: the step has several eligible lines")],
            )
    if not allowed(_area_of_line(db, op.line_id)):
        raise Forbidden("this operation runs on a line outside your areas")
    target = {
        "start": OperationStatus.IN_PROGRESS,
        "resume": OperationStatus.IN_PROGRESS,
        "hold": OperationStatus.ON_HOLD,
        "complete": OperationStatus.COMPLETED,
    }[action]
    # Machines start stages too: an operator pressing "start" on a stage the line has
    # already started confirms it (and may name its line) instead of getting a conflict.
    if not (action == "start" and op.status == OperationStatus.IN_PROGRESS):
        check_operation_transition(op.status, target)
    now = utcnow()
    if target == OperationStatus.IN_PROGRESS:
        progress.mark_started(op, now)
        if order.status in (OrderStatus.RELEASED, OrderStatus.ON_HOLD):
            order.status = OrderStatus.IN_PROGRESS
    if target == OperationStatus.COMPLETED:
        progress.mark_completed(op, now)
    op.status = target
    remaining = [
        o
        for o in order.operations
        if o.status not in (OperationStatus.COMPLETED, OperationStatus.CANCELLED)
    ]
    if not remaining:
        order.status = OrderStatus.COMPLETED
        order.completed_at = now
    changed = OperationStatusChanged(
        order.id, op.id, op.line_id, now, _actor(db), action, str(target), str(order.status)
    )
    events.record(db, changed)


def _actor(db: Session) -> str:
    # Set by the request's authentication for the audit log; the same name here.
    return str(db.info.get("actor", ""))


def _check_line_for(db: Session, order: ProductionOrder, op: OrderOperation, line_id: int) -> None:
    product = order.product
    step = next((s for s in product.steps if s.id == op.step_id), None)
    eligible = {e.line_id for e in step.eligible} if step else set()
    if eligible and line_id not in eligible:
        raise ValidationProblem(
            f"line {line_id} cannot run step {op.seq} of {product.code}",
            errors=[FieldError("line_id", f"eligible lines: {sorted(eligible)}")],
        )


def report_quantities(
    db: Session,
    op: OrderOperation,
    good: int,
    scrap: int,
    rework: int,
    at: datetime | None = None,
) -> None:
    """A terminal report: the same progress rule as a machine count (see progress.py)."""
    progress.reread(db, op)
    if op.status != OperationStatus.IN_PROGRESS:
        raise Conflict(
            f"operation {op.seq} is '{op.status}'; start it before reporting quantities",
            errors=[FieldError("good", "operation not in progress")],
        )
    work = progress.Work(at or utcnow(), op.line_id, good, scrap, rework)
    progress.report_work(op, work)
    # Material follows the reported units in the same transaction (a report has no id
    # of its own, so each report is its own cause).
    backflush.backflush(
        db.connection(),
        [
            backflush.Produced(
                op.id, op.line_id, good, scrap, work.at, "report", uuid.uuid4().hex, _actor(db)
            )
        ],
    )
    reported = QuantitiesReported(
        op.order_id, op.id, op.line_id, work.at, _actor(db), good, scrap, rework
    )
    events.record(db, reported)


def apply_routing(
    db: Session, product: Product, steps: list[tuple[dict[str, object], list[tuple[Line, float]]]]
) -> None:
    """Make ``product``'s routing equal ``steps``, updating steps in place by ``seq``.

    Editing in place (not delete + insert) keeps the link from existing order operations
    to their routing step, which eligibility checks and the scheduler rely on.
    """
    current = {s.seq: s for s in product.steps}
    wanted = {int(str(attrs["seq"])): (attrs, eligible) for attrs, eligible in steps}
    for seq, step in current.items():
        if seq not in wanted:
            product.steps.remove(step)
    for seq, (attrs, eligible) in sorted(wanted.items()):
        existing = current.get(seq)
        if existing is None:
            step = RoutingStep(**attrs)
            product.steps.append(step)
        else:
            step = existing
            for key, value in attrs.items():
                setattr(step, key, value)
        cycles = {line.id: (line, cycle) for line, cycle in eligible}
        for link in list(step.eligible):
            if link.line_id not in cycles:
                step.eligible.remove(link)
            else:
                link.cycle_time_s = cycles.pop(link.line_id)[1]
        for line, cycle in cycles.values():
            step.eligible.append(RoutingStepLine(line=line, cycle_time_s=cycle))
    db.flush()
    product.steps.sort(key=lambda s: s.seq)
