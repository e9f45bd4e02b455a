"""Delivery analytics through the API: ETA from learned rates, risk order, snapshots that
calibrate, bottlenecks from machine states, lateness by stage, hostile windows."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from linewise.core.time import utcnow
from linewise.domains.delivery import repository, service
from linewise.domains.delivery.models import DeliveryEstimate, DeliveryPrediction
from linewise.domains.production.models import OrderOperation, ProductionOrder
from linewise.ingest.models import StateInterval
from tests.conftest import World


def add_order(
    db: Session,
    world: World,
    number: str,
    due: datetime,
    status: str,
    ops: list[dict[str, object]],
    completed_at: datetime | None = None,
) -> ProductionOrder:
    order = ProductionOrder(
        number=number, product_id=world.product_id, quantity=100, due_date=due, status=status,
        completed_at=completed_at,
    )  # fmt: skip
    for seq, (name, wct, line) in enumerate(
        (("SMT", "SMT", "SMT-1"), ("Test", "TEST", "TEST-1")), start=1
    ):
        fields = ops[seq - 1]
        order.operations.append(
            OrderOperation(
                seq=seq, name=name, work_center_type=wct, quantity=100,
                line_id=world.line_ids[line] if fields.get("status") != "pending" else None,
                step_id=None, **fields,
            )
        )  # fmt: skip
    db.add(order)
    db.flush()
    return order


def link_steps(db: Session, world: World) -> None:
    from linewise.domains.production.models import RoutingStep

    steps = {s.seq: s.id for s in db.scalars(select(RoutingStep))}
    for op in db.scalars(select(OrderOperation)):
        op.step_id = steps[op.seq]


def seed_factory(db: Session, world: World, now: datetime) -> None:
    # history: three orders whose SMT ran at twice its ideal 30 s (100 units in 100 min)
    # and whose test at its ideal 60 s (100 units in 100 min)
    for i in range(3):
        t0 = now - timedelta(days=2, hours=i * 5)
        done = {"status": "completed", "good_qty": 100, "scrap_qty": 0}
        add_order(db, world, f"H-{i}", now - timedelta(days=1), "completed", [
            done | {"started_at": t0, "completed_at": t0 + timedelta(minutes=100 + 15)},
            done | {"started_at": t0 + timedelta(hours=2),
                    "completed_at": t0 + timedelta(hours=2, minutes=100)},
        ], completed_at=t0 + timedelta(hours=3, minutes=40))  # fmt: skip
    # open: A half through SMT, due in 2 h (it cannot make it); B not started, due in 3 days
    add_order(db, world, "PO-A", now + timedelta(hours=2), "in_progress", [
        {"status": "in_progress", "good_qty": 50, "started_at": now - timedelta(hours=1)},
        {"status": "pending"},
    ])  # fmt: skip
    add_order(db, world, "PO-B", now + timedelta(days=3), "released", [
        {"status": "pending"}, {"status": "pending"},
    ])  # fmt: skip
    link_steps(db, world)
    smt, ict = world.machine_ids["SMT-1-PNP1"], world.machine_ids["TEST-1-ICT"]
    db.add_all([
        # SMT: one long active period; test: short bursts between waits
        StateInterval(machine_id=smt, start=now - timedelta(hours=6), end=None,
                      state="producing"),
        StateInterval(machine_id=ict, start=now - timedelta(hours=6),
                      end=now - timedelta(hours=5), state="producing"),
        StateInterval(machine_id=ict, start=now - timedelta(hours=5),
                      end=now - timedelta(hours=1), state="idle", reason="starved"),
        StateInterval(machine_id=ict, start=now - timedelta(hours=1), end=None, state="down",
                      reason="fixture_fault"),
    ])  # fmt: skip
    db.commit()


def test_eta_learns_the_rate_and_ranks_the_risky_order_first(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    now = utcnow()
    seed_factory(db, world, now)
    r = as_role["operator"].get("/api/v1/delivery/orders")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["rate_samples"] == 6
    items = {i["number"]: i for i in body["items"]}
    assert [i["number"] for i in body["items"]] == ["PO-A", "PO-B"]
    a = items["PO-A"]
    eta = datetime.fromisoformat(a["eta"])
    # SMT: 50 units at the learned 60 s = 50 min; then test 100 × 60 s = 100 min (no setup
    # on test); SMT learned twice ideal, test ideal: about now + 150 min
    assert abs((eta - now).total_seconds() - 150 * 60) < 120
    assert a["p_late"] > 0.5 > items["PO-B"]["p_late"]
    assert datetime.fromisoformat(a["eta_low"]) <= eta <= datetime.fromisoformat(a["eta_high"])
    assert a["calibrated"] is False  # no earlier predictions yet

    detail = as_role["planner"].get(f"/api/v1/delivery/orders/{a['order_id']}").json()
    assert [s["line_code"] for s in detail["stages"]] == ["SMT-1", "TEST-1"]
    assert detail["stages"][1]["start"] == detail["stages"][0]["eta"]
    assert as_role["planner"].get("/api/v1/delivery/orders/999999").status_code == 404


def test_due_date_dispatch_skips_the_setup_after_the_same_family(db: Session, world: World) -> None:
    """PO-B's SMT stage follows PO-A's on SMT-1, both of the setup family "ctrl": a floor
    dispatching by due date runs it without a changeover, plan order pays the step's
    15 min setup; both queue it behind PO-A."""
    now = utcnow()
    seed_factory(db, world, now)
    for how, setup in ((service.Dispatching("plan"), 900.0),
                       (service.Dispatching("due_date", 8.0), 0.0)):  # fmt: skip
        ctx = service.load(db, now, how)
        ids = {o.number: str(o.id) for o in ctx.orders}
        smt = ctx.forecasts[ids["PO-B"]].stages[0]
        assert smt.start == ctx.forecasts[ids["PO-A"]].stages[0].end
        run = 100 * ctx.rates.seconds_per_unit("CTRL-100", smt.line, 30.0)
        spent = ctx.calendar.working_seconds(smt.line, smt.start, smt.end)
        assert abs(spent - (run + setup)) < 1.0, how


def test_the_dispatching_is_the_configured_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from linewise.config import get_settings

    get_settings.cache_clear()
    try:
        assert service.dispatching() == service.Dispatching("plan", 0.0)  # the default
        monkeypatch.setenv("LINEWISE_DELIVERY_DISPATCH", "due_date")
        monkeypatch.setenv("LINEWISE_DELIVERY_FAMILY_PREFERENCE_H", "8")
        get_settings.cache_clear()
        assert service.dispatching() == service.Dispatching("due_date", 8.0)
    finally:
        get_settings.cache_clear()


def test_snapshots_calibrate_later_estimates(db: Session, world: World) -> None:
    now = utcnow()
    seed_factory(db, world, now)
    assert service.snapshot(db, now) == 2
    assert service.snapshot(db, now) == 0  # once per minute and order
    db.commit()
    # the orders finish: their predictions become residuals
    for order in db.scalars(select(ProductionOrder).where(ProductionOrder.number.like("PO-%"))):
        order.status, order.completed_at = "completed", now + timedelta(hours=3)
    db.commit()
    assert db.scalar(select(func.count()).select_from(DeliveryPrediction)) == 2
    ctx = service.load(db, now + timedelta(hours=4))
    assert ctx.calibration.size == 2


def test_bottleneck_and_lateness_by_stage(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    now = utcnow()
    seed_factory(db, world, now)
    frm = (now - timedelta(hours=6)).isoformat()
    to = now.isoformat()
    r = as_role["manager"].get(
        "/api/v1/delivery/bottlenecks", params={"period": "shift", "from": frm, "to": to}
    )
    assert r.status_code == 200, r.text
    win = r.json()["windows"]
    assert win[0]["top"] == "SMT-1"
    shares = {s["line_code"]: s for s in win[0]["shares"]}
    assert shares["SMT-1"]["sole"] > 0.5

    r = as_role["manager"].get("/api/v1/delivery/attribution")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["late_orders"] >= 1
    assert body["stages"] and body["stages"][0]["orders"]


def test_hostile_windows_name_the_field(as_role: dict[str, TestClient]) -> None:
    c = as_role["admin"]
    now = utcnow()
    r = c.get(
        "/api/v1/delivery/bottlenecks",
        params={"from": now.isoformat(), "to": (now - timedelta(hours=1)).isoformat()},
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "to"
    r = c.get(
        "/api/v1/delivery/bottlenecks",
        params={"period": "shift", "from": (now - timedelta(days=60)).isoformat()},
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "from"
    assert c.get("/api/v1/delivery/bottlenecks", params={"period": "year"}).status_code == 422
    for route in ("bottlenecks", "attribution"):
        r = c.get(f"/api/v1/delivery/{route}", params={"to": "0001-01-02T00:00:00Z"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "to"
        r = c.get(f"/api/v1/delivery/{route}", params={"from": "9999-12-30T00:00:00Z"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "from"
    assert c.get("/api/v1/delivery/bottlenecks", params={"from": "yesterday"}).status_code == 422


def test_late_risk_alert_rule_fires_on_the_snapshot(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    from linewise.domains.alerts import service as alerts
    from linewise.domains.alerts.models import Alert

    now = utcnow()
    seed_factory(db, world, now)
    manager = as_role["manager"]
    body = {"name": "At risk", "kind": "late_risk", "severity": "high", "scope_kind": "site",
            "scope_id": None, "threshold_minutes": 0}  # fmt: skip
    r = manager.post("/api/v1/alert-rules", json=body)
    assert r.status_code == 422 and "target" in r.text  # the risk percent is required
    r = manager.post("/api/v1/alert-rules", json=body | {"target": 150})
    assert r.status_code == 422 and "target" in r.text
    assert manager.post("/api/v1/alert-rules", json=body | {"target": 50}).status_code == 201
    assert alerts.evaluate(db, "lead") == []  # no snapshot yet: nothing to judge
    db.commit()
    service.snapshot(db, now)
    db.commit()
    alerts.evaluate(db, "lead")
    db.commit()
    fired = db.scalars(select(Alert)).all()
    assert [a.message for a in fired] == ["Order PO-A: late risk 50.0 % or more"]


def test_late_risk_alert_rule_reads_the_refreshed_risk(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    """With the minute's refresh running, the rule needs no hourly snapshot."""
    from linewise.domains.alerts import service as alerts
    from linewise.domains.alerts.models import Alert

    seed_factory(db, world, utcnow())
    body = {"name": "At risk", "kind": "late_risk", "severity": "high", "scope_kind": "site",
            "scope_id": None, "threshold_minutes": 0, "target": 50}  # fmt: skip
    assert as_role["manager"].post("/api/v1/alert-rules", json=body).status_code == 201
    service.refresh(db, utcnow())
    db.commit()
    assert db.scalar(select(func.count()).select_from(DeliveryPrediction)) == 0
    alerts.evaluate(db, "lead")
    db.commit()
    fired = db.scalars(select(Alert)).all()
    assert [a.message for a in fired] == ["Order PO-A: late risk 50.0 % or more"]


def test_working_windows_leave_out_nights_and_breaks(db: Session, world: World) -> None:
    from zoneinfo import ZoneInfo

    from linewise.domains.people.models import ShiftCalendar, ShiftPattern

    cal = ShiftCalendar(code="S", name="S", site_id=world.site_id)
    cal.patterns = [
        ShiftPattern(code="E", name="E", start="06:00", end="14:00", weekdays=list(range(7)),
                     breaks=[{"start": "10:00", "minutes": 30}])
    ]  # fmt: skip
    db.add(cal)
    db.commit()
    zone = ZoneInfo("Europe/Berlin")
    day = datetime(2026, 12, 8, tzinfo=zone)
    line = world.line_ids["SMT-1"]
    wc = service.line_calendar(db, [line], day - timedelta(days=1), day + timedelta(days=3))
    key = str(line)
    assert wc.working_seconds(key, day, day + timedelta(days=1)) == 7.5 * 3600
    # 4 h from 06:00 local: 06:00-10:00 is exactly 4 h; 4.5 h runs past the break to 11:00
    six = day.replace(hour=6)
    assert wc.advance(key, six, 4 * 3600) == day.replace(hour=10)
    assert wc.advance(key, six, 4.5 * 3600) == day.replace(hour=11)
    # from the afternoon, one hour lands on the next morning
    assert wc.advance(key, day.replace(hour=15), 3600) == day.replace(hour=7) + timedelta(days=1)


def publish(
    db: Session,
    world: World,
    now: datetime,
    spans: dict[tuple[str, int], tuple[float, float]],
    draft: bool = False,
) -> int:
    """A published plan (or a draft): (order number, seq) -> (start, end) in hours from
    ``now``; its id."""
    from linewise.domains.planning.models import PlannedOperation, PlanStatus, SchedulePlan

    plan = SchedulePlan(
        kind="full", status=PlanStatus.DRAFT if draft else PlanStatus.PUBLISHED,
        published_at=None if draft else now, horizon_start=now,
        horizon_end=now + timedelta(days=2), solver_status="FEASIBLE", objective={},
        instance_blob=b"",
    )  # fmt: skip
    db.add(plan)
    db.flush()
    for (number, seq), (a, b) in spans.items():
        order = db.scalars(select(ProductionOrder).where(ProductionOrder.number == number)).one()
        op = next(o for o in order.operations if o.seq == seq)
        db.add(
            PlannedOperation(
                plan_id=plan.id, operation_id=op.id, order_id=order.id,
                line_id=world.line_ids["SMT-1" if seq == 1 else "TEST-1"], job_key=number,
                op_index=seq - 1, order_number=number, product_code="CTRL-100", seq=seq,
                name=op.name, start=now + timedelta(hours=a), end=now + timedelta(hours=b),
            )
        )  # fmt: skip
    db.commit()
    return int(plan.id)


def test_a_stage_behind_its_plan_names_the_stop(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    now = utcnow()
    seed_factory(db, world, now)
    # the plan wanted PO-A's SMT done 30 min ago and its test by 1 h from now; PO-B later
    publish(db, world, now, {("PO-A", 1): (-2, -0.5), ("PO-A", 2): (-0.5, 1),
                             ("PO-B", 1): (1, 2), ("PO-B", 2): (2, 3.5)})  # fmt: skip
    smt = world.machine_ids["SMT-1-PNP1"]
    for iv in db.scalars(select(StateInterval).where(StateInterval.machine_id == smt)):
        iv.end = now - timedelta(minutes=10)
    db.add(StateInterval(machine_id=smt, start=now - timedelta(minutes=10), end=None,
                         state="down", reason="feeder_jam"))  # fmt: skip
    db.commit()
    body = as_role["supervisor"].get("/api/v1/delivery/orders").json()
    a = next(i for i in body["items"] if i["number"] == "PO-A")
    assert a["delay"]["kind"] == "stopped" and a["delay"]["cause"] == "feeder_jam"
    assert a["delay"]["line_code"] == "SMT-1" and a["delay"]["seq"] == 1
    # SMT expected to end 50 min from now, planned 30 min ago: 80 min behind
    assert abs(a["delay"]["behind_min"] - 80) < 2
    detail = as_role["supervisor"].get(f"/api/v1/delivery/orders/{a['order_id']}").json()
    assert detail["stages"][1]["planned_end"] is not None
    # PO-B queues behind PO-A on SMT-1 (each read has its own now: within a second)
    b_id = next(i["order_id"] for i in body["items"] if i["number"] == "PO-B")
    b = as_role["supervisor"].get(f"/api/v1/delivery/orders/{b_id}").json()
    gap = datetime.fromisoformat(b["stages"][0]["start"]) - datetime.fromisoformat(
        detail["stages"][0]["eta"]
    )
    assert abs(gap.total_seconds()) < 1
    r = as_role["planner"].get(
        "/api/v1/delivery/bottlenecks",
        params={"period": "day", "from": now.isoformat(),
                "to": (now + timedelta(days=1)).isoformat()},
    )  # fmt: skip
    planned = {p["line_code"]: p["utilization"] for p in r.json()["windows"][0]["planned"]}
    assert planned["TEST-1"] == round(2.5 / 24, 4)  # 1 h of PO-A and 1.5 h of PO-B, 24 h
    blame = as_role["planner"].get("/api/v1/delivery/attribution").json()
    assert blame["stages"][0]["line_code"] in ("SMT-1", "TEST-1")
    assert "PO-A" in blame["stages"][0]["orders"]


def _listed(client: TestClient, **params: str) -> list[dict[str, object]]:
    r = client.get("/api/v1/orders", params={"limit": "100", **params})
    assert r.status_code == 200, r.text
    items: list[dict[str, object]] = r.json()["items"]
    return items


def test_the_stored_eta_judges_orders_while_fresh(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    now = utcnow()
    seed_factory(db, world, now)
    # the plan finishes PO-A in time (1 h, due in 2 h); its ETA (about 2.5 h) does not
    publish(db, world, now, {("PO-A", 1): (-1, 0.5), ("PO-A", 2): (0.5, 1),
                             ("PO-B", 1): (1, 2), ("PO-B", 2): (2, 3.5)})  # fmt: skip
    client = as_role["operator"]
    assert {o["number"] for o in _listed(client, late="true")} == set()
    # An estimate older than the cut-off (the refresh job stopped) is not used.
    assert service.refresh(db, now - repository.FRESH_FOR - timedelta(minutes=1)) == 2
    db.commit()
    a = next(o for o in _listed(client) if o["number"] == "PO-A")
    assert a["finish_basis"] == "plan" and a["eta"] is None and a["late_risk"] is None
    assert {o["number"] for o in _listed(client, late="true")} == set()

    live = client.get("/api/v1/delivery/orders").json()
    assert live["stored"] is False  # the stale run is not served either
    assert service.refresh(db, utcnow()) == 2
    db.commit()
    # the Deliveries page now reads that run: the same orders, order and figures
    cached = client.get("/api/v1/delivery/orders").json()
    assert cached["stored"] is True
    assert [i["number"] for i in cached["items"]] == [i["number"] for i in live["items"]]
    for was, now_ in zip(live["items"], cached["items"], strict=True):
        gap = datetime.fromisoformat(now_["eta"]) - datetime.fromisoformat(was["eta"])
        assert abs(gap.total_seconds()) < 60  # computed a moment apart
        assert now_["p_late"] == pytest.approx(was["p_late"], abs=0.05)
        assert now_["delay"] == was["delay"] and now_["calibrated"] == was["calibrated"]
    assert cached["rate_samples"] == live["rate_samples"] == 6
    stored = {e.order_id: e for e in db.scalars(select(DeliveryEstimate))}
    assert len(stored) == 2  # the stale rows were rewritten, none left behind
    listed = {str(o["number"]): o for o in _listed(client)}
    a = listed["PO-A"]
    assert a["finish_basis"] == "eta" and a["late"] is True
    assert a["late_risk"] == round(stored[int(str(a["id"]))].p_late, 4)
    assert {o["number"] for o in _listed(client, late="true")} == {"PO-A"}
    assert "PO-A" not in {o["number"] for o in _listed(client, late="false")}
    page = client.get(f"/api/v1/orders/{a['id']}").json()
    assert page["late"] is True and page["finish"] == a["eta"]
    # an order that closes loses its estimate at the next refresh
    order = db.get(ProductionOrder, int(str(a["id"])))
    assert order is not None
    order.status, order.completed_at = "completed", utcnow()
    db.commit()
    assert service.refresh(db, utcnow()) == 1
    db.commit()
    assert db.scalar(select(func.count()).select_from(DeliveryEstimate)) == 1


def test_the_orders_list_sorts_by_late_risk_on_the_server(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    now = utcnow()
    seed_factory(db, world, now)
    assert service.refresh(db, now) == 2
    db.commit()
    client = as_role["planner"]
    risky = _listed(client, sort="-late_risk")
    risks = [o["late_risk"] for o in risky]
    open_risks = [float(str(r)) for r in risks if r is not None]
    # open orders by their stored risk, highest first; closed ones (no risk) after them
    assert [o["number"] for o in risky[:2]] == ["PO-A", "PO-B"]
    assert open_risks == sorted(open_risks, reverse=True) and len(open_risks) == 2
    assert all(r is None for r in risks[2:]) and len(risks) == 5
    # a page of one is the riskiest order of all, not of a page sorted afterwards
    first = _listed(client, sort="-late_risk", limit="1", offset="0")
    assert [o["number"] for o in first] == ["PO-A"]
    lowest = _listed(client, sort="late_risk")
    assert [o["number"] for o in lowest[-2:]] == ["PO-B", "PO-A"]
    r = client.get("/api/v1/orders", params={"sort": "late_riskiness"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "sort"


def test_the_order_panel_and_attribution_read_the_stored_run(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    now = utcnow()
    seed_factory(db, world, now)
    publish(db, world, now, {("PO-A", 1): (-2, -0.5), ("PO-A", 2): (-0.5, 1),
                             ("PO-B", 1): (1, 2), ("PO-B", 2): (2, 3.5)})  # fmt: skip
    client = as_role["planner"]
    a_id = db.scalars(select(ProductionOrder.id).where(ProductionOrder.number == "PO-A")).one()
    live = client.get(f"/api/v1/delivery/orders/{a_id}").json()
    live_blame = client.get("/api/v1/delivery/attribution").json()
    assert live["stored"] is False
    made = utcnow()
    assert service.refresh(db, made) == 2
    db.commit()
    stored = client.get(f"/api/v1/delivery/orders/{a_id}").json()
    assert stored["stored"] is True and datetime.fromisoformat(stored["as_of"]) == made
    assert [s["seq"] for s in stored["stages"]] == [s["seq"] for s in live["stages"]]
    for was, got in zip(live["stages"], stored["stages"], strict=True):
        assert {k: v for k, v in got.items() if k not in ("start", "eta")} == {
            k: v for k, v in was.items() if k not in ("start", "eta")
        }
        for k in ("start", "eta"):  # computed a moment apart
            gap = datetime.fromisoformat(got[k]) - datetime.fromisoformat(was[k])
            assert abs(gap.total_seconds()) < 60
    assert stored["delay"] == live["delay"] and stored["p_late"] == pytest.approx(
        live["p_late"], abs=0.05
    )
    blame = client.get("/api/v1/delivery/attribution").json()
    assert blame["late_orders"] == live_blame["late_orders"] == 1
    assert blame["late_min"] == pytest.approx(live_blame["late_min"], abs=1)
    # The stored run is what they read: move PO-A's stored finish an hour later, and the
    # lateness the attribution shares out grows by that hour.
    row = db.get(DeliveryEstimate, a_id)
    assert row is not None and row.stages is not None
    later = row.eta + timedelta(hours=1)
    row.eta = later
    row.stages = [*row.stages[:-1], row.stages[-1] | {"eta": later.isoformat()}]
    db.commit()
    moved = client.get("/api/v1/delivery/attribution").json()
    assert moved["late_min"] == pytest.approx(blame["late_min"] + 60, abs=0.2)
    panel = client.get(f"/api/v1/delivery/orders/{a_id}").json()
    assert datetime.fromisoformat(panel["eta"]) == later
    # a closed order has no panel, stored row or not
    order = db.get(ProductionOrder, a_id)
    assert order is not None
    order.status, order.completed_at = "completed", utcnow()
    db.commit()
    assert client.get(f"/api/v1/delivery/orders/{a_id}").status_code == 404


def test_an_earlier_run_committing_late_keeps_the_newer_estimates(
    db: Session, world: World
) -> None:
    """Two refreshes overlap (an event's and the minute's): the one that started first
    but commits last does not put its older figures over the newer ones."""
    now = utcnow()
    seed_factory(db, world, now)
    assert service.refresh(db, now) == 2
    db.commit()
    assert service.refresh(db, now - timedelta(seconds=30)) == 2
    db.commit()
    made = set(db.scalars(select(DeliveryEstimate.made_at)))
    assert made == {now}
