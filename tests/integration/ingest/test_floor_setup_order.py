"""A line in changeover shows the order its setup is for, not "No order running".

The machines' setup state names no order, so the floor takes the line's next operation
in the published plan; without a plan, or with the stage already running, it says what
it did before.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.domains.planning.models import PlannedOperation, PlanStatus, SchedulePlan
from linewise.domains.production.models import OrderOperation
from tests.conftest import World


def _stamp(delta: timedelta = timedelta(0)) -> str:
    return (datetime.now(UTC) - delta).isoformat().replace("+00:00", "Z")


def _smt_order(floor: dict[str, object]) -> dict[str, object] | None:
    lines = {line["code"]: line for line in floor["lines"]}  # type: ignore[attr-defined]
    return lines["SMT-1"]["machines"][0]["order"]  # type: ignore[no-any-return]


def _publish(db: Session, world: World, ops: list[OrderOperation], start: datetime) -> None:
    plan = SchedulePlan(
        kind="full",
        status=PlanStatus.PUBLISHED,
        published_at=start,
        horizon_start=start,
        horizon_end=start + timedelta(days=1),
        solver_status="FEASIBLE",
        objective={},
        instance_blob=b"",
    )
    db.add(plan)
    db.flush()
    for i, op in enumerate(ops):
        db.add(
            PlannedOperation(
                plan_id=plan.id,
                operation_id=op.id,
                order_id=op.order_id,
                line_id=world.line_ids["SMT-1"],
                job_key=f"job-{i}",
                op_index=0,
                order_number=op.order.number,
                product_code="CTRL-100",
                seq=op.seq,
                name=op.name,
                start=start + timedelta(hours=i),
                end=start + timedelta(hours=i, minutes=50),
            )
        )
    db.commit()


def test_line_in_setup_shows_the_next_planned_order(
    device: TestClient, as_role: dict[str, TestClient], world: World, db: Session
) -> None:
    planner = as_role["planner"]
    for number in ("PO-LATER", "PO-NEXT"):
        r = planner.post(
            "/api/v1/orders",
            json={
                "number": number,
                "product_id": world.product_id,
                "quantity": 10,
                "due_date": "2030-01-10T12:00:00Z",
            },
        )
        assert r.status_code == 201, r.text
    smt_ops = {
        op.order.number: op
        for op in db.scalars(select(OrderOperation).where(OrderOperation.seq == 1))
    }
    db.rollback()  # end the read: the ingest below writes (SQLite has one writer)
    r = device.post(
        "/api/v1/ingest",
        json=[{"id": "s1", "ts": _stamp(timedelta(minutes=2)), "machine": "SMT-1-PNP1",
               "type": "state", "state": "setup", "reason": "Changeover"}],
    )  # fmt: skip
    assert r.status_code == 200, r.text
    manager = as_role["manager"]
    # In setup without a published plan: nothing to name, and no guess.
    assert _smt_order(manager.get("/api/v1/floor").json()) is None

    # The plan has PO-NEXT first on SMT-1, then PO-LATER.
    db.rollback()
    now = datetime.now(UTC)
    _publish(db, world, [smt_ops["PO-NEXT"], smt_ops["PO-LATER"]], now)
    order = _smt_order(manager.get("/api/v1/floor").json())
    assert order is not None
    assert order["number"] == "PO-NEXT"
    assert order["setup"] is True
    assert order["good"] == 0

    # Producing, not in setup: the line is not "set up for" anything.
    device.post(
        "/api/v1/ingest",
        json=[{"id": "p1", "ts": _stamp(), "machine": "SMT-1-PNP1",
               "type": "state", "state": "producing"}],
    )  # fmt: skip
    assert _smt_order(manager.get("/api/v1/floor").json()) is None
