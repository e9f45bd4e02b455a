"""Queries for orders."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from linewise.core.errors import FieldError, NotFound, ValidationProblem
from linewise.core.time import utcnow
from linewise.domains.delivery import repository as delivery
from linewise.domains.delivery.models import DeliveryEstimate
from linewise.domains.equipment.models import Area, Line, Site
from linewise.domains.planning import repository as planning
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


OPEN_STATUSES = (
    OrderStatus.PLANNED,
    OrderStatus.RELEASED,
    OrderStatus.IN_PROGRESS,
    OrderStatus.ON_HOLD,
)


def order_sortable(now: datetime) -> dict[str, ColumnElement[Any] | InstrumentedAttribute[Any]]:
    """``ORDER_SORTABLE`` and ``late_risk``: an open order's fresh stored late risk (what
    the list shows), −1 for the others (closed, or no fresh estimate), so that they come
    after every risk when descending, on SQLite and PostgreSQL alike (NULLs sort apart)."""
    risk = (
        select(DeliveryEstimate.p_late)
        .where(
            DeliveryEstimate.order_id == ProductionOrder.id,
            DeliveryEstimate.made_at >= now - delivery.FRESH_FOR,
            ProductionOrder.status.in_(OPEN_STATUSES),
        )
        .scalar_subquery()
    )
    return {**ORDER_SORTABLE, "late_risk": func.coalesce(risk, -1.0)}


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
    now: datetime | None = None,
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
        now = now or utcnow()
        live = delivery.current_subquery(now)
        stmt = stmt.outerjoin(live, live.c.order_id == ProductionOrder.id)
        span = planning.published_order_span()
        stmt = stmt.outerjoin(span, span.c.order_id == ProductionOrder.id)
        cond = late_condition(func.coalesce(live.c.eta, span.c.planned_finish), now)
        stmt = stmt.where(cond if late else ~cond)
    return stmt


def late_condition(expected: ColumnElement[Any], now: datetime) -> ColumnElement[bool]:
    """``lateness.judge``'s ``is_late`` in SQL, for filtering before pagination.

    Completed: the actual finish is after the due date. Open: the expected finish — the
    fresh live ETA, else the published plan's finish, as in ``lateness.judge`` — is after
    the due date, or the due date has passed (it cannot finish before now).
    ``expected`` is NULL for orders with neither.
    """
    done_late = and_(
        ProductionOrder.status == OrderStatus.COMPLETED,
        ProductionOrder.completed_at.is_not(None),
        ProductionOrder.completed_at > ProductionOrder.due_date,
    )
    open_late = and_(
        ProductionOrder.status.not_in([OrderStatus.COMPLETED, OrderStatus.CANCELLED]),
        or_(
            ProductionOrder.due_date < now,
            # NULL-safe, so that the negation (late=false) keeps unplanned orders
            and_(expected.is_not(None), expected > ProductionOrder.due_date),
        ),
    )
    return or_(done_late, open_late)


def orders_by_id(db: Session, ids: list[int]) -> list[ProductionOrder]:
    """Orders without their operations (for verdicts over many orders)."""
    if not ids:
        return []
    return list(db.scalars(select(ProductionOrder).where(ProductionOrder.id.in_(ids))))


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


def site_timezone(db: Session, line_ids: list[int]) -> str | None:
    """The time zone of the site of the first of these lines, else of the first site."""
    zone = None
    if line_ids:
        zone = db.scalar(
            select(Site.timezone)
            .join(Area, Area.site_id == Site.id)
            .join(Line, Line.area_id == Area.id)
            .where(Line.id.in_(line_ids))
            .order_by(Line.id)
            .limit(1)
        )
    return zone or db.scalar(select(Site.timezone).order_by(Site.id).limit(1))
