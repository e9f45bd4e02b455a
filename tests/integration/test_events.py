"""Typed domain events: published after commit only, by type, across processes, live.

The cross-process test uses two engines and two buses on PostgreSQL, as two
``linewise serve`` processes would: an event committed through one reaches the other's
subscribers through LISTEN/NOTIFY, and nobody hears their own event twice.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from linewise.core import events
from linewise.core.bus import Bus
from linewise.core.db import make_engine, make_session_factory
from linewise.core.events import DomainEvent, MachineChanges, domain_event
from linewise.domains.planning.events import PlanPublished
from linewise.domains.production.events import (
    OperationEvent,
    OperationStatusChanged,
    OrdersChanged,
    QuantitiesReported,
)
from linewise.ingest.notify import NotifyListener
from tests.conftest import World, login

AT = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)


@domain_event("test.something_happened")
@dataclass(frozen=True)
class SomethingHappened(DomainEvent):
    n: int
    tags: frozenset[str] = frozenset()
    at: datetime | None = None


def _factory(engine: Engine, bus: Bus) -> sessionmaker[Session]:
    events.install()
    factory = make_session_factory(engine)
    info: dict[str, Any] = {}
    events.bind_bus(info, bus)
    factory.configure(info=info)
    return factory


def _collect(bus: Bus, kind: type[DomainEvent]) -> list[DomainEvent]:
    got: list[DomainEvent] = []
    bus.subscribe(got.append, kind)
    return got


def test_published_after_commit_only_and_dropped_on_rollback(engine: Engine) -> None:
    bus = Bus()
    got = _collect(bus, SomethingHappened)
    with _factory(engine, bus)() as db:
        events.record(db, SomethingHappened(1))
        db.flush()
        assert got == []  # not before the commit
        db.commit()
        assert got == [SomethingHappened(1)]
        events.record(db, SomethingHappened(2))
        db.rollback()
        db.commit()  # a later, empty unit of work does not revive it
        events.record(db, SomethingHappened(3))
    # Closed without commit: dropped too.
    with _factory(engine, bus)() as db:
        db.commit()
    assert got == [SomethingHappened(1)]


def test_subscribers_get_events_by_type() -> None:
    bus = Bus()
    ops, machines, everything = (
        _collect(bus, OperationEvent),
        _collect(bus, MachineChanges),
        _collect(bus, DomainEvent),
    )
    started = OperationStatusChanged(1, 2, 3, AT, "user:op", "start", "in_progress", "released")
    reported = QuantitiesReported(1, 2, 3, AT, "user:op", 5, 1, 0)
    changes = MachineChanges(state_machines=frozenset({7}))
    for ev in (started, reported, changes, PlanPublished(4, None, None)):
        bus.publish(ev)
    assert ops == [started, reported]
    assert machines == [changes]
    assert len(everything) == 4


def test_events_survive_the_wire() -> None:
    ev = SomethingHappened(3, frozenset({"a", "b"}), AT)
    origin, back = events.decode(events.encode(ev, "p1")) or ("", None)
    assert (origin, back) == ("p1", ev)
    assert events.decode('{"t": "no.such.event", "d": {}}') is None


@pytest.fixture
def two_processes(pg_engine: Engine) -> Iterator[tuple[sessionmaker[Session], Bus, Bus]]:
    """Process A (commits) and process B (listens), each with its own engine and bus."""
    url = pg_engine.url.render_as_string(hide_password=False)
    engine_a, engine_b = make_engine(url), make_engine(url)
    bus_a, bus_b = Bus(), Bus()
    listeners = [
        NotifyListener(engine_a, bus_a, [bus_a.origin]),
        NotifyListener(engine_b, bus_b, [bus_b.origin]),
    ]
    for listener in listeners:
        listener.start()
        assert listener.ready.wait(10)
    try:
        yield _factory(engine_a, bus_a), bus_a, bus_b
    finally:
        for listener in listeners:
            listener.stop()
        engine_a.dispose()
        engine_b.dispose()


def test_events_cross_processes_over_listen_notify(
    two_processes: tuple[sessionmaker[Session], Bus, Bus],
) -> None:
    factory_a, bus_a, bus_b = two_processes
    heard_a: list[DomainEvent] = _collect(bus_a, DomainEvent)
    heard_b: list[DomainEvent] = []
    arrived = threading.Event()

    def on_b(ev: DomainEvent) -> None:
        heard_b.append(ev)
        if isinstance(ev, PlanPublished):
            arrived.set()

    bus_b.subscribe(on_b, DomainEvent)
    sent = SomethingHappened(9, frozenset({"x"}), AT)
    with factory_a() as db:
        events.record(db, SomethingHappened(-1))
        db.rollback()  # never committed: never sent
        events.record(db, sent)
        events.record(db, PlanPublished(5, 4, None))
        db.commit()
    assert arrived.wait(10)
    assert heard_b == [sent, PlanPublished(5, 4, None)]  # in order, rebuilt by type
    assert heard_a == [sent, PlanPublished(5, 4, None)]  # once: its own notice skipped


def test_the_floor_shows_a_terminal_action_live(
    app: FastAPI, as_role: dict[str, TestClient], world: World
) -> None:
    planner = as_role["planner"]
    r = planner.post(
        "/api/v1/orders",
        json={
            "number": "PO-LIVE",
            "product_id": world.product_id,
            "quantity": 100,
            "due_date": "2030-01-10T12:00:00Z",
        },
    )
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    r = planner.post(f"/api/v1/orders/{oid}/transitions", json={"to": "released", "version": 1})
    smt = r.json()["operations"][0]
    ops = f"/api/v1/orders/{oid}/operations/{smt['id']}"
    with TestClient(app) as browser:
        login(browser, "manager")
        with browser.websocket_connect("/api/v1/live") as ws:
            snapshot = ws.receive_json()
            assert snapshot["type"] == "snapshot"
            r = as_role["operator"].post(f"{ops}/actions", json={"action": "start", "version": 1})
            assert r.status_code == 200, r.text
            diff = ws.receive_json()  # no machine event happened: the action alone
            assert diff["type"] == "diff"
            running = diff["lines"][str(world.line_ids["SMT-1"])]
            assert (running["number"], running["good"]) == ("PO-LIVE", 0), running
            r = as_role["operator"].post(f"{ops}/reports", json={"good": 7, "scrap": 0})
            assert r.status_code == 200, r.text
            diff = ws.receive_json()
            assert diff["lines"][str(world.line_ids["SMT-1"])]["good"] == 7, diff


def test_terminal_actions_publish_after_commit_and_refusals_nothing(
    app: FastAPI, as_role: dict[str, TestClient], world: World
) -> None:
    heard: list[DomainEvent] = []
    app.state.bus.subscribe(heard.append, DomainEvent)
    planner, operator = as_role["planner"], as_role["operator"]
    r = planner.post(
        "/api/v1/orders",
        json={"number": "PO-EV", "product_id": world.product_id, "quantity": 10,
              "due_date": "2030-01-10T12:00:00Z"},
    )  # fmt: skip
    oid = r.json()["id"]
    r = planner.post(f"/api/v1/orders/{oid}/transitions", json={"to": "released", "version": 1})
    smt = r.json()["operations"][0]
    # the planner's writes announce the order (the orders' own event), each after commit
    assert [(e.change, e.order_ids) for e in heard if isinstance(e, OrdersChanged)] == [
        ("created", frozenset({oid})),
        ("released", frozenset({oid})),
    ]
    assert len(heard) == 2
    heard.clear()
    ops = f"/api/v1/orders/{oid}/operations/{smt['id']}"
    refused = operator.post(f"{ops}/reports", json={"good": 3})
    assert refused.status_code == 409  # not started yet
    assert heard == []
    assert operator.post(f"{ops}/actions", json={"action": "start", "version": 1}).is_success
    assert operator.post(f"{ops}/reports", json={"good": 3, "scrap": 1}).is_success
    started, reported = heard
    assert isinstance(started, OperationStatusChanged)
    assert (started.operation_id, started.line_id, started.action, started.status) == (
        smt["id"], world.line_ids["SMT-1"], "start", "in_progress",
    )  # fmt: skip
    assert started.actor == "user:operator" and started.order_status == "in_progress"
    assert isinstance(reported, QuantitiesReported)
    assert (reported.order_id, reported.good, reported.scrap, reported.rework) == (oid, 3, 1, 0)
