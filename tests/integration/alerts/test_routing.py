"""Alert routing on SQLite and PostgreSQL, with an injected clock: a burst becomes one
notice after the group wait, later alerts wait for the group interval, a group still
firing repeats; a line down inhibits its machines' alerts; silences and shelving keep
notices back until they end; escalation tells the next person; webhooks are signed
(checked by a real HTTP receiver); the ISA-18.2 figures; the new rule kinds."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.config import Settings
from linewise.core.time import utcnow
from linewise.domains.alerts import routing, service, webhooks
from linewise.domains.alerts.jobs import send_one
from linewise.domains.alerts.models import Alert, AlertRule, Notification
from linewise.domains.equipment.models import Machine
from linewise.ingest.models import QuarantinedEvent, StateEvent, StateInterval
from linewise.jobs.models import Job
from tests.conftest import World

API = "/api/v1"
T = service.Routing(recipients=("lead@plant.test",))  # 30 s, 5 min, 4 h


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def _fresh(db: Session) -> None:
    """See what the API committed: end the test's read snapshot, forget loaded rows."""
    db.commit()
    db.expire_all()


def _mails(db: Session) -> list[Notification]:
    return list(
        db.scalars(
            select(Notification).where(Notification.channel == "email").order_by(Notification.id)
        )
    )


def _rule(db: Session, kind: str = "machine_down", **kw: Any) -> AlertRule:
    values = dict(name=kind, kind=kind, severity="high", scope_kind="site",
                  threshold_minutes=5, enabled=True) | kw  # fmt: skip
    rule = AlertRule(**values)
    db.add(rule)
    db.commit()
    return rule


def _machines(db: Session, world: World, n: int) -> list[int]:
    """``n`` more machines on line SMT-1 (a burst needs several)."""
    line = world.line_ids["SMT-1"]
    first = db.query(Machine).count()
    rows = [
        Machine(line_id=line, code=f"SMT-1-M{first + i}", name=f"Oven {first + i}", kind="oven",
                position=10 + first + i)
        for i in range(n)
    ]  # fmt: skip
    db.add_all(rows)
    db.commit()
    return [m.id for m in rows]


def _down(db: Session, machine_id: int, start: datetime) -> StateInterval:
    row = StateInterval(machine_id=machine_id, start=start, end=None, state="down")
    db.add(row)
    db.commit()
    return row


def test_a_burst_is_one_notice_after_group_wait_then_interval_then_repeat(
    db: Session, world: World
) -> None:
    _rule(db)
    t0 = utcnow()
    burst = [world.machine_ids["SMT-1-PNP1"], *_machines(db, world, 2)]
    for m in burst:
        _down(db, m, t0 - timedelta(minutes=10))
    fired = service.evaluate(db, T, t0)
    db.commit()
    assert len(fired) == 3 and _mails(db) == []  # the group waits for the rest of the burst
    # The flush is a job at the end of the group wait.
    flush = db.scalars(select(Job).where(Job.kind == routing.FLUSH_KIND)).one()
    assert abs((flush.run_at - (t0 + timedelta(seconds=30))).total_seconds()) < 0.01
    service.evaluate(db, T, t0 + timedelta(seconds=29))
    assert _mails(db) == []
    service.evaluate(db, T, t0 + timedelta(seconds=30))
    db.commit()
    [notice] = _mails(db)
    assert notice.subject.endswith("(+2 more)") and notice.recipient == "lead@plant.test"
    assert notice.body_text.count("down longer than 5 min") == 3

    # A fourth alert of the group waits for the group interval after that notice.
    [late] = _machines(db, world, 1)
    _down(db, late, t0 - timedelta(minutes=5))
    t1 = t0 + timedelta(minutes=1)
    assert len(service.evaluate(db, T, t1)) == 1
    service.evaluate(db, T, t0 + timedelta(seconds=30 + 299))
    assert len(_mails(db)) == 1
    service.evaluate(db, T, t0 + timedelta(seconds=30 + 300))
    db.commit()
    assert len(_mails(db)) == 2 and _mails(db)[1].subject.endswith("(+3 more)")
    # Still firing four hours later: the repeat.
    last = t0 + timedelta(seconds=330)
    service.evaluate(db, T, last + timedelta(hours=4) - timedelta(seconds=1))
    assert len(_mails(db)) == 2
    service.evaluate(db, T, last + timedelta(hours=4))
    db.commit()
    assert len(_mails(db)) == 3


def test_a_line_down_inhibits_its_machines_alerts_until_it_clears(
    db: Session, world: World
) -> None:
    line_rule = _rule(db, "line_down", severity="critical")
    _rule(db)
    t0 = utcnow()
    machines = [world.machine_ids["SMT-1-PNP1"], *_machines(db, world, 2)]
    intervals = [_down(db, m, t0 - timedelta(minutes=10 - i)) for i, m in enumerate(machines)]
    service.evaluate(db, T, t0)
    db.commit()
    alerts = db.scalars(select(Alert).order_by(Alert.id)).all()
    [line] = [a for a in alerts if a.rule_id == line_rule.id]
    # The line's alert names the machine that went down first: the root cause.
    assert line.machine_id == machines[0] and "first: Pick&place 1" in line.message
    others = [a for a in alerts if a.id != line.id]
    assert len(others) == 3 and all(a.inhibited_by == line.id for a in others)
    service.evaluate(db, T, t0 + timedelta(seconds=30))
    db.commit()
    [notice] = _mails(db)
    assert notice.alert_id == line.id and "more" not in notice.subject  # only the line

    # One machine runs again: the line is no longer down, the machines' alerts are
    # released and notified (the one that runs again resolves).
    intervals[2].end = t0 + timedelta(minutes=1)
    db.add(StateInterval(machine_id=machines[2], start=intervals[2].end, state="producing"))
    db.commit()
    service.evaluate(db, T, t0 + timedelta(minutes=2))
    db.commit()
    db.refresh(line)
    assert line.state == "resolved"
    open_ = db.scalars(select(Alert).where(Alert.state == "firing")).all()
    assert len(open_) == 2 and all(a.inhibited_by is None for a in open_)
    service.evaluate(db, T, t0 + timedelta(minutes=2, seconds=30))
    db.commit()
    assert len(_mails(db)) == 2 and _mails(db)[1].subject.endswith("(+1 more)")


def test_a_silence_holds_notices_back_until_it_expires(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    rule = _rule(db)
    supervisor, operator = as_role["supervisor"], as_role["operator"]
    body = {"rule_id": rule.id, "comment": "oven maintenance", "minutes": 10}
    assert operator.post(f"{API}/alert-silences", json=body).status_code == 403
    bad = supervisor.post(f"{API}/alert-silences", json={"comment": "all", "minutes": 5})
    assert bad.status_code == 422 and "rule_id" in bad.text  # a silence needs a matcher
    silence = _ok(supervisor.post(f"{API}/alert-silences", json=body), 201)
    assert silence["active"] and silence["created_by"] == "supervisor"
    _fresh(db)

    t0 = utcnow()
    _down(db, world.machine_ids["SMT-1-PNP1"], t0 - timedelta(minutes=10))
    assert len(service.evaluate(db, T, t0)) == 1
    db.commit()
    service.evaluate(db, T, t0 + timedelta(minutes=5))
    db.commit()
    assert _mails(db) == []
    [listed] = _ok(supervisor.get(f"{API}/alerts"))
    assert listed["suppressed"] == "silenced"
    # Expired (its time is up): the next sweep groups it, the group wait later a notice.
    service.evaluate(db, T, t0 + timedelta(minutes=11))
    service.evaluate(db, T, t0 + timedelta(minutes=11, seconds=30))
    db.commit()
    assert len(_mails(db)) == 1
    # Expiring by hand ends it at once.
    expired = _ok(supervisor.post(f"{API}/alert-silences/{silence['id']}/expire"))
    assert not expired["active"]
    assert _ok(supervisor.get(f"{API}/alert-silences")) == []


def test_shelving_takes_one_alert_out_of_the_badge_and_notices(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    _rule(db)
    supervisor = as_role["supervisor"]
    t0 = utcnow()
    _down(db, world.machine_ids["SMT-1-PNP1"], t0 - timedelta(minutes=10))
    [alert] = service.evaluate(db, T, t0)
    db.commit()
    assert _ok(supervisor.get(f"{API}/alerts/open-count")) == {"firing": 1}
    no_comment = supervisor.post(f"{API}/alerts/{alert.id}/shelve", json={"minutes": 60})
    assert no_comment.status_code == 422 and "comment" in no_comment.text
    shelved = _ok(
        supervisor.post(f"{API}/alerts/{alert.id}/shelve", json={"minutes": 60, "comment": "known"})
    )
    assert shelved["shelved_by"] == "supervisor" and shelved["suppressed"] == "shelved"
    assert _ok(supervisor.get(f"{API}/alerts/open-count")) == {"firing": 0}
    _fresh(db)
    service.evaluate(db, T, t0 + timedelta(minutes=1))
    db.commit()
    assert _mails(db) == []
    unshelved = _ok(supervisor.post(f"{API}/alerts/{alert.id}/unshelve"))
    assert unshelved["suppressed"] is None
    assert _ok(supervisor.get(f"{API}/alerts/open-count")) == {"firing": 1}


def test_escalation_tells_the_next_person_until_acknowledged(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    rule = _rule(db)
    manager, supervisor = as_role["manager"], as_role["supervisor"]
    bad = manager.put(
        f"{API}/alert-escalations",
        json={"rule_id": rule.id, "steps": [{"after_minutes": 5, "username": "nobody"}]},
    )
    assert bad.status_code == 422 and "steps.0.username" in bad.text
    chain = {
        "rule_id": rule.id,
        "steps": [
            {"after_minutes": 10, "username": "supervisor"},
            {"after_minutes": 30, "username": "manager"},
        ],
    }
    assert supervisor.put(f"{API}/alert-escalations", json=chain).status_code == 403
    assert len(_ok(manager.put(f"{API}/alert-escalations", json=chain))) == 2
    for client, address in ((supervisor, "sv@plant.test"), (manager, "mgr@plant.test")):
        _ok(client.put(f"{API}/alert-preferences/me", json={"email": address}))
    _fresh(db)

    t0 = utcnow()
    _down(db, world.machine_ids["SMT-1-PNP1"], t0 - timedelta(minutes=10))
    [alert] = service.evaluate(db, T, t0)
    db.commit()
    step = db.scalars(select(Job).where(Job.kind == routing.ESCALATE_KIND)).one()
    assert step.args == {"alert_id": alert.id, "level": 0}
    assert abs((step.run_at - (t0 + timedelta(minutes=10))).total_seconds()) < 0.01
    assert routing.escalate(db, alert.id, 0, t0 + timedelta(minutes=10)) == "sv@plant.test"
    db.commit()
    assert [m.recipient for m in _mails(db) if "ESCALATED" in m.subject] == ["sv@plant.test"]
    assert db.scalars(select(Job).where(Job.kind == routing.ESCALATE_KIND)).all()[1].args == {
        "alert_id": alert.id,
        "level": 1,
    }
    # A replayed step does nothing; once acknowledged the chain stops.
    assert routing.escalate(db, alert.id, 0, t0 + timedelta(minutes=11)) is None
    _ok(supervisor.post(f"{API}/alerts/{alert.id}/acknowledge", json={"comment": "on it"}))
    _fresh(db)
    assert routing.escalate(db, alert.id, 1, t0 + timedelta(minutes=30)) is None


class Receiver:
    """A real HTTP endpoint that checks the signature as a receiver would."""

    def __init__(self, secret: str, fail_first: int) -> None:
        self.secret, self.fail_left = secret, fail_first
        self.bodies: list[dict[str, Any]] = []
        self.verified: list[bool] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                ts = int(self.headers[webhooks.TIMESTAMP_HEADER])
                sig = self.headers[webhooks.SIGNATURE_HEADER]
                owner.verified.append(
                    webhooks.verify(owner.secret, ts, raw, sig, utcnow().timestamp())
                )
                status = 200
                if owner.fail_left > 0:
                    owner.fail_left -= 1
                    status = 503
                else:
                    owner.bodies.append(json.loads(raw))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver("s3cret", fail_first=1)
    r.thread.start()
    try:
        yield r
    finally:
        r.server.shutdown()


def test_webhooks_are_signed_retried_and_templated(
    db: Session,
    world: World,
    as_role: dict[str, TestClient],
    settings: Settings,
    receiver: Receiver,
) -> None:
    manager = as_role["manager"]
    bad = manager.post(
        f"{API}/alert-webhooks",
        json={"name": "x", "url": receiver.url, "secret": "k", "body_template": '{"a": {{nope}}}'},
    )
    assert bad.status_code == 422 and "body_template" in bad.text
    hook = _ok(
        manager.post(
            f"{API}/alert-webhooks",
            json={"name": "chat", "kind": "chat", "url": receiver.url, "secret": "s3cret"},
        ),
        201,
    )
    assert "secret" not in hook and "{{subject}}" in hook["body_template"]
    assert as_role["supervisor"].get(f"{API}/alert-webhooks").status_code == 403
    _rule(db, severity="critical")
    t0 = utcnow()
    _down(db, world.machine_ids["SMT-1-PNP1"], t0 - timedelta(minutes=10))
    service.evaluate(db, T, t0)
    service.evaluate(db, T, t0 + timedelta(seconds=30))
    db.commit()
    row = db.scalars(select(Notification).where(Notification.channel == "webhook")).one()
    job = db.scalars(
        select(Job).where(Job.idempotency_key == routing.notification_key(row.id))
    ).one()
    assert job.max_attempts == routing.WEBHOOK_ATTEMPTS
    # The receiver refuses the first delivery: the send raises (the queue retries it).
    with pytest.raises(httpx.HTTPStatusError):
        send_one(db, settings, row.id)
    db.rollback()
    assert send_one(db, settings, row.id) is True
    db.commit()
    assert receiver.verified == [True, True]
    [body] = receiver.bodies
    assert body["text"].startswith("*[critical] Pick&place 1 down")
    assert send_one(db, settings, row.id) is False  # sent once
    # A forged or stale signature does not verify.
    raw = b'{"text": "x"}'
    now = int(utcnow().timestamp())
    assert not webhooks.verify("s3cret", now, raw, webhooks.sign("other", now, raw), now)
    assert not webhooks.verify(
        "s3cret", now - 600, raw, webhooks.sign("s3cret", now - 600, raw), now
    )


def test_preferences_route_notices_to_people_on_call_outside_quiet_hours(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    supervisor = as_role["supervisor"]
    bad = supervisor.put(f"{API}/alert-preferences/me", json={"quiet_start": "25:99"})
    assert bad.status_code == 422 and "quiet_start" in bad.text
    smt = world.area_ids["SMT"]
    pref = {"email": "sv@plant.test", "channels": ["email", "in_app"],
            "on_call_area_ids": [smt], "sound": True}  # fmt: skip
    _ok(supervisor.put(f"{API}/alert-preferences/me", json=pref))
    assert _ok(supervisor.get(f"{API}/alert-preferences/me"))["sound"] is True
    _fresh(db)
    rule = _rule(db)
    t0 = utcnow()
    _down(db, world.machine_ids["SMT-1-PNP1"], t0 - timedelta(minutes=10))
    [alert] = service.evaluate(db, service.Routing(), t0)
    db.commit()
    assert routing.people_for(db, alert, t0) == ["sv@plant.test"]
    # Quiet all day (00:00-23:59 site time): a high alert is held, a critical one is not.
    _ok(
        supervisor.put(
            f"{API}/alert-preferences/me",
            json=pref | {"quiet_start": "00:00", "quiet_end": "23:59"},
        )
    )
    _fresh(db)
    noon = t0.replace(hour=11, minute=0)  # 12:00 CET / 13:00 CEST: inside quiet hours
    assert routing.people_for(db, alert, noon) == []
    alert.severity = rule.severity = "critical"
    assert routing.people_for(db, alert, noon) == ["sv@plant.test"]
    db.rollback()


def test_isa_figures_flood_top10_chattering_stale(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    rule = _rule(db)
    now = utcnow()
    m = world.machine_ids["SMT-1-PNP1"]
    smt = world.area_ids["SMT"]
    # A flood: 12 alerts in three minutes, one subject firing 3 times (chattering), and
    # one alert open for two days (stale).
    rows = [
        Alert(rule_id=rule.id, machine_id=m, area_id=smt, severity="high", state="resolved",
              message=f"a{i}", fired_at=now - timedelta(minutes=3) + timedelta(seconds=15 * i),
              open_key=None, subject_name=f"s{i % 11}")
        for i in range(12)
    ]  # fmt: skip
    rows.append(
        Alert(rule_id=rule.id, machine_id=m, area_id=smt, severity="high", state="firing",
              message="old", fired_at=now - timedelta(hours=48), open_key="x:old")
    )  # fmt: skip
    db.add_all(rows)
    db.commit()
    body = _ok(as_role["supervisor"].get(f"{API}/alerts/figures?hours=24&operators=2"))
    assert body["total"] == 12 and body["max_per_10min"] == 12
    assert body["flood_share"] == pytest.approx(1 / 144) and body["in_flood_now"] is True
    assert body["per_operator_per_10min"] == pytest.approx(12 / 144 / 2)
    # 11 subjects, s0 twice: the 10 most frequent raised 11 of the 12.
    assert body["top10_share"] == pytest.approx(11 / 12)
    assert [s["message"] for s in body["stale"]] == ["old"]
    assert len(body["buckets"]) == 144 and sum(b["count"] for b in body["buckets"]) == 12
    assert body["chattering"] == []  # no pair fired 3 times yet
    db.add_all(
        Alert(rule_id=rule.id, machine_id=m, area_id=smt, severity="high", state="resolved",
              message="c", fired_at=now - timedelta(minutes=2), subject_name="s0")
        for _ in range(1)
    )  # fmt: skip
    db.commit()
    body = _ok(as_role["supervisor"].get(f"{API}/alerts/figures"))
    assert body["chattering"] == [{"rule_id": rule.id, "subject": "s0", "count": 3}]


def test_no_data_and_quarantine_rules_and_their_validation(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    manager = as_role["manager"]
    need = manager.post(
        f"{API}/alert-rules",
        json={"name": "q", "kind": "quarantine_filling", "severity": "medium",
              "threshold_minutes": 10},
    )  # fmt: skip
    assert need.status_code == 422 and "target" in need.text
    over = manager.post(
        f"{API}/alert-rules",
        json={"name": "a", "kind": "availability_below", "severity": "medium",
              "threshold_minutes": 60, "target": 120},
    )  # fmt: skip
    assert over.status_code == 422 and "target" in over.text
    _ok(
        manager.post(
            f"{API}/alert-rules",
            json={"name": "q", "kind": "quarantine_filling", "severity": "medium",
                  "threshold_minutes": 10, "target": 2},
        ),
        201,
    )  # fmt: skip
    _ok(
        manager.post(
            f"{API}/alert-rules",
            json={"name": "silent", "kind": "no_data", "severity": "low",
                  "threshold_minutes": 15},
        ),
        201,
    )  # fmt: skip
    _fresh(db)
    now = utcnow()
    pnp, ict = world.machine_ids["SMT-1-PNP1"], world.machine_ids["TEST-1-ICT"]
    db.add_all(
        [
            StateEvent(machine_id=pnp, event_id="e1", ts=now - timedelta(minutes=20), state="run"),
            StateEvent(machine_id=ict, event_id="e2", ts=now - timedelta(minutes=2), state="run"),
            *[
                QuarantinedEvent(received_at=now - timedelta(minutes=i), source="gw",
                                 payload="{}", reason="bad")
                for i in range(3)
            ],
        ]
    )  # fmt: skip
    db.commit()
    fired = service.evaluate(db, T, now)
    db.commit()
    by_kind = {a.message: a for a in fired}
    assert set(by_kind) == {
        "Pick&place 1: no data for 15 min",
        "ingest quarantine (3): more than 2.0 events in 10 min",
    }
    quarantine = by_kind["ingest quarantine (3): more than 2.0 events in 10 min"]
    assert quarantine.machine_id is None and quarantine.area_id is None
    # A site-wide alert is listed for an area-scoped operator too.
    listed = _ok(as_role["operator"].get(f"{API}/alerts"))
    assert {a["subject_name"] for a in listed} == {"Pick&place 1", quarantine.subject_name}


def test_material_below_its_level_fires_and_resolves_when_restocked(db: Session) -> None:
    from linewise.domains.inventory.models import Material, StockLevel

    _rule(db, "material_below", target=100.0, threshold_minutes=0)
    solder = Material(code="SOLDER-1", name="Solder paste")
    stencil = Material(code="STENCIL-1", name="Stencil")
    db.add_all([solder, stencil])
    db.flush()
    low = StockLevel(material_id=solder.id, quantity=40.0)
    db.add_all([low, StockLevel(material_id=stencil.id, quantity=500.0)])
    db.commit()
    now = utcnow()
    [alert] = service.evaluate(db, T, now)
    assert alert.message == "Material SOLDER-1 (40) below 100.0" and alert.area_id is None
    db.commit()
    low.quantity = 250.0
    db.commit()
    assert service.evaluate(db, T, now + timedelta(minutes=1)) == []
    db.commit()
    db.refresh(alert)
    assert alert.state == "resolved" and alert.resolved_by == "system"
