"""Idle time over the API, on SQLite and PostgreSQL, against hand-built state intervals:
minutes by cause, utilization, release-to-first-start, scoping, risks and suggestions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from linewise.allocation.risk import FLAG_ABOVE, Snapshot, shipped_model
from linewise.config import Settings
from linewise.core.db import make_session_factory
from linewise.core.time import utcnow
from linewise.domains.alerts import service as alerts
from linewise.domains.alerts.models import AlertRule
from linewise.domains.equipment.models import Area
from linewise.domains.idle import service
from linewise.domains.idle.models import IdleRisk
from linewise.domains.people.models import Operator, ShiftCalendar, ShiftPattern
from linewise.domains.production.models import OrderOperation, ProductionOrder
from linewise.ingest.models import StateInterval
from linewise.jobs import enqueue
from linewise.jobs.worker import Worker
from linewise.server.jobs import job_registry
from tests.conftest import World

API = "/api/v1"
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday, long past


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def _at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _intervals(db: Session, machine_id: int) -> None:
    rows = [
        (-30, 30, "producing", None),  # 30 minutes inside the window
        (30, 45, "idle", "starved"),
        (45, 65, "down", "pnp_fault"),
        (65, 75, "planned_stop", "break"),  # neither idle nor available
        (75, 80, "idle", "material_late"),
        (80, 90, "setup", "changeover"),
        (90, None, "idle", "waiting_for_setup"),  # still open: clipped at the window end
    ]
    for a, b, state, reason in rows:
        db.add(
            StateInterval(
                machine_id=machine_id,
                start=_at(a),
                end=_at(b) if b is not None else None,
                state=state,
                reason=reason,
            )
        )
    db.commit()


def test_idle_minutes_by_cause_and_utilization(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    machine = world.machine_ids["SMT-1-PNP1"]
    _intervals(db, machine)
    order = ProductionOrder(
        number="PO-1",
        product_id=world.product_id,
        quantity=10,
        release_date=_at(10),
        due_date=_at(900),
    )
    order.operations = [
        OrderOperation(
            seq=1,
            name="SMT",
            work_center_type="SMT",
            quantity=10,
            line_id=world.line_ids["SMT-1"],
            started_at=_at(52),
        )
    ]
    db.add(order)
    db.commit()
    q = {"from": T0.isoformat(), "to": _at(120).isoformat()}
    body = _ok(as_role["manager"].get(f"{API}/idle/line/{world.line_ids['SMT-1']}", params=q))
    (row,) = body["machines"]
    assert row["machine_code"] == "SMT-1-PNP1"
    causes = row["by_cause"]
    assert causes["starved"] == pytest.approx(15)
    assert causes["machine_down"] == pytest.approx(20)
    assert causes["no_material"] == pytest.approx(5)
    assert causes["waiting_for_setup"] == pytest.approx(30)
    assert causes["no_assignment"] == causes["blocked"] == causes["no_order"] == 0
    assert row["idle_minutes"] == pytest.approx(70)
    assert row["producing_minutes"] == pytest.approx(30)
    assert row["setup_minutes"] == pytest.approx(10)
    assert row["available_minutes"] == pytest.approx(110)
    assert row["utilization"] == pytest.approx(30 / 110, abs=1e-4)
    assert body["idle_minutes"] == pytest.approx(70)
    assert body["window"]["timezone"] == "Europe/Berlin"
    (release,) = body["release_to_start"]
    assert release["number"] == "PO-1" and release["minutes"] == pytest.approx(42)


def test_a_day_window_and_scoping(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    _intervals(db, world.machine_ids["SMT-1-PNP1"])
    day = _ok(
        as_role["supervisor"].get(f"{API}/idle/site/{world.site_id}", params={"day": "2026-03-02"})
    )
    # the supervisor's areas are SMT only; the open interval runs to the end of the day
    assert [m["machine_code"] for m in day["machines"]] == ["SMT-1-PNP1"]
    assert day["scope"]["restricted_to_areas"] == [world.area_ids["SMT"]]
    end_of_day = datetime(2026, 3, 2, 23, 0, tzinfo=UTC)  # midnight in Berlin
    waiting = (end_of_day - _at(90)).total_seconds() / 60
    assert day["machines"][0]["by_cause"]["waiting_for_setup"] == pytest.approx(waiting)
    r = as_role["supervisor"].get(f"{API}/idle/line/{world.line_ids['TEST-1']}")
    assert r.status_code == 403
    assert as_role["operator"].get(f"{API}/idle/site/{world.site_id}").status_code == 403
    r = as_role["manager"].get(f"{API}/idle/site/{world.site_id}", params={"week": "2026-10"})
    assert r.status_code == 422 and "week" in r.text


def test_risks_are_refreshed_flagged_and_suggest_a_move(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    now = utcnow()
    down, running = world.machine_ids["SMT-1-PNP1"], world.machine_ids["TEST-1-ICT"]
    db.add(StateInterval(machine_id=down, start=now - timedelta(minutes=40), state="down"))
    db.add(StateInterval(machine_id=running, start=now - timedelta(minutes=50), state="producing"))
    smt = db.get(Area, world.area_ids["SMT"])
    db.add(Operator(code="OP-1", name="Ada", skills=["smt_operator"], areas=[smt]))
    # first in line, but their shift does not run now (no calendar has it)
    db.add(Operator(code="OP-0", name="Bo", skills=["smt_operator"], areas=[smt], shift_code="Z"))
    db.commit()
    service.refresh(db, now)
    db.commit()
    body = _ok(as_role["manager"].get(f"{API}/idle/risks"))
    assert body["flag_above"] == FLAG_ABOVE
    by_code = {r["machine_code"]: r for r in body["items"]}
    model = shipped_model()
    expected = model.risk(Snapshot("down", 40.0, 40 / 60, None, None), 15)
    assert by_code["SMT-1-PNP1"]["risk_15"] == pytest.approx(expected, abs=1e-3)
    assert by_code["SMT-1-PNP1"]["risk_15"] > by_code["TEST-1-ICT"]["risk_15"]
    assert by_code["SMT-1-PNP1"]["flagged"] == (expected > FLAG_ABOVE)
    assert by_code["TEST-1-ICT"]["flagged"] is False
    suggestions = _ok(as_role["manager"].get(f"{API}/idle/suggestions"))
    assert suggestions["accept_available"] is True  # managers may write allocations
    assert [(m["operator"], m["to_station"]) for m in suggestions["moves"]] == [("OP-1", "SMT-1")]
    assert suggestions["moves"][0]["gain_min"] > 0


def test_the_worker_runs_the_minute_job_and_a_quiet_refresh_writes_nothing(
    db: Session, world: World, engine: Engine
) -> None:
    factory = make_session_factory(engine)
    registry = job_registry(Settings(database_url="sqlite://"), factory)
    assert registry.periodic["idle-risk"].cron.expression == "* * * * *"
    assert registry.periodic["idle-risk"].kind == service.KIND
    off = job_registry(Settings(database_url="sqlite://", idle_risk_cron=""), factory)
    assert "idle-risk" not in off.periodic and service.KIND in off.kinds
    now = utcnow()
    db.add(
        StateInterval(
            machine_id=world.machine_ids["SMT-1-PNP1"],
            start=now - timedelta(minutes=30),
            state="idle",
            reason="no_order",
        )
    )
    db.add(
        StateInterval(
            machine_id=world.machine_ids["TEST-1-ICT"],
            start=now - timedelta(hours=2),
            state="planned_stop",
            reason="no_shift",
        )
    )
    enqueue(db, service.KIND)
    db.commit()
    assert Worker(factory, registry, queues=["default"]).run_once() == 1
    db.expire_all()
    rows = {r.machine_id: r for r in db.scalars(select(IdleRisk))}
    assert set(rows) == set(world.machine_ids.values())
    idle = rows[world.machine_ids["SMT-1-PNP1"]]
    assert idle.state == "idle" and idle.flagged
    assert not rows[world.machine_ids["TEST-1-ICT"]].flagged
    # the ICT is off shift: its risk does not change from one minute to the next
    quiet = rows[world.machine_ids["TEST-1-ICT"]]
    first = quiet.computed_at
    service.refresh(db, utcnow() + timedelta(minutes=1))
    db.commit()
    db.refresh(quiet)
    assert quiet.computed_at == first


def test_an_idle_risk_alert_rule_fires_for_a_flagged_machine(db: Session, world: World) -> None:
    now = utcnow()
    down = world.machine_ids["SMT-1-PNP1"]
    db.add(StateInterval(machine_id=down, start=now - timedelta(minutes=40), state="down"))
    db.add(
        StateInterval(
            machine_id=world.machine_ids["TEST-1-ICT"],
            start=now - timedelta(minutes=40),
            state="producing",
        )
    )
    db.add(
        AlertRule(
            name="Idle soon",
            kind="idle_risk",
            severity="medium",
            scope_kind="site",
            threshold_minutes=0,
            enabled=True,
        )
    )
    db.commit()
    assert service.refresh(db, now) == 1
    [alert] = alerts.evaluate(db, [], now)
    assert alert.machine_id == down
    assert "idle risk above 80 %" in alert.message


def test_the_next_planned_stop_comes_from_the_line_calendar(db: Session, world: World) -> None:
    calendar = ShiftCalendar(code="CAL", name="Day shift", site_id=world.site_id)
    calendar.patterns = [
        ShiftPattern(
            code="A",
            name="Early",
            start="06:00",
            end="14:00",
            weekdays=[0, 1, 2, 3, 4, 5, 6],
            breaks=[{"start": "10:00", "minutes": 30}],
        )
    ]
    db.add(calendar)
    db.commit()
    line = world.line_ids["SMT-1"]
    # 09:50 in Berlin (UTC+1 in March): the break starts in 10 minutes
    now = datetime(2026, 3, 2, 8, 50, tzinfo=UTC)
    assert service.next_planned_stops(db, {line}, now) == {line: now + timedelta(minutes=10)}
    # 13:20: the shift ends in 40 minutes; at 05:00 no stop comes within the hour
    later = datetime(2026, 3, 2, 12, 20, tzinfo=UTC)
    assert service.next_planned_stops(db, {line}, later) == {line: later + timedelta(minutes=40)}
    assert service.next_planned_stops(db, {line}, datetime(2026, 3, 2, 4, tzinfo=UTC)) == {}
    db.add(
        StateInterval(
            machine_id=world.machine_ids["SMT-1-PNP1"],
            start=now - timedelta(hours=1),
            state="producing",
        )
    )
    db.commit()
    snap = service.snapshots(db, now)[world.machine_ids["SMT-1-PNP1"]]
    assert snap.minutes_to_planned_stop == pytest.approx(10)
    assert snap.state == "producing" and snap.minutes_in_state == pytest.approx(60)
