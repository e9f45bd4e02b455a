"""Queries for orders."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session, selectinload

from linewise.core.errors import FieldError, NotFound, ValidationProblem
from linewise.core.time import utcnow
from linewise.domains.production.models import (
    CustomerOrder,
    OrderOperation,
    OrderStatus,
    Product,
    ProductionOrder,
)

ORDER_SORTABLE = {
    "number": ProductionOrder.number,
    "due_date": ProductionOrder.due_date,
    "release_date": ProductionOrder.release_date,
    "priority": ProductionOrder.priority,
    "status": ProductionOrder.status,
    "quantity": ProductionOrder.quantity,
    "created_at": ProductionOrder.created_at,
}


def _eager() -> list[Any]:
    return [
        selectinload(ProductionOrder.operations).selectinload(OrderOperation.line),
        selectinload(ProductionOrder.product),
        selectinload(ProductionOrder.customer_order),
    ]


def order_query(
    *,
    statuses: list[str] | None,
    q: str | None,
    due_before: datetime | None,
    due_after: datetime | None,
    late: bool | None,
    product_id: int | None,
    customer_order_id: int | None,
) -> Select[Any]:
    stmt = select(ProductionOrder).options(*_eager())
    if statuses:
        bad = [s for s in statuses if s not in set(OrderStatus)]
        if bad:
            raise ValidationProblem(
                f"unknown status {bad}",
                errors=[FieldError("status", f"one of {', '.join(OrderStatus)}")],
            )
        stmt = stmt.where(ProductionOrder.status.in_(statuses))
    if q:
        pattern = f"%{q.strip().lower()}%"
        stmt = (
            stmt.join(Product, Product.id == ProductionOrder.product_id)
            .outerjoin(CustomerOrder, CustomerOrder.id == ProductionOrder.customer_order_id)
            .where(
                or_(
                    ProductionOrder.number.ilike(pattern),
                    Product.code.ilike(pattern),
                    Product.name.ilike(pattern),
                    CustomerOrder.number.ilike(pattern),
                    CustomerOrder.customer.ilike(pattern),
                )
            )
        )
    if due_before:
        stmt = stmt.where(ProductionOrder.due_date < due_before)
    if due_after:
        stmt = stmt.where(ProductionOrder.due_date >= due_after)
    if product_id is not None:
        stmt = stmt.where(ProductionOrder.product_id == product_id)
    if customer_order_id is not None:
        stmt = stmt.where(ProductionOrder.customer_order_id == customer_order_id)
    if late is not None:
        now = utcnow()
        open_late = and_(
            ProductionOrder.status.not_in([OrderStatus.COMPLETED, OrderStatus.CANCELLED]),
            ProductionOrder.due_date < now,
        )
        done_late = and_(
            ProductionOrder.status == OrderStatus.COMPLETED,
            ProductionOrder.completed_at > ProductionOrder.due_date,
        )
        cond = or_(open_late, done_late)
        stmt = stmt.where(cond if late else ~cond)
    return stmt


def get_order(db: Session, order_id: int) -> ProductionOrder:
    order = db.scalars(
        select(ProductionOrder).options(*_eager()).where(ProductionOrder.id == order_id)
    ).first()
    if order is None:
        raise NotFound(f"production order {order_id} not found")
    return order


def get_order_by_number(db: Session, number: str) -> ProductionOrder | None:
    return db.scalars(
        select(ProductionOrder).options(*_eager()).where(ProductionOrder.number == number)
    ).first()


def get_operation(order: ProductionOrder, op_id: int) -> OrderOperation:
    for op in order.operations:
        if op.id == op_id:
            return op
    raise NotFound(f"operation {op_id} is not part of order {order.number}")
