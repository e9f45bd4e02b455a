"""The alert rule on the live detector's warnings, on SQLite and PostgreSQL: one alert
per warning episode. Later alarms joining the episode raise nothing new, nor does a
person resolving the alert while the warning is still open; acknowledging the warning
resolves the alert, and the machine's next episode raises a new one."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.core.time import utcnow
from linewise.domains.alerts import service as alerts
from linewise.domains.alerts.models import Alert
from linewise.domains.maintenance import service as maintenance
from linewise.domains.maintenance.models import AnomalyWarning
from tests.conftest import World


def _warning(db: Session, machine_id: int, minutes_ago: float, signals: list[str]) -> int:
    at = utcnow() - timedelta(minutes=minutes_ago)
    w = AnomalyWarning(machine_id=machine_id, started_at=at, last_at=at, score=0.97,
                       signals=signals, alarms=1, status="open")  # fmt: skip
    db.add(w)
    db.commit()
    return w.id


def _evaluate(db: Session) -> list[tuple[str, str]]:
    alerts.evaluate(db, "lead")
    db.commit()
    return sorted((a.message, a.state) for a in db.scalars(select(Alert).order_by(Alert.id)))


def test_one_alert_per_warning_episode(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    body = {"name": "Drift", "kind": "maintenance_warning", "severity": "high",
            "scope_kind": "area", "scope_id": world.area_ids["SMT"],
            "threshold_minutes": 5}  # fmt: skip
    r = as_role["manager"].post("/api/v1/alert-rules", json=body)
    assert r.status_code == 201, r.text
    pnp, ict = world.machine_ids["SMT-1-PNP1"], world.machine_ids["TEST-1-ICT"]
    first = _warning(db, pnp, 10, ["spindle_temp"])
    second_id = _warning(db, pnp, 1, ["vacuum_kpa"])  # open one minute: under the rule's 5
    _warning(db, ict, 30, ["probe_force"])  # another area: out of the rule's scope
    fired = [("Warning: anomaly in spindle_temp on Pick&place 1", "firing")]
    assert _evaluate(db) == fired
    # More alarms join the episode: the same alert, nothing new.
    w = db.get(AnomalyWarning, first)
    assert w is not None
    w.alarms, w.last_at, w.signals = 5, utcnow(), ["spindle_temp", "spindle_vib"]
    db.commit()
    assert _evaluate(db) == fired
    assert _evaluate(db) == fired
    # A person resolves the alert while the warning stays open: not raised again.
    [alert] = db.scalars(select(Alert)).all()
    alerts.resolve(db, alert, "supervisor")
    db.commit()
    assert _evaluate(db) == [("Warning: anomaly in spindle_temp on Pick&place 1", "resolved")]
    # The second warning has been open long enough now: its own alert.
    second = db.get(AnomalyWarning, second_id)
    assert second is not None
    second.started_at = utcnow() - timedelta(minutes=6)
    db.commit()
    assert _evaluate(db) == [
        ("Warning: anomaly in spindle_temp on Pick&place 1", "resolved"),
        ("Warning: anomaly in vacuum_kpa on Pick&place 1", "firing"),
    ]
    # Acknowledged on the Maintenance page: its alert resolves (by the system).
    acknowledged = db.get(AnomalyWarning, second_id)
    assert acknowledged is not None
    maintenance.acknowledge(acknowledged, "supervisor")
    db.commit()
    assert _evaluate(db) == [
        ("Warning: anomaly in spindle_temp on Pick&place 1", "resolved"),
        ("Warning: anomaly in vacuum_kpa on Pick&place 1", "resolved"),
    ]
    # The machine's next episode: a new alert.
    _warning(db, pnp, 8, ["spindle_temp"])
    assert [m for m, s in _evaluate(db) if s == "firing"] == [
        "Warning: anomaly in spindle_temp on Pick&place 1"
    ]
    assert len(db.scalars(select(Alert)).all()) == 3
