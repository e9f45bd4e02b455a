"""What a machine count refers to: an order's stage and a product, for ingest.

Registered with the recorder when the application is assembled, so that ingest reads
no production tables itself. Orders and products are created rarely and named on
every count: a miss costs one query, everything else is a dict lookup.
"""

from __future__ import annotations

from sqlalchemy import Connection, and_, exists, or_, select

from linewise.domains.production.models import (
    OperationStatus,
    OrderOperation,
    Product,
    ProductionOrder,
    RoutingStepLine,
)


class OrderReferences:
    def __init__(self) -> None:
        self.products: dict[str, int] = {}
        self.operations: dict[tuple[str, int], tuple[int, int]] = {}  # -> (op id, product id)

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
        """(operation id, product id) of an order's step; without a step, the one on this
        line: the running one first, then one placed on the line, then one that could run
        there and has no line yet (the count then places it), each by step order."""
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
            eligible = exists().where(
                RoutingStepLine.step_id == OrderOperation.step_id,
                RoutingStepLine.line_id == line_id,
            )
            here = OrderOperation.line_id == line_id
            running = OrderOperation.status == OperationStatus.IN_PROGRESS
            stmt = stmt.where(or_(here, and_(OrderOperation.line_id.is_(None), eligible)))
            stmt = stmt.order_by(running.desc(), here.desc(), OrderOperation.seq)
        row = conn.execute(stmt.limit(1)).first()
        if row is None:
            return None
        found = (int(row.id), int(row.product_id))
        if seq is not None:  # the line-based guess can change as the order moves on
            self.operations[key] = found
        return found
