"""Maintenance over the API, on SQLite and PostgreSQL: plans generate orders ahead with a
tolerance window, the lifecycle with checklist and labour, scheduled windows as planned
downtime through the one calendar provider, corrective orders from long down stops,
the figures (MTBF, MTTR, CMR, compliance, backlog) and downsampled telemetry."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from linewise.config import Settings
from linewise.core.db import make_session_factory
from linewise.core.time import utcnow
from linewise.domains.maintenance import service
from linewise.domains.maintenance.models import MaintenanceOrder, MaintenancePlan
from linewise.domains.people.models import ShiftCalendar, ShiftPattern
from linewise.domains.people.working_time import WorkingTime
from linewise.ingest.models import CountEvent, StateInterval, TelemetrySample
from linewise.kpi.calendar import available_spans
from linewise.kpi.intervals import TimeWindow
from linewise.server.jobs import job_registry
from tests.conftest import World

API = "/api/v1/maintenance"


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def _hour(t: datetime) -> datetime:
    return t.replace(minute=0, second=0, microsecond=0)


def _age_plan(db: Session, plan_id: int, days: float) -> None:
    plan = db.get(MaintenancePlan, plan_id)
    assert plan is not None
    plan.created_at = utcnow() - timedelta(days=days)
    db.commit()


def test_time_plan_lifecycle_and_planned_downtime(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    sup, op, mgr = as_role["supervisor"], as_role["operator"], as_role["manager"]
    pnp = world.machine_ids["SMT-1-PNP1"]
    plan = _ok(
        sup.post(
            f"{API}/plans",
            json={
                "name": "Nozzle clean",
                "machine_id": pnp,
                "trigger": "time",
                "interval_days": 14,
                "lead_days": 3,
                "tolerance_days": 1,
                "duration_min": 90,
                "checklist": ["Clean nozzles", "Check vacuum"],
            },
        ),
        201,
    )
    # Due in 14 days, lead time 3: nothing yet.
    assert _ok(sup.post(f"{API}/generate")) == {"preventive": 0, "corrective": 0}
    _age_plan(db, plan["id"], 12)  # due in two days: inside the lead time
    assert _ok(sup.post(f"{API}/generate"))["preventive"] == 1
    assert _ok(sup.post(f"{API}/generate"))["preventive"] == 0  # one open order per plan
    [order] = _ok(op.get(f"{API}/orders"))
    assert order["status"] == "planned" and order["kind"] == "preventive"
    due = datetime.fromisoformat(order["due_at"])
    assert abs((due - (utcnow() + timedelta(days=2))).total_seconds()) < 120
    assert datetime.fromisoformat(order["window_end"]) - due == timedelta(days=1)
    assert [s["text"] for s in order["steps"]] == ["Clean nozzles", "Check vacuum"]

    # Operators may not schedule; a supervisor schedules a window tomorrow.
    start = _hour(utcnow() + timedelta(days=1))
    body = {"to": "scheduled", "scheduled_start": start.isoformat()}
    assert op.post(f"{API}/orders/{order['id']}/transition", json=body).status_code == 403
    order = _ok(sup.post(f"{API}/orders/{order['id']}/transition", json=body))
    assert datetime.fromisoformat(order["scheduled_end"]) == start + timedelta(minutes=90)

    # The window is planned downtime of the machine's line, through the one provider.
    line = world.line_ids["SMT-1"]
    db.add(
        ShiftCalendar(
            site_id=world.site_id,
            code="CAL",
            name="24/7",
            patterns=[
                ShiftPattern(
                    code="D", name="Day", start="00:00", end="00:00", weekdays=[0, 1, 2, 3, 4, 5, 6]
                )
            ],
        )
    )
    db.commit()
    window = TimeWindow(start - timedelta(hours=2), start + timedelta(hours=4))
    planned = WorkingTime.for_lines(db, [line]).planned([line], window)[line]
    stops = [p for p in planned.planned_stops if p.kind == "maintenance"]
    assert [(p.start, p.end) for p in stops] == [(start, start + timedelta(minutes=90))]
    spans = available_spans(planned, window.start)
    # Seconds from the window start: the machine's line works until 2 h, then from 3.5 h.
    assert spans[0] == (0, 2 * 3600) and spans[1][0] == 3.5 * 3600, spans
    other = world.line_ids["TEST-1"]
    assert not WorkingTime.for_lines(db, [other]).planned([other], window)[other].planned_stops

    # Work it: start, checklist, labour; done needs every step's result.
    oid = order["id"]
    order = _ok(op.post(f"{API}/orders/{oid}/transition", json={"to": "in_progress"}))
    s1, s2 = order["steps"]
    _ok(op.put(f"{API}/orders/{oid}/steps/{s1['id']}", json={"result": "ok"}))
    r = op.post(f"{API}/orders/{oid}/transition", json={"to": "done"})
    assert r.status_code == 409 and "[2]" in r.json()["detail"]
    _ok(op.put(f"{API}/orders/{oid}/steps/{s2['id']}", json={"result": "not_ok", "note": "low"}))
    order = _ok(op.post(f"{API}/orders/{oid}/labour", json={"who": "Kim", "minutes": 45}), 201)
    assert order["labour_min"] == 45 and order["labour"][0]["booked_by"] == "operator"
    order = _ok(op.post(f"{API}/orders/{oid}/transition", json={"to": "done"}))
    assert order["status"] == "done" and order["steps"][1]["note"] == "low"
    r = op.post(f"{API}/orders/{oid}/transition", json={"to": "cancelled"})
    assert r.status_code in (403, 409)
    assert mgr.post(f"{API}/orders/{oid}/transition", json={"to": "cancelled"}).status_code == 409

    # Done on time: compliance 1; the next order counts from the finish, not the plan.
    figs = _ok(mgr.get(f"{API}/figures", params={"to": (utcnow() + timedelta(days=5)).isoformat()}))
    assert figs["total"]["preventive_due"] == 1 and figs["total"]["compliance"] == 1.0
    assert figs["total"]["cmr"] == 0.0
    assert _ok(sup.post(f"{API}/generate"))["preventive"] == 0


def test_usage_plan_counts_producing_hours_and_units(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    sup = as_role["supervisor"]
    pnp = world.machine_ids["SMT-1-PNP1"]
    hours = _ok(
        sup.post(
            f"{API}/plans",
            json={
                "name": "Lube",
                "machine_kind": "pnp",
                "trigger": "usage",
                "usage_metric": "producing_hours",
                "usage_every": 10,
                "lead_days": 0,
            },
        ),
        201,
    )
    units = _ok(
        sup.post(
            f"{API}/plans",
            json={
                "name": "Feeder check",
                "machine_id": pnp,
                "trigger": "usage",
                "usage_metric": "units",
                "usage_every": 500,
                "lead_days": 0,
            },
        ),
        201,
    )
    for p in (hours, units):
        _age_plan(db, p["id"], 1)
    now = utcnow()
    db.add(
        StateInterval(
            machine_id=pnp,
            start=now - timedelta(hours=20),
            end=now - timedelta(hours=11),
            state="producing",
        )
    )
    db.add(
        CountEvent(
            machine_id=pnp,
            event_id="c1",
            ts=now - timedelta(hours=2),
            good=450,
            reject=40,
            rework=0,
        )
    )
    db.commit()
    # 9 h of 10 and 490 of 500 units: neither is due now (no lead time).
    assert _ok(sup.post(f"{API}/generate"))["preventive"] == 0
    db.add(
        StateInterval(
            machine_id=pnp,
            start=now - timedelta(hours=3),
            end=now - timedelta(hours=1),
            state="producing",
        )
    )
    db.add(
        CountEvent(
            machine_id=pnp, event_id="c2", ts=now - timedelta(hours=1), good=10, reject=0, rework=0
        )
    )
    db.commit()
    assert _ok(sup.post(f"{API}/generate"))["preventive"] == 2
    orders = _ok(sup.get(f"{API}/orders", params={"kind": "preventive"}))
    assert sorted(o["title"] for o in orders) == ["Feeder check", "Lube"]
    assert {o["machine_code"] for o in orders} == {"SMT-1-PNP1"}


def test_condition_plan_and_telemetry_series(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    sup, op = as_role["supervisor"], as_role["operator"]
    pnp = world.machine_ids["SMT-1-PNP1"]
    plan = _ok(
        sup.post(
            f"{API}/plans",
            json={
                "name": "Vacuum low",
                "machine_id": pnp,
                "trigger": "condition",
                "signal": "vacuum_kpa",
                "threshold": 60,
                "above": False,
            },
        ),
        201,
    )
    _age_plan(db, plan["id"], 1)  # samples count from the plan's start
    t0 = _hour(utcnow()) - timedelta(hours=2)
    for i in range(120):
        v = 80.0 - (25.0 if i >= 110 else 0.0) + (i % 3)
        db.add(
            TelemetrySample(
                machine_id=pnp,
                event_id=f"t{i}",
                ts=t0 + timedelta(minutes=i),
                signals={"vacuum_kpa": v, "temp_c": 40 + i / 10, "ok": True},
                units={"vacuum_kpa": "kPa"},
            )
        )
    db.commit()
    assert _ok(sup.post(f"{API}/generate"))["preventive"] == 1
    params = {
        "machine_id": pnp,
        "from": t0.isoformat(),
        "to": (t0 + timedelta(hours=2)).isoformat(),
        "buckets": 12,
    }
    s = _ok(op.get(f"{API}/telemetry", params=params))
    assert s["samples"] == 120 and not s["truncated"] and s["bucket_s"] == 600
    by = {x["signal"]: x for x in s["signals"]}
    assert set(by) == {"temp_c", "vacuum_kpa"}  # booleans are not charted
    assert by["vacuum_kpa"]["unit"] == "kPa"
    last = by["vacuum_kpa"]["buckets"][-1]
    assert last["n"] == 10 and last["min"] == 55.0 and last["max"] == 57.0
    assert by["vacuum_kpa"]["buckets"][-2]["min"] == 80.0
    assert len(by["temp_c"]["buckets"]) == 12
    # Area scoping: the operator's areas hold no ICT.
    ict = world.machine_ids["TEST-1-ICT"]
    assert op.get(f"{API}/telemetry", params={**params, "machine_id": ict}).status_code == 403


def test_corrective_from_long_down_stop_and_figures(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    sup, mgr = as_role["supervisor"], as_role["manager"]
    pnp = world.machine_ids["SMT-1-PNP1"]
    now = _hour(utcnow())
    start = now - timedelta(hours=10)
    rows = [  # minutes from start
        (0, 120, "producing", None),
        (120, 170, "down", "feeder_jam"),  # 50 min: a failure, opens a corrective order
        (170, 290, "producing", None),
        (290, 291, "down", "pick_error"),  # 1 min: a minor stop, not a failure
        (291, 411, "producing", None),
        (411, 431, "down", "vacuum"),  # 20 min: a failure, too short for an order
        (431, 471, "producing", None),
    ]
    for a, b, state, reason in rows:
        db.add(
            StateInterval(
                machine_id=pnp,
                start=start + timedelta(minutes=a),
                end=start + timedelta(minutes=b),
                state=state,
                reason=reason,
            )
        )
    db.commit()
    assert _ok(sup.post(f"{API}/generate"))["corrective"] == 1
    assert _ok(sup.post(f"{API}/generate"))["corrective"] == 0  # once per stop
    [c] = _ok(sup.get(f"{API}/orders", params={"kind": "corrective"}))
    assert c["stop_reason"] == "feeder_jam"
    assert datetime.fromisoformat(c["stop_start"]) == start + timedelta(minutes=120)
    # Work it for 30 minutes (start and finish set by hand: the clock does not wait).
    o = db.get(MaintenanceOrder, c["id"])
    assert o is not None
    o.status, o.started_at = "done", now - timedelta(hours=3)
    o.finished_at = now - timedelta(hours=2, minutes=30)
    db.commit()
    f = _ok(mgr.get(f"{API}/figures", params={"from": start.isoformat(), "to": now.isoformat()}))
    row = next(m for m in f["machines"] if m["machine_id"] == pnp)
    assert row["failures"] == 2
    producing_h = (120 + 120 + 120 + 40) / 60
    assert abs(row["producing_h"] - producing_h) < 1e-9
    assert abs(row["mtbf_h"] - producing_h / 2) < 1e-9
    assert abs(row["mttr_h"] - (70 / 60) / 2) < 1e-9
    assert row["mttr_orders_h"] == 0.5 and row["cmr"] == 1.0 and row["backlog"] == 0
    ict = next(m for m in f["machines"] if m["machine_id"] == world.machine_ids["TEST-1-ICT"])
    assert ict["mtbf_h"] is None and ict["failures"] == 0
    # An operator's own problem report is a corrective order in the backlog.
    op = as_role["operator"]
    _ok(op.post(f"{API}/orders", json={"machine_id": pnp, "title": "Noise at head 2"}), 201)
    f = _ok(op.get(f"{API}/figures"))
    assert f["total"]["backlog"] == 1 and [m["machine_code"] for m in f["machines"]] == [
        "SMT-1-PNP1"
    ]


def test_hostile_plans_and_orders_name_the_field(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    sup, op = as_role["supervisor"], as_role["operator"]
    pnp = world.machine_ids["SMT-1-PNP1"]
    cases = [
        ({"name": "x", "machine_id": pnp, "trigger": "time"}, "interval_days"),
        ({"name": "x", "trigger": "time", "interval_days": 1}, "machine_id"),
        (
            {"name": "x", "machine_kind": "no", "trigger": "time", "interval_days": 1},
            "machine_kind",
        ),
        ({"name": "x", "machine_id": pnp, "trigger": "usage", "usage_every": 3}, "usage_metric"),
        ({"name": "x", "machine_id": pnp, "trigger": "condition", "threshold": 1}, "signal"),
        ({"name": "x", "machine_id": pnp, "trigger": "time", "interval_days": -1}, "interval_days"),
        ({"name": "x", "machine_id": 99999, "trigger": "time", "interval_days": 1}, "machine_id"),
    ]
    for body, field in cases:
        r = sup.post(f"{API}/plans", json=body)
        assert r.status_code == 422, (body, r.text)
        assert field in r.text, (field, r.text)
    assert db.scalars(select(MaintenancePlan)).all() == []
    # A class-wide plan must stay inside a supervisor's areas (the ICT is in TEST).
    ict_plan = {"name": "x", "machine_kind": "ict", "trigger": "time", "interval_days": 1}
    assert sup.post(f"{API}/plans", json=ict_plan).status_code == 403
    assert as_role["manager"].post(f"{API}/plans", json=ict_plan).status_code == 201
    ict = world.machine_ids["TEST-1-ICT"]
    r = op.post(f"{API}/orders", json={"machine_id": ict, "title": "x"})
    assert r.status_code == 403
    o = _ok(op.post(f"{API}/orders", json={"machine_id": pnp, "title": "x"}), 201)
    r = op.put(f"{API}/orders/{o['id']}/steps/1", json={"result": "ok"})
    assert r.status_code == 409  # not in progress
    r = sup.post(f"{API}/orders/{o['id']}/transition", json={"to": "scheduled"})
    assert r.status_code == 422 and "scheduled_start" in r.text
    naive = datetime(2030, 1, 1, 8, 0).isoformat()
    r = sup.post(
        f"{API}/orders/{o['id']}/transition", json={"to": "scheduled", "scheduled_start": naive}
    )
    assert r.status_code == 422
    assert _ok(sup.get(f"{API}/orders/{o['id']}"))["status"] == "planned"


def test_the_periodic_job_is_registered(settings: Settings, engine: Engine, world: World) -> None:
    reg = job_registry(settings, make_session_factory(engine))
    assert service.GENERATE_KIND in reg.kinds
    assert reg.periodic["maintenance-generate"].kind == service.GENERATE_KIND
    # The weekly retraining leaves a planner's chosen baseline active (test_training.py).
    weekly = reg.periodic["maintenance-train"]
    assert (weekly.kind, weekly.args) == ("maintenance.train", {"scheduled": True})
    assert weekly.cron.expression == settings.maintenance_train_cron


def test_the_anomalies_route_replays_the_detector_on_request(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    """Samples stored without the ingest path (an import) have no live warnings; the
    route replays the detector over them. Live warnings: test_live_warnings.py."""
    sup, op = as_role["supervisor"], as_role["operator"]
    pnp = world.machine_ids["SMT-1-PNP1"]
    plan = _ok(
        sup.post(
            f"{API}/plans",
            json={"name": "Early warning", "machine_id": pnp, "trigger": "anomaly"},
        ),
        201,
    )
    _age_plan(db, plan["id"], 3)
    now = _hour(utcnow())
    start = now - timedelta(hours=30)
    n = 30 * 60
    for i in range(n):  # a minute apart; vacuum repeats a 7-minute pattern, then drops
        vacuum = 80.0 + (i % 7) if i < n - 20 else 50.0
        db.add(
            TelemetrySample(
                machine_id=pnp,
                event_id=f"a{i}",
                ts=start + timedelta(minutes=i),
                signals={"vacuum_kpa": vacuum, "temp_c": 40.0 + (i % 3)},
            )
        )
    db.commit()
    drop = start + timedelta(minutes=n - 20)
    warnings = _ok(op.get(f"{API}/anomalies", params={"machine_id": pnp}))
    assert [(datetime.fromisoformat(w["ts"]), w["signals"]) for w in warnings] == [
        (drop, ["vacuum_kpa"])
    ]
    # Anomaly plans act on stored warnings only (none here).
    assert _ok(sup.post(f"{API}/generate"))["preventive"] == 0
    ict = world.machine_ids["TEST-1-ICT"]
    assert op.get(f"{API}/anomalies", params={"machine_id": ict}).status_code == 403


def test_a_maintenance_window_is_planned_downtime_in_the_kpis_rollups_included(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    from zoneinfo import ZoneInfo

    from linewise.domains.performance.models import MachineDayRollup
    from linewise.domains.performance.refresher import refresh_sites

    pnp = world.machine_ids["SMT-1-PNP1"]
    db.add(
        ShiftCalendar(
            site_id=world.site_id,
            code="CAL",
            name="24/7",
            patterns=[
                ShiftPattern(
                    code="D", name="Day", start="00:00", end="00:00", weekdays=list(range(7))
                )
            ],
        )
    )
    zone = ZoneInfo("Europe/Berlin")
    today = utcnow().astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    d1 = today - timedelta(days=3)
    d2 = today - timedelta(days=1)  # two closed site-local days: d1 .. d2 (exclusive)
    ten, noon = d1 + timedelta(hours=10), d1 + timedelta(hours=12)
    db.add(StateInterval(machine_id=pnp, start=d1, end=ten, state="producing"))
    db.add(StateInterval(machine_id=pnp, start=ten, end=noon, state="down", reason="pm"))
    db.add(StateInterval(machine_id=pnp, start=noon, end=d2, state="producing"))
    db.commit()
    refresh_sites(db, utcnow())
    db.commit()
    assert db.scalars(select(MachineDayRollup).where(MachineDayRollup.machine_id == pnp)).all()
    mgr, sup = as_role["manager"], as_role["supervisor"]
    params = {"from": d1.isoformat(), "to": d2.isoformat()}
    before = _ok(mgr.get(f"/api/v1/kpi/machine/{pnp}", params=params))["time_elements_s"]
    assert before["pdot"] == 0 and before["adot"] + before["adet"] == 2 * 3600
    # A preventive order scheduled for two hours on the first day.
    o = _ok(sup.post(f"{API}/orders", json={"machine_id": pnp, "kind": "preventive", "title": "PM",
                                            "duration_min": 120}), 201)  # fmt: skip
    start = d1 + timedelta(hours=10)
    body = {"to": "scheduled", "scheduled_start": start.isoformat()}
    _ok(sup.post(f"{API}/orders/{o['id']}/transition", json=body))
    after = _ok(mgr.get(f"/api/v1/kpi/machine/{pnp}", params=params))["time_elements_s"]
    # The machine was down in the window: planned downtime now, not a loss.
    assert after["pdot"] == 2 * 3600 and after["adot"] + after["adet"] == 0
    assert after["pbt"] == before["pbt"] - 2 * 3600
    # Refilled day rollups count it the same way.
    db.commit()
    refresh_sites(db, utcnow())
    db.commit()
    assert db.scalars(select(MachineDayRollup).where(MachineDayRollup.machine_id == pnp)).all()
    refilled = _ok(mgr.get(f"/api/v1/kpi/machine/{pnp}", params=params))["time_elements_s"]
    assert refilled == after
    # Cancelling it gives the time back (the rollups are stale again).
    _ok(sup.post(f"{API}/orders/{o['id']}/transition", json={"to": "cancelled"}))
    db.commit()
    refresh_sites(db, utcnow())
    db.commit()
    again = _ok(mgr.get(f"/api/v1/kpi/machine/{pnp}", params=params))["time_elements_s"]
    assert again == before


def test_telemetry_retention_folds_old_samples_into_hours_the_chart_still_reads(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    from linewise.ingest import retention
    from linewise.ingest.models import TelemetryHourly

    pnp = world.machine_ids["SMT-1-PNP1"]
    now = _hour(utcnow())
    old = now - timedelta(days=100)
    for i, (ts, v) in enumerate(
        [(old + timedelta(minutes=5), 10.0), (old + timedelta(minutes=35), 20.0),
         (now - timedelta(days=1), 30.0)]
    ):  # fmt: skip
        db.add(TelemetrySample(machine_id=pnp, event_id=f"r{i}", ts=ts,
                               signals={"vacuum_kpa": v, "ok": True}))  # fmt: skip
    db.commit()
    report = retention.apply(db, now, raw_days=90)
    db.commit()
    assert (report.telemetry_rows, report.hourly_rows) == (2, 1)
    [row] = db.scalars(select(TelemetryHourly)).all()
    assert (row.hour, row.signal, row.samples, row.min, row.mean, row.max) == (
        old,
        "vacuum_kpa",
        2,
        10.0,
        15.0,
        20.0,
    )
    assert len(db.scalars(select(TelemetrySample)).all()) == 1
    # The chart reads the hour's aggregate beside the raw sample still kept.
    params = {"machine_id": pnp, "from": (old - timedelta(days=1)).isoformat(),
              "to": now.isoformat(), "buckets": 101}  # fmt: skip
    s = _ok(as_role["operator"].get(f"{API}/telemetry", params=params))
    [sig] = s["signals"]
    first, last = sig["buckets"][0], sig["buckets"][-1]
    assert (first["n"], first["min"], first["mean"], first["max"]) == (2, 10.0, 15.0, 20.0)
    assert (last["n"], last["mean"]) == (1, 30.0)


def test_the_demo_factory_comes_with_plans_that_generate_orders(db: Session) -> None:
    from linewise.demo.factory import build_factory
    from linewise.demo.load import load_factory

    spec = build_factory(utcnow())
    load_factory(db, spec, with_users=False)
    db.commit()
    kinds = {m.kind for line in spec.lines for m in line.machines}
    plans = db.scalars(select(MaintenancePlan)).all()
    assert {(p.machine_kind, p.trigger) for p in plans} == {
        (k, t) for k in kinds for t in ("time", "anomaly")
    }
    for p in plans:
        p.created_at = utcnow() - timedelta(days=12)
    db.commit()
    made = service.generate(db, utcnow(), 30)
    machines = sum(len(line.machines) for line in spec.lines)
    assert made.preventive == machines  # every machine's two-week plan is due in two days
