"""The assistant's order, delivery, plan and people tools answer what their routes answer
the same user: questions in words through POST /assistant/ask, facts compared with the
route's body; area-scoped users get an abstention, not data, about other areas' lines."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.api.deps import Principal
from linewise.assistant.answer import ask
from linewise.core.security import Role
from linewise.core.time import utcnow
from linewise.domains.delivery import service as delivery
from linewise.domains.delivery.models import DeliveryEstimate
from linewise.domains.planning.service import PlanningRuntime
from linewise.domains.production.models import CustomerOrder, ProductionOrder
from tests.conftest import World, login
from tests.integration.test_delivery import add_order, link_steps, seed_factory

API = "/api/v1"
OPEN = "planned,released,in_progress,on_hold"
ZONE = ZoneInfo("Europe/Berlin")  # the world's site
CUSTOMER = "Alpen Automation AG"


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def _ask(c: TestClient, question: str) -> dict[str, Any]:
    answer: dict[str, Any] = _ok(c.post(f"{API}/assistant/ask", json={"question": question}))
    return answer


def _answered(c: TestClient, question: str, intent: str) -> dict[str, Any]:
    a = _ask(c, question)
    assert not a["abstained"], a["text"]
    assert a["intent"] == intent, (question, a["intent"], a["text"])
    assert a["source"] and a["source"].startswith("GET /api/v1/")
    return a


def _factory(db: Session, world: World, now: datetime) -> None:
    """History and two open orders (tests/integration/test_delivery), one more open order
    past its due date, and a customer with two of the open orders."""
    seed_factory(db, world, now)
    # The assistant finds orders by the digits in their numbers.
    for old, new in (("PO-A", "PO-1001"), ("PO-B", "PO-1002")):
        db.scalars(select(ProductionOrder).where(ProductionOrder.number == old)).one().number = new
    add_order(db, world, "PO-1003", now - timedelta(hours=3), "planned", [
        {"status": "pending"}, {"status": "pending"},
    ])  # fmt: skip
    link_steps(db, world)
    alpen = CustomerOrder(number="CO-1", customer=CUSTOMER)
    other = CustomerOrder(number="CO-2", customer="Alpen Automation AG Sued")
    db.add_all([alpen, other])
    db.flush()
    for number, co in (("PO-1001", alpen), ("PO-1003", alpen), ("PO-1002", other)):
        order = db.scalars(select(ProductionOrder).where(ProductionOrder.number == number)).one()
        order.customer_order_id = co.id
    db.commit()


def _publish(app: FastAPI) -> int:
    with TestClient(app) as planner:  # the lifespan starts the planner's runtime
        login(planner, "planner")
        return _solve_and_publish(app, planner)


def _solve_and_publish(app: FastAPI, planner: TestClient) -> int:
    run = _ok(
        planner.post(
            f"{API}/schedules", json={"time_limit_s": 1.0, "num_workers": 1, "horizon_days": 7}
        ),
        202,
    )
    runtime: PlanningRuntime = app.state.planning
    assert runtime.wait(run["id"], 60.0)  # the job's own completion, not a sleep
    run = _ok(planner.get(f"{API}/schedules/{run['id']}"))
    assert run["status"] == "succeeded", run
    _ok(planner.post(f"{API}/plans/{run['plan_id']}/publish", json={}))
    return int(run["plan_id"])


def _orders(c: TestClient, **params: Any) -> list[dict[str, Any]]:
    body = _ok(c.get(f"{API}/orders", params={"limit": 500, "sort": "due_date", **params}))
    assert body["total"] == len(body["items"])
    items: list[dict[str, Any]] = body["items"]
    return items


def test_order_lists_are_the_orders_routes(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    now = utcnow()
    _factory(db, world, now)
    c = as_role["operator"]  # orders are everyone's to read

    late = _orders(c, late="true", status=OPEN)
    assert [o["number"] for o in late] == ["PO-1003"]  # due 3 h ago, not finished
    for question in ("Which orders are late?", "any late jobs", "what's running late"):
        a = _answered(c, question, "late_orders")
        assert a["facts"]["numbers"] == [o["number"] for o in late]
        assert a["facts"]["count"] == len(late)
        assert "PO-1003" in a["text"] and a["link"].startswith("/orders?late=true")

    mine = [
        o["number"]
        for o in _orders(c, q=CUSTOMER, status=OPEN)
        if o["customer_order"] and o["customer_order"]["customer"] == CUSTOMER
    ]
    assert mine == ["PO-1003", "PO-1001"]  # not PO-1002, whose customer only starts with the name
    for question in (f"open orders for {CUSTOMER}", f"what does {CUSTOMER} have open"):
        a = _answered(c, question, "orders_for_customer")
        assert a["facts"]["numbers"] == mine and a["facts"]["count"] == 2
        assert a["facts"]["late_count"] == 1  # PO-1003

    product = [o["number"] for o in _orders(c, product_id=world.product_id, status=OPEN)]
    a = _answered(c, "open orders of CTRL-100", "orders_for_product")
    assert a["facts"]["numbers"] == product and a["facts"]["count"] == 3

    day = now.astimezone(ZONE).date()
    start = datetime.combine(day, datetime.min.time(), ZONE)
    due = _orders(
        c,
        due_after=start.isoformat(),
        due_before=(start + timedelta(days=1)).isoformat(),
    )
    a = _answered(c, "what orders are due today?", "orders_due")
    assert a["facts"]["numbers"] == [o["number"] for o in due][:5]
    assert a["facts"]["count"] == len(due)
    assert "Europe/Berlin" in (a["window"] or "") and day.isoformat() in a["window"]


def test_an_unknown_customer_is_an_abstention(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    _factory(db, world, utcnow())
    for question in ("open orders for Acme Widgets", "what's open for customer Acme Widgets"):
        a = _ask(as_role["planner"], question)
        assert a["abstained"] and a["facts"] is None
        assert "no customer called acme widgets" in a["text"].lower()


def test_delivery_answers_are_the_delivery_routes(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    now = utcnow()
    _factory(db, world, now)
    c = as_role["planner"]

    body = _ok(c.get(f"{API}/delivery/orders"))
    risky = [i for i in body["items"] if i["p_late"] >= 0.5]
    assert risky  # PO-1001 cannot make its due date in 2 h
    for question in ("which orders are at risk of being late", "what might ship late"):
        a = _answered(c, question, "at_risk_orders")
        assert a["facts"]["numbers"] == [i["number"] for i in risky][:5]
        assert a["facts"]["open_count"] == len(body["items"])
        assert a["facts"]["orders"][0]["p_late"] == pytest.approx(risky[0]["p_late"], abs=0.02)
        assert a["link"] == "/deliveries"

    po_a = next(i for i in body["items"] if i["number"] == "PO-1001")
    detail = _ok(c.get(f"{API}/delivery/orders/{po_a['order_id']}"))
    a = _answered(c, "why is PO-1001 late?", "order_delay_cause")
    assert a["source"] == f"GET /api/v1/delivery/orders/{po_a['order_id']}"
    if detail["delay"] is None:
        assert a["facts"]["delay"] is None
    else:
        got = a["facts"]["delay"]
        assert (got["seq"], got["line"], got["kind"]) == (
            detail["delay"]["seq"],
            detail["delay"]["line_code"],
            detail["delay"]["kind"],
        )
        assert got["behind_min"] == pytest.approx(detail["delay"]["behind_min"], abs=1.0)
    assert a["facts"]["late_by_min"] == pytest.approx(detail["late_by_min"], abs=1.0)

    monday = now.astimezone(ZONE).date() - timedelta(days=now.astimezone(ZONE).weekday())
    start = datetime.combine(monday, datetime.min.time(), ZONE)
    week = {"from": start.isoformat(), "to": (start + timedelta(days=7)).isoformat()}
    attribution = _ok(c.get(f"{API}/delivery/attribution", params=week))
    a = _answered(c, "which stage is causing delays for this week's plan", "bottleneck")
    assert a["facts"]["late_orders"] == attribution["late_orders"]
    assert [s["line"] for s in a["facts"]["stages"]] == [
        s["line_code"] for s in attribution["stages"][:3]
    ]
    assert "Europe/Berlin" in (a["window"] or "")


def test_delivery_answers_read_the_stored_run_when_it_is_fresh(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    now = utcnow()
    _factory(db, world, now)
    made = now - timedelta(minutes=1)
    assert delivery.refresh(db, made) == 3
    # The stored run says PO-1002 finishes 10 days late: the answers must say so too (a
    # forecast for the read would give it days to spare).
    po_b = db.scalars(select(ProductionOrder.id).where(ProductionOrder.number == "PO-1002")).one()
    row = db.get(DeliveryEstimate, po_b)
    assert row is not None
    row.eta, row.p_late = now + timedelta(days=13), 0.97
    db.commit()
    c = as_role["planner"]
    body = _ok(c.get(f"{API}/delivery/orders"))
    assert body["stored"] is True
    a = _answered(c, "which orders are at risk of being late", "at_risk_orders")
    assert a["facts"]["stored"] is True and a["facts"]["as_of"] == made.isoformat()
    assert a["facts"]["open_count"] == len(body["items"]) == 3
    assert a["facts"]["numbers"] == [i["number"] for i in body["items"] if i["p_late"] >= 0.5]
    assert {o["number"]: o["p_late"] for o in a["facts"]["orders"]}["PO-1002"] == 0.97
    a = _answered(c, "why is PO-1002 late?", "order_delay_cause")
    assert a["facts"]["stored"] is True
    assert a["facts"]["eta"] == (now + timedelta(days=13)).isoformat()
    assert a["facts"]["late_by_min"] == pytest.approx(10 * 24 * 60, abs=1.0)


def test_plan_next_and_running_are_the_plan_and_floor_routes(
    app: FastAPI, db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    now = utcnow()
    _factory(db, world, now)
    planner = as_role["planner"]
    plan_id = _publish(app)
    smt, test = world.line_ids["SMT-1"], world.line_ids["TEST-1"]

    gantt = _ok(planner.get(f"{API}/plans/{plan_id}"))
    day = now.astimezone(ZONE).date()
    start = datetime.combine(day, datetime.min.time(), ZONE)
    end = start + timedelta(days=1)
    on_smt = [
        (op["order_number"], op["seq"])
        for ln in gantt["lines"]
        if ln["line_id"] == smt
        for op in ln["operations"]
        if datetime.fromisoformat(op["start"]) < end and datetime.fromisoformat(op["end"]) > start
    ]
    a = _answered(planner, "what is planned on SMT-1 today?", "plan_on_line")
    assert [(o["order"], o["seq"]) for o in a["facts"]["operations"]] == on_smt[:6]
    assert a["facts"]["count"] == len(on_smt) and a["link"] == f"/schedule?plan={plan_id}"

    nxt = _ok(planner.get(f"{API}/plans/published/next", params={"line_id": test, "limit": 3}))
    a = _answered(planner, "what runs next on TEST-1", "next_on_line")
    assert [o["order"] for o in a["facts"]["operations"]] == [
        o["order_number"] for o in nxt["operations"]
    ]
    assert nxt["operations"], "the plan has work left on TEST-1"

    floor = _ok(as_role["operator"].get(f"{API}/floor"))
    running = next(ln for ln in floor["lines"] if ln["id"] == smt)["machines"][0]["order"]
    a = _answered(as_role["operator"], "what order is SMT-1 running now?", "running_on_line")
    assert a["facts"]["order"]["number"] == running["number"] == "PO-1001"
    assert a["facts"]["order"]["good"] == running["good"] == 50


def test_an_operator_of_one_area_is_told_nothing_about_the_other_area(
    app: FastAPI, db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    _factory(db, world, utcnow())
    _publish(app)
    operator = as_role["operator"]  # SMT area only
    test = world.line_ids["TEST-1"]
    assert operator.get(f"{API}/plans/published/next", params={"line_id": test}).status_code == 403
    assert all(ln["code"] != "TEST-1" for ln in _ok(operator.get(f"{API}/floor"))["lines"])
    for question, intent in (
        ("what runs next on TEST-1", "next_on_line"),
        ("what is TEST-1 running right now", "running_on_line"),
    ):
        a = _ask(operator, question)
        assert a["abstained"] and a["facts"] is None, a["text"]
        assert "outside your areas" in a["text"]
        assert a["context"]["intent"] == intent
    # their own area's line is answered
    assert not _ask(operator, "what runs next on SMT-1")["abstained"]


EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]


def test_who_works_where_is_the_board_and_the_clock(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    _factory(db, world, utcnow())
    sup, manager = as_role["supervisor"], as_role["manager"]
    patterns = [
        {"code": "A", "name": "Early", "start": "06:00", "end": "14:00", "weekdays": EVERY_DAY},
        {"code": "B", "name": "Late", "start": "14:00", "end": "22:00", "weekdays": EVERY_DAY},
        {"code": "C", "name": "Night", "start": "22:00", "end": "06:00", "weekdays": EVERY_DAY},
    ]
    _ok(
        as_role["planner"].post(
            f"{API}/calendars",
            json={"code": "P1", "name": "Plant", "site_id": world.site_id, "patterns": patterns},
        ),
        201,
    )
    ids = {}
    for code, name, area in (("ANNA", "Anna Berg", "SMT"), ("TOM", "Tom Kraus", "TEST")):
        skills = ["smt_operator", "test_technician"]
        body = {"code": code, "name": name, "skills": skills, "area_ids": [world.area_ids[area]]}
        ids[code] = _ok(manager.post(f"{API}/operators", json=body), 201)["id"]
    board = _ok(manager.get(f"{API}/allocation/board", params={"which": "current"}))
    change = {
        "site_id": board["site_id"],
        "shift_key": board["shift"]["key"],
        "base_version": board["version"],
        "action": "assign",
        "operator_id": ids["ANNA"],
        "line_id": world.line_ids["SMT-1"],
        "reason": "",
    }
    _ok(manager.post(f"{API}/allocation/changes", json=change))
    _ok(manager.post(f"{API}/labour/clock", json={"action": "in", "operator_id": ids["ANNA"]}))

    board = _ok(manager.get(f"{API}/allocation/board", params={"which": "current"}))
    smt = world.line_ids["SMT-1"]
    on_smt = [a["operator_id"] for a in board["assignments"] if a["line_id"] == smt]
    assert on_smt == [ids["ANNA"]]
    working = [
        w["operator_name"]
        for w in _ok(manager.get(f"{API}/labour/work-intervals"))
        if w["line_code"] == "SMT-1" and w["ended_at"] is None
    ]
    for question in ("who is working on SMT-1 now?", "who's on smt line 1"):
        a = _answered(manager, question, "who_works_where")
        assert a["facts"]["working"] == working == ["Anna Berg"]
        assert [x["name"] for x in a["facts"]["assigned"]] == ["Anna Berg"]
        assert a["facts"]["shift"]["code"] == board["shift"]["code"]
    for question in ("where is Anna Berg working", "where's anna", "which line is ANNA on"):
        a = _answered(manager, question, "who_works_where")
        assert a["facts"]["current"]["station"] == "SMT-1", question
        assert a["facts"]["clocked_in_since"] is not None

    # The SMT supervisor: nothing about the TEST line or its operator; SMT answered.
    assert not _ask(sup, "who is working on SMT-1 now")["abstained"]
    for question in ("who is working on TEST-1", "where is Tom Kraus"):
        a = _ask(sup, question)
        assert a["abstained"] and a["facts"] is None and "outside your areas" in a["text"]
    # An operator may not read labour: refused by permission, as GET /allocation/board.
    assert as_role["operator"].get(f"{API}/allocation/board").status_code == 403
    a = _ask(as_role["operator"], "who is working on SMT-1 now")
    assert a["abstained"] and "labour:read" in a["text"]


# Questions each intent must win, beside the intents that were there before.
ROUTES = [
    ("which orders are late?", "late_orders"),
    ("how many orders are overdue", "late_orders"),
    ("list the late orders", "late_orders"),
    ("show me all delayed jobs", "late_orders"),
    (f"open orders for {CUSTOMER}", "orders_for_customer"),
    (f"{CUSTOMER}'s orders", "orders_for_customer"),
    ("what's open for customer Acme Widgets", "orders_for_customer"),
    ("open orders of CTRL-100", "orders_for_product"),
    ("which orders do we have for CTRL-100", "orders_for_product"),
    ("orders due today", "orders_due"),
    ("what's due this week", "orders_due"),
    ("which orders are at risk of being late", "at_risk_orders"),
    ("what's likely to finish late", "at_risk_orders"),
    ("is PO-1001 at risk", "at_risk_orders"),
    ("why is PO-1001 late", "order_delay_cause"),
    ("what's holding up PO-1001", "order_delay_cause"),
    ("why is po-1001 delayed", "order_delay_cause"),
    ("which stage is causing delays for this week's plan", "bottleneck"),
    ("where's the bottleneck", "bottleneck"),
    ("why are so many orders late", "bottleneck"),
    ("what is planned on SMT-1 today", "plan_on_line"),
    ("what's on the schedule for SMT-1 tomorrow", "plan_on_line"),
    ("what runs next on SMT-1", "next_on_line"),
    ("what's up next on test line 1", "next_on_line"),
    ("what order is SMT-1 running now", "running_on_line"),
    ("what is SMT-1 making right now", "running_on_line"),
    ("who is working on SMT-1", "who_works_where"),
    ("who's manning TEST-1", "who_works_where"),
    ("where is Anna working", "who_works_where"),
    ("where am I working today", "who_works_where"),
    # the intents that were there before keep their questions
    ("is PO-1001 late", "order_late"),
    ("is PO-1001 on time", "order_late"),
    ("where is PO-1001", "order_stage"),
    ("which stage is PO-1001 in", "order_stage"),
    ("when will PO-1001 finish", "order_eta"),
    ("status of PO-1001", "order_status"),
    ("OEE of SMT-1 today", "oee"),
    ("downtime causes on SMT-1 yesterday", "downtime_causes"),
    ("how many good boards did SMT-1 make today", "good_count"),
]


def test_each_phrasing_reaches_its_intent(db: Session, world: World) -> None:
    _factory(db, world, utcnow())
    admin = Principal("user", "admin", Role.ADMIN, world.user_ids["admin"])
    wrong = [
        (q, want, got)
        for q, want in ROUTES
        if (got := ask(db, admin, q).context.get("intent")) != want
    ]
    assert not wrong
