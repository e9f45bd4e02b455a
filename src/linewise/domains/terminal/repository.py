"""Reads of the operator terminal: badges, replayed actions, a line's work, andon calls."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from linewise.domains.accounts.models import User
from linewise.domains.equipment.models import Line
from linewise.domains.people.models import Operator
from linewise.domains.production.models import (
    BomItem,
    OperationStatus,
    OrderOperation,
    OrderStatus,
    Product,
    ProductionOrder,
)
from linewise.domains.terminal.models import AndonCall, TerminalAction

# Orders whose stages an operator may work on.
WORKABLE_ORDERS = (OrderStatus.RELEASED, OrderStatus.IN_PROGRESS, OrderStatus.ON_HOLD)
OPEN_STAGES = (OperationStatus.PENDING, OperationStatus.IN_PROGRESS, OperationStatus.ON_HOLD)


def operator_by_badge(db: Session, badge: str) -> Operator | None:
    return db.scalar(select(Operator).where(Operator.badge == badge))


def action_by_key(db: Session, key: str) -> TerminalAction | None:
    return db.scalar(select(TerminalAction).where(TerminalAction.key == key))


def andon_by_key(db: Session, key: str) -> AndonCall | None:
    return db.scalar(select(AndonCall).where(AndonCall.key == key))


def operations_by_id(db: Session, ids: Sequence[int]) -> dict[int, OrderOperation]:
    """Stages with their order, product and BOM loaded (one query each, not per row)."""
    if not ids:
        return {}
    rows = db.scalars(
        select(OrderOperation)
        .where(OrderOperation.id.in_(list(ids)))
        .options(
            selectinload(OrderOperation.order)
            .selectinload(ProductionOrder.product)
            .selectinload(Product.bom)
            .selectinload(BomItem.material)
        )
    ).all()
    return {op.id: op for op in rows}


def open_stages_on_line(db: Session, line_id: int) -> list[int]:
    """Open stages already placed on the line (running, held, or assigned there), so the
    terminal shows them even without a published plan."""
    return list(
        db.scalars(
            select(OrderOperation.id)
            .join(ProductionOrder, ProductionOrder.id == OrderOperation.order_id)
            .where(
                OrderOperation.line_id == line_id,
                OrderOperation.status.in_(OPEN_STAGES),
                ProductionOrder.status.in_(WORKABLE_ORDERS),
            )
            .order_by(ProductionOrder.due_date, OrderOperation.seq)
            .limit(50)
        )
    )


def andon_calls(
    db: Session, *, open_only: bool, area_ids: frozenset[int] | None, limit: int = 100
) -> Sequence[tuple[AndonCall, Line]]:
    stmt = select(AndonCall, Line).join(Line, Line.id == AndonCall.line_id)
    if open_only:
        stmt = stmt.where(AndonCall.acknowledged_at.is_(None))
    if area_ids is not None:
        stmt = stmt.where(Line.area_id.in_(area_ids))
    rows = db.execute(stmt.order_by(AndonCall.raised_at.desc(), AndonCall.id.desc()).limit(limit))
    return [(r[0], r[1]) for r in rows.all()]


def people_on_operation(
    db: Session, operation_id: int, since: datetime
) -> list[tuple[str, datetime]]:
    """Who acted on the operation at a terminal since ``since`` (their name, when last),
    most recent first."""
    rows = db.execute(
        select(TerminalAction.actor, func.max(TerminalAction.created_at).label("last"))
        .where(TerminalAction.operation_id == operation_id, TerminalAction.created_at >= since)
        .group_by(TerminalAction.actor)
        .order_by(func.max(TerminalAction.created_at).desc())
    ).all()
    usernames = [a.removeprefix("user:") for a, _ in rows if a.startswith("user:")]
    names = dict(
        db.execute(select(User.username, User.full_name).where(User.username.in_(usernames))).all()
    )
    out = []
    for actor, last in rows:
        username = actor.removeprefix("user:")
        out.append((names.get(username) or username, last))
    return out
