"""A terminal report and machine counts on the same stage: neither is lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from linewise.core.db import make_session_factory
from linewise.domains.production import service
from linewise.domains.production.models import OrderOperation, OrderStatus, ProductionOrder
from linewise.ingest.events import decode
from linewise.ingest.store import References, write_events
from linewise.server.projections import ingest_projections, order_references
from tests.conftest import World

T0 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


# PostgreSQL only: on SQLite a request holds the write lock from its first read, so the
# counts cannot arrive between the terminal's read and its write.
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_a_report_on_a_stage_read_before_counts_arrived_keeps_the_counts(
    engine: Engine, world: World
) -> None:
    sessions = make_session_factory(engine)
    with sessions() as s:
        order = service.create_order(
            s,
            {"number": "PO-R", "product_id": world.product_id, "quantity": 100,
             "due_date": T0 + timedelta(days=30)},
        )  # fmt: skip
        order.status = OrderStatus.RELEASED
        s.flush()
        service.act_on_operation(s, order, order.operations[0], "start", None, None)
        s.commit()
        order_id, op_id = order.id, order.operations[0].id

    request: Session = sessions()  # the terminal's request has read the stage ...
    op = request.get(OrderOperation, op_id)
    assert op is not None and op.good_qty == 0
    events, _ = decode(
        [{"id": "c1", "ts": T0.isoformat(), "machine": "SMT-1-PNP1", "type": "count",
          "good": 7, "reject": 0, "order": "PO-R", "operation": 1}]
    )  # fmt: skip
    with engine.begin() as conn:  # ... when the line's counts are committed
        write_events(
            conn, References(order_references()), events, [], "t", projections=ingest_projections()
        )
    service.report_quantities(request, op, 5, 1, 0)
    request.commit()
    request.close()

    with sessions() as s:
        stored = s.get(OrderOperation, op_id)
        assert stored is not None and (stored.good_qty, stored.scrap_qty) == (12, 1)
        assert stored.started_at == T0  # the count's time is earlier than the start
        placed = s.get(ProductionOrder, order_id)
        assert placed is not None and placed.status == OrderStatus.IN_PROGRESS
