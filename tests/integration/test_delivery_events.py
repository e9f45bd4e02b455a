"""The stored estimates follow events: a terminal report and a published plan enqueue a
refresh through the running server's job workers, without the minute's cron (off here).
Each step waits for the refresh's own event on the app's bus, not for a clock."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from linewise.config import Settings
from linewise.core.db import make_session_factory
from linewise.core.events import MachineChanges
from linewise.core.time import utcnow
from linewise.domains.delivery import service
from linewise.domains.delivery.events import EstimatesRefreshed
from linewise.domains.delivery.models import DeliveryEstimate
from linewise.domains.delivery.trigger import RefreshTrigger, enqueue_refresh, moves_estimates
from linewise.domains.planning.events import PlanPublished
from linewise.domains.production.events import OrdersChanged
from linewise.domains.production.models import OrderOperation, ProductionOrder
from linewise.jobs.models import Job
from linewise.server.app import create_app
from tests.conftest import World, login
from tests.integration.test_delivery import publish, seed_factory

WAIT_S = 60  # an upper bound for a loaded machine; the refresh takes well under a second


class Refreshes:
    """Collects the refreshes published on a bus; ``next`` waits for the following one."""

    def __init__(self) -> None:
        self.seen: list[EstimatesRefreshed] = []
        self._cond = threading.Condition()

    def __call__(self, event: EstimatesRefreshed) -> None:
        with self._cond:
            self.seen.append(event)
            self._cond.notify_all()

    def after(self, count: int) -> EstimatesRefreshed:
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.seen) > count, WAIT_S), "no refresh"
            return self.seen[count]


def _stored(db: Session, number: str) -> DeliveryEstimate:
    db.rollback()  # a fresh read: see the worker's commit
    row = db.execute(
        select(DeliveryEstimate)
        .join(ProductionOrder, ProductionOrder.id == DeliveryEstimate.order_id)
        .where(ProductionOrder.number == number)
    ).scalar_one()
    db.expunge(row)
    return row


def test_which_events_move_the_estimates() -> None:
    assert moves_estimates(PlanPublished(1, None, None))
    assert moves_estimates(MachineChanges(count_machines=frozenset({3})))
    assert moves_estimates(MachineChanges(operations=frozenset({7})))
    # a state change alone (a minor stop) does not change the units still to make
    assert not moves_estimates(MachineChanges(state_machines=frozenset({3})))
    assert moves_estimates(OrdersChanged("created", frozenset({5}), 1))
    assert moves_estimates(OrdersChanged("imported", frozenset(), 20_000))


def test_a_waiting_refresh_is_not_enqueued_twice(db: Session) -> None:
    first = enqueue_refresh(db)
    db.commit()
    assert first is not None and enqueue_refresh(db) is None
    assert db.scalar(select(func.count()).select_from(Job)) == 1


def test_a_report_and_a_publish_refresh_the_stored_estimate(
    db: Session, world: World, settings: Settings
) -> None:
    now = utcnow()
    seed_factory(db, world, now)
    assert service.refresh(db, now) == 2
    db.commit()
    before_a, before_b = _stored(db, "PO-A"), _stored(db, "PO-B")
    assert before_a.delay is None  # no plan yet: nothing to be behind
    # A draft plan, published below: PO-A's SMT should have ended 30 min ago. Written
    # before the app starts: once its workers run, this test only reads (on SQLite the
    # test's own writes would race the workers' for the one write lock).
    plan_id = publish(
        db, world, now,
        {("PO-A", 1): (-2, -0.5), ("PO-A", 2): (-0.5, 1),
         ("PO-B", 1): (1, 2), ("PO-B", 2): (2, 3.5)},
        draft=True,
    )  # fmt: skip
    smt = db.scalars(
        select(OrderOperation.id)
        .join(ProductionOrder)
        .where(ProductionOrder.number == "PO-A", OrderOperation.seq == 1)
    ).one()
    db.rollback()
    app = _event_app(db, settings)
    refreshes = Refreshes()
    app.state.bus.subscribe(refreshes, EstimatesRefreshed)
    with TestClient(app) as client:
        operator = login(client, "operator")
        # 40 more units through PO-A's running SMT stage, reported at the terminal
        r = operator.post(
            f"/api/v1/terminal/operations/{smt}/reports",
            json={"good": 40},
            headers={"Idempotency-Key": "delivery-report-1"},
        )
        assert r.status_code == 200, r.text
        made = refreshes.after(0).made_at
        a = _stored(db, "PO-A")
        assert a.made_at == made > before_a.made_at
        # 10 units left at the learned 60 s instead of 50: 40 minutes sooner
        gained = (before_a.eta - a.eta).total_seconds()
        assert abs(gained - 40 * 60) < 120, gained

        # The plan is published: the stored estimate now names PO-A's stage behind plan.
        count = len(refreshes.seen)
        planner = login(TestClient(app), "planner")
        r = planner.post(f"/api/v1/plans/{plan_id}/publish")
        assert r.status_code == 200, r.text
        refreshed = refreshes.after(count)
        a = _stored(db, "PO-A")
        assert a.made_at == refreshed.made_at and refreshed.orders == 2
        assert a.delay is not None and a.delay["seq"] == 1 and a.delay["line_code"] == "SMT-1"
        assert _stored(db, "PO-B").made_at > before_b.made_at


def _event_app(db: Session, settings: Settings) -> FastAPI:
    return create_app(
        settings.model_copy(
            update={
                "jobs_workers": 1,
                "delivery_refresh_cron": "",  # only events refresh in this test
                "delivery_snapshot_cron": "",
                "delivery_refresh_coalesce_s": 0.2,
            }
        ),
        engine=db.get_bind(),
    )


def test_a_new_order_joins_the_stored_run_and_a_cancelled_one_leaves_it(
    db: Session, world: World, settings: Settings
) -> None:
    now = utcnow()
    seed_factory(db, world, now)
    assert service.refresh(db, now) == 2
    db.commit()
    app = _event_app(db, settings)
    refreshes = Refreshes()
    app.state.bus.subscribe(refreshes, EstimatesRefreshed)
    with TestClient(app) as client:
        planner = login(client, "planner")
        due = (now + timedelta(days=2)).isoformat()
        r = planner.post(
            "/api/v1/orders",
            json={"number": "PO-NEW", "product_id": world.product_id, "quantity": 20,
                  "due_date": due},
        )  # fmt: skip
        assert r.status_code == 201, r.text
        new_id = r.json()["id"]
        made = refreshes.after(0)
        assert made.orders == 3
        body = planner.get("/api/v1/delivery/orders").json()
        assert body["stored"] is True and datetime.fromisoformat(body["as_of"]) == made.made_at
        assert "PO-NEW" in [i["number"] for i in body["items"]]
        detail = planner.get(f"/api/v1/delivery/orders/{new_id}").json()
        assert detail["stored"] is True and [s["seq"] for s in detail["stages"]] == [1, 2]

        count = len(refreshes.seen)
        cancel = {"to": "cancelled", "version": r.json()["version"]}
        r = planner.post(f"/api/v1/orders/{new_id}/transitions", json=cancel)
        assert r.status_code == 200, r.text
        assert refreshes.after(count).orders == 2
        body = planner.get("/api/v1/delivery/orders").json()
        assert body["stored"] is True
        assert sorted(i["number"] for i in body["items"]) == ["PO-A", "PO-B"]
        # the refresh deleted its row, not only the read's filter on open orders
        db.rollback()
        assert db.get(DeliveryEstimate, new_id) is None


def test_a_burst_of_events_enqueues_one_refresh(db: Session) -> None:
    """Fifty counts within the coalescing window: one job, enqueued after the window."""
    woken = threading.Event()
    trigger = RefreshTrigger(make_session_factory(db.get_bind()), 0.5, woken.set)
    trigger.start()
    try:
        for machine in range(50):
            trigger.on_event(MachineChanges(count_machines=frozenset({machine})))
        trigger.on_event(MachineChanges(state_machines=frozenset({1})))  # ignored
        assert woken.wait(WAIT_S)
        db.rollback()
        jobs = db.scalars(select(Job)).all()
        assert [j.kind for j in jobs] == [service.REFRESH_KIND]
    finally:
        trigger.stop()
