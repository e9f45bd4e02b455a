"""The assistant's floor, stock, quality, maintenance and alert answers, on SQLite and
PostgreSQL: questions in words get the figures the API routes give the same user, an
operator of one area learns nothing about the other, and what the data cannot answer is
an abstention, never a guess."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from linewise.core.time import utcnow
from linewise.domains.alerts.models import Alert, AlertRule
from linewise.domains.maintenance.models import MaintenanceOrder, MaintenancePlan
from linewise.ingest.models import CountEvent, StateInterval
from tests.conftest import World
from tests.integration.inventory.conftest import Stores, post_ok, released_order, stores
from tests.integration.quality.test_quality_api import _setup as quality_setup

API = "/api/v1"
__all__ = ["stores"]  # the inventory fixture, used here


def ask(client: TestClient, question: str) -> dict[str, Any]:
    r = client.post(f"{API}/assistant/ask", json={"question": question})
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    return answer


def get(client: TestClient, url: str, **params: Any) -> Any:
    r = client.get(f"{API}{url}", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def answered(client: TestClient, question: str, intent: str) -> dict[str, Any]:
    a = ask(client, question)
    assert not a["abstained"], a["text"]
    assert a["intent"] == intent, (question, a["intent"], a["text"])
    return a


# --- the floor -------------------------------------------------------------------------


def _floor(db: Session, world: World, now: datetime) -> None:
    pnp, ict = world.machine_ids["SMT-1-PNP1"], world.machine_ids["TEST-1-ICT"]
    rows = [
        (pnp, now - timedelta(hours=3), now - timedelta(hours=2), "producing", None),
        # 10 minutes down with no reason: the downtime queue's.
        (pnp, now - timedelta(hours=2), now - timedelta(minutes=110), "down", None),
        (pnp, now - timedelta(minutes=110), now - timedelta(minutes=40), "producing", None),
        (pnp, now - timedelta(minutes=40), None, "down", "nozzle_jam"),
        (ict, now - timedelta(hours=3), None, "producing", None),
    ]
    for machine, start, end, state, reason in rows:
        db.add(StateInterval(machine_id=machine, start=start, end=end, state=state, reason=reason))
    for i in range(12):
        at = now - timedelta(hours=3) + timedelta(minutes=10 * i)
        db.add(CountEvent(machine_id=pnp, event_id=f"c{i}", ts=at, good=20, reject=1))
    db.commit()


def test_floor_answers_are_the_floor_routes(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    _floor(db, world, utcnow())
    mgr, op = as_role["manager"], as_role["operator"]
    pnp, ict = world.machine_ids["SMT-1-PNP1"], world.machine_ids["TEST-1-ICT"]

    a = answered(mgr, "is SMT-1-PNP1 running right now?", "machine_state")
    status = get(mgr, f"/machines/{pnp}/status")
    [m] = a["facts"]["machines"]
    assert (m["state"], m["reason"], m["since"]) == (
        status["state"],
        status["reason"],
        status["since"],
    )
    assert m["state"] == "down" and a["link"] == "/floor" and "nozzle_jam" in a["text"]
    assert a["source"] == f"GET /api/v1/machines/{pnp}/status"

    for question in ("which machines are down", "anything stopped atm?", "what's not running"):
        a = answered(mgr, question, "stopped_machines")
        floor = get(mgr, "/floor")
        expected = {
            m["code"]
            for line in floor["lines"]
            for m in line["machines"]
            if m["state"] != "producing"
        }
        assert set(a["facts"]["stopped"]) == expected == {"SMT-1-PNP1"}
        assert a["source"] == "GET /api/v1/floor"

    a = answered(mgr, "which stops still have no reason?", "unassigned_stops")
    queue = get(mgr, "/downtime/unassigned", since=a["facts"]["since"])
    assert a["facts"]["total"] == queue["total"] == 1
    assert a["facts"]["latest"][0]["start"] == queue["items"][0]["start"]

    a = answered(mgr, "what's the throughput of SMT-1 today", "throughput")
    kpi = get(mgr, f"/kpi/line/{world.line_ids['SMT-1']}", day=a["arguments"]["day"])
    assert a["facts"]["throughput_rate_per_hour"] == kpi["kpis"]["throughput_rate_per_hour"]
    assert a["facts"]["produced"] == kpi["counts"]["PQ"]
    assert "units per hour" in a["text"] and "Europe/Berlin" in a["window"]

    # The operator of SMT: the floor is SMT's, the test line's machine is refused.
    a = answered(op, "which machines are stopped now", "stopped_machines")
    assert {m["code"] for m in a["facts"]["machines"]} == {"SMT-1-PNP1"}
    a = ask(op, "is TEST-1-ICT running?")
    assert a["abstained"] and a["facts"] is None and "outside your areas" in a["text"]
    assert op.get(f"{API}/machines/{ict}/status").status_code == 403


# --- stock -----------------------------------------------------------------------------


def test_stock_answers_are_the_inventory_routes(
    world: World, as_role: dict[str, TestClient], stores: Stores
) -> None:
    sup, planner, op = as_role["supervisor"], as_role["planner"], as_role["operator"]
    post_ok(sup, "/stock-movements/receipts", {"material_id": stores.paste, "qty": 500.5})
    post_ok(sup, "/stock-movements/receipts", {"material_id": stores.pcb, "qty": 40})
    released_order(planner, world, "PO-7001", qty=100)  # 200 g paste, 110 PCB, 100 labels

    for question in ("how much PASTE is in stock?", "how much paste do we have left"):
        a = answered(op, question, "stock_of_material")
        page = get(op, f"/materials/{stores.paste}/stock")["availability"]
        f = a["facts"]
        assert (f["on_hand"], f["reserved"], f["available"]) == (
            page["on_hand"],
            page["reserved"],
            page["available"],
        )
        assert f["available"] == 300.5 and "300.50 g free" in a["text"]
        assert a["link"] == f"/materials/{stores.paste}"

    a = answered(planner, "which materials are short for the planned orders?", "shortages")
    body = get(planner, "/stock/shortages")
    assert a["facts"]["order_lines"] == len(body["orders"])
    short = {s["material"]["code"]: s["missing"] for s in body["orders"]}
    assert {m["material"]: m["missing"] for m in a["facts"]["by_material"]} == short
    assert set(short) == {"PCB", "LABEL"} and short["PCB"] == pytest.approx(70)
    assert "PCB 70 pcs short" in a["text"]
    assert "PO-7001" in a["text"]

    # A material nobody stocks: said so, no figure made up.
    for question in ("how much XYZ-99 is in stock?", "how much unobtainium do we have in stock"):
        a = ask(op, question)
        assert a["abstained"] and a["facts"] is None, a["text"]


# --- quality ---------------------------------------------------------------------------


def _results(world: World, as_role: dict[str, TestClient]) -> dict[str, int]:
    ids = quality_setup(world, as_role["planner"])
    # Two hours ago, but never before this week's Monday in the site's zone: the first
    # question asks about "this week", which at Monday 00:30 is half an hour old.
    now = utcnow()
    local = now.astimezone(ZoneInfo("Europe/Berlin"))
    monday = (local - timedelta(days=local.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    t0 = min(max(now - timedelta(hours=2), monday.astimezone(UTC)), now - timedelta(seconds=11))
    # Counted results: 18 of 20 pass first time on SMT-1, 5 of 10 on TEST-1.
    for line, client, qty, good in (
        ("SMT-1", as_role["operator"], 20, 18),
        ("TEST-1", as_role["manager"], 10, 5),
    ):
        post_ok(client, "/quality/inspections", {
            "product_id": world.product_id, "step_seq": 1, "line_id": world.line_ids[line],
            "quantity": qty, "passed_quantity": good, "inspected_at": t0.isoformat(),
        })  # fmt: skip
    # A drifting voltage on the test line's ICT: out of control (nelson1).
    values = [5.0, 5.01, 4.99, 5.0, 5.02, 4.98, 5.0, 5.01, 4.99, 5.0, 5.28]
    for i, v in enumerate(values):
        post_ok(as_role["manager"], "/quality/inspections", {
            "product_id": world.product_id, "step_seq": 2,
            "machine_id": world.machine_ids["TEST-1-ICT"], "serial": f"A{i}",
            "inspected_at": (t0 + timedelta(seconds=i)).isoformat(),
            "measurements": [{"characteristic_id": ids["volt"], "value": v}],
        })  # fmt: skip
    post_ok(as_role["operator"], "/quality/nonconformances", {
        "product_id": world.product_id, "description": "Bridged QFN pins",
        "quantity": 7, "lot": "L-42", "hold": True,
    })  # fmt: skip
    return ids


def test_quality_answers_are_the_quality_routes(
    world: World, as_role: dict[str, TestClient]
) -> None:
    _results(world, as_role)
    mgr, op = as_role["manager"], as_role["operator"]

    a = answered(op, "what's the first pass yield of SMT-1 this week?", "first_pass_yield")
    figures = get(op, "/quality/figures", **{"from": a["facts"]["start"], "to": a["facts"]["end"]})
    assert a["facts"]["inspected"] == figures["inspected"] == 20  # the operator's line only
    assert a["facts"]["fpy"] == pytest.approx(figures["fpy"]) == 0.9
    assert "90.0 %" in a["text"] and a["link"] == "/quality"
    a = answered(mgr, "fpy last 7 days", "first_pass_yield")
    figures = get(mgr, "/quality/figures", **{"from": a["facts"]["start"], "to": a["facts"]["end"]})
    assert a["facts"]["inspected"] == figures["inspected"]
    assert a["facts"]["first_pass_good"] == figures["first_pass_good"]

    a = answered(mgr, "any SPC violations on TEST-1?", "spc_violations")
    marks = get(mgr, "/quality/out-of-control", line_id=world.line_ids["TEST-1"])
    assert [c["name"] for c in a["facts"]["items"]] == [c["name"] for c in marks] == ["U_out"]
    assert a["facts"]["items"][0]["rules"] == marks[0]["rules"] == ["nelson1"]
    # The operator of SMT sees no mark of the test line, and may not ask about that line.
    a = answered(op, "what is out of control", "spc_violations")
    assert a["facts"]["count"] == len(get(op, "/quality/out-of-control")) == 0
    a = ask(op, "any spc violations on TEST-1")
    assert a["abstained"] and "outside your areas" in a["text"]

    a = answered(op, "open NCRs?", "open_nonconformances")
    page = get(op, "/quality/nonconformances", status="open")
    assert a["facts"]["total"] == page["total"] == 1
    assert a["facts"]["items"][0]["id"] == page["items"][0]["id"]
    assert "Bridged QFN pins" in a["text"] and "on hold" in a["text"]


# --- maintenance -----------------------------------------------------------------------


def test_maintenance_answers_are_the_maintenance_routes(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    now = utcnow()
    _floor(db, world, now)
    pnp, ict = world.machine_ids["SMT-1-PNP1"], world.machine_ids["TEST-1-ICT"]
    plan = MaintenancePlan(
        name="Vacuum watch", machine_id=pnp, trigger="condition", signal="vacuum", threshold=0.6
    )
    db.add(plan)
    db.flush()
    db.add_all([
        MaintenanceOrder(kind="preventive", status="planned", machine_id=pnp, plan_id=plan.id,
                         title="Check vacuum pump", due_at=now - timedelta(days=1)),
        MaintenanceOrder(kind="preventive", status="scheduled", machine_id=ict,
                         title="Calibrate fixture", due_at=now + timedelta(days=3)),
        MaintenanceOrder(kind="preventive", status="planned", machine_id=ict,
                         title="Yearly overhaul", due_at=now + timedelta(days=90)),
    ])  # fmt: skip
    db.commit()
    mgr, op = as_role["manager"], as_role["operator"]

    a = answered(mgr, "which machines have maintenance due?", "maintenance_due")
    orders = get(mgr, "/maintenance/orders", status=["planned", "scheduled"])
    until = datetime.fromisoformat(a["facts"]["until"])
    due = sorted(
        (o for o in orders if datetime.fromisoformat(o["due_at"]) <= until),
        key=lambda o: o["due_at"],
    )
    assert [i["id"] for i in a["facts"]["items"]] == [o["id"] for o in due]
    assert [i["title"] for i in a["facts"]["items"]] == ["Check vacuum pump", "Calibrate fixture"]
    assert a["facts"]["overdue"] == 1 and "overdue by" in a["text"]
    a = answered(op, "any overdue PMs", "maintenance_due")
    assert [i["machine"] for i in a["facts"]["items"]] == ["SMT-1-PNP1"]  # SMT's only

    a = answered(mgr, "which machine is likely to fail?", "machine_health")
    figures = get(mgr, "/maintenance/figures", **{"from": (now - timedelta(days=30)).isoformat()})
    rows = {r["machine_code"]: r for r in figures["machines"]}
    top = a["facts"]["machines"][0]
    assert top["machine"] == "SMT-1-PNP1" and top["warnings"] == 1
    assert top["failures"] == rows["SMT-1-PNP1"]["failures"] == 2
    assert "Check vacuum pump" in a["text"]
    a = answered(op, "health of SMT-1-PNP1", "machine_health")
    assert a["facts"]["anomalies"] == len(get(op, "/maintenance/anomalies", machine_id=pnp))
    a = ask(op, "how healthy is TEST-1-ICT")
    assert a["abstained"] and "outside your areas" in a["text"]


# --- alerts ----------------------------------------------------------------------------


def test_alert_answers_are_the_alert_list(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    now = utcnow()
    rule = AlertRule(
        name="Down long", kind="machine_down", severity="medium", scope_kind="site",
        threshold_minutes=5,
    )  # fmt: skip
    db.add(rule)
    db.flush()
    for machine, line, area, severity, minutes in (
        ("SMT-1-PNP1", "SMT-1", "SMT", "medium", 5),
        ("SMT-1-PNP1", "SMT-1", "SMT", "critical", 30),
        ("TEST-1-ICT", "TEST-1", "TEST", "high", 1),
    ):
        db.add(Alert(
            rule_id=rule.id, machine_id=world.machine_ids[machine], line_id=world.line_ids[line],
            area_id=world.area_ids[area], severity=severity, state="firing",
            message=f"{machine} {severity}", fired_at=now - timedelta(minutes=minutes),
            open_key=f"{rule.id}:{machine}:{severity}",
        ))  # fmt: skip
    db.commit()
    mgr, op = as_role["manager"], as_role["operator"]

    a = answered(mgr, "what alerts are open?", "open_alerts")
    listed = get(mgr, "/alerts")
    assert a["facts"]["open"] == len(listed) == 3
    assert [x["severity"] for x in a["facts"]["alerts"]] == ["critical", "high", "medium"]
    assert {x["id"] for x in a["facts"]["alerts"]} == {x["id"] for x in listed}
    assert a["text"].index("critical") < a["text"].index("medium")
    a = answered(mgr, "any alarms on SMT-1?", "open_alerts")
    assert a["facts"]["open"] == 2

    a = answered(op, "show me the alarms", "open_alerts")
    assert {x["id"] for x in a["facts"]["alerts"]} == {x["id"] for x in get(op, "/alerts")}
    assert "TEST-1-ICT" not in a["text"] and a["facts"]["open"] == 2
    a = ask(op, "alerts on TEST-1")
    assert a["abstained"] and a["facts"] is None


# --- intents ---------------------------------------------------------------------------

# Each phrasing, and the intent that must win it (the older ones must keep theirs).
ROUTES = [
    ("which machines are down", "stopped_machines"),
    ("what's stopped in SMT right now", "stopped_machines"),
    ("how many machines are not running", "stopped_machines"),
    ("anything broken?", "stopped_machines"),
    ("is SMT-1-PNP1 up", "machine_state"),
    ("what state is SMT-1-PNP1 in", "machine_state"),
    ("since when is SMT-1-PNP1 down", "machine_state"),
    ("status of SMT-1", "machine_state"),
    ("why was SMT-1 down yesterday", "downtime_causes"),
    ("how long was SMT-1 down yesterday", "downtime_causes"),
    ("biggest stops on SMT-1 this week", "downtime_causes"),
    ("uph of SMT-1 yesterday", "throughput"),
    ("how many boards per hour did SMT-1 make", "throughput"),
    ("how many boards did SMT-1 make yesterday", "good_count"),
    ("scrap on SMT-1 yesterday", "scrap_count"),
    ("oee of SMT-1 last week", "oee"),
    ("availability of SMT-1", "availability"),
    ("yield of SMT-1", "quality_ratio"),
    ("stops without a reason on SMT-1", "unassigned_stops"),
    ("unexplained downtime today", "unassigned_stops"),
    ("downtime queue", "unassigned_stops"),
    ("how much PASTE is left", "stock_of_material"),
    ("stock level of PCB", "stock_of_material"),
    ("is there enough PCB for the planned orders", "shortages"),
    ("any material shortages", "shortages"),
    ("do we have enough LABEL", "shortages"),
    ("first pass yield of SMT-1", "first_pass_yield"),
    ("out of control characteristics", "spc_violations"),
    ("open non-conformances", "open_nonconformances"),
    ("what's on hold", "open_nonconformances"),
    ("quality holds", "open_nonconformances"),
    ("pm due this week", "maintenance_due"),
    ("which machine will fail next", "machine_health"),
    ("any early warnings", "machine_health"),
    ("what's the condition of SMT-1-PNP1", "machine_health"),
    ("what alarms are firing", "open_alerts"),
    ("is PO-7001 late", "order_late"),
    ("what stage is PO-7001 in", "order_stage"),
    ("when will PO-7001 be done", "order_eta"),
]


def test_each_phrasing_reaches_its_intent(
    world: World, as_role: dict[str, TestClient], stores: Stores
) -> None:
    released_order(as_role["planner"], world, "PO-7001")
    mgr = as_role["manager"]
    got = [(question, ask(mgr, question)["intent"]) for question, _ in ROUTES]
    assert got == [(question, intent) for question, intent in ROUTES]
