"""Alerting end to end on SQLite and PostgreSQL: a machine down longer than a rule's
threshold fires one alert, whose e-mail reaches a real SMTP server once; acknowledge
with a comment; the alert resolves itself when the machine runs again."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from linewise.config import Settings
from linewise.core.db import make_session_factory
from linewise.core.time import utcnow
from linewise.domains.accounts.models import ApiKeyScope
from linewise.domains.accounts.service import create_api_key
from linewise.domains.alerts import service
from linewise.domains.alerts.jobs import send_one
from linewise.domains.alerts.models import Alert, AlertRule, Notification
from linewise.ingest.models import StateInterval
from linewise.jobs.models import Job
from linewise.server.jobs import make_worker
from tests.conftest import World
from tests.services import wait_until

API = "/api/v1"
# No group wait: these tests are about one alert's path, grouping has tests of its own.
LEAD = service.Routing(recipients=("lead@plant.test",), group_wait=timedelta(0))


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    with socket.socket() as probe:  # a free port: the controller checks it by connecting
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def _go_down(db: Session, machine_id: int, minutes_ago: float) -> StateInterval:
    start = utcnow() - timedelta(minutes=minutes_ago)
    row = StateInterval(machine_id=machine_id, start=start, end=None, state="down", fault="E42")
    db.add(row)
    db.commit()
    return row


def test_machine_down_fires_once_mails_acknowledges_and_resolves(
    db: Session,
    world: World,
    as_role: dict[str, TestClient],
    settings: Settings,
    smtp: tuple[Inbox, int],
) -> None:
    inbox, port = smtp
    settings = settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "alerts_email_to": "lead@plant.test",
            "jobs_workers": 1,  # the server's own workers run the evaluator and sender
        }
    )
    manager, supervisor = as_role["manager"], as_role["supervisor"]
    machine = world.machine_ids["SMT-1-PNP1"]
    rule = _ok(
        manager.post(
            f"{API}/alert-rules",
            json={"name": "PNP down", "kind": "machine_down", "severity": "high",
                  "scope_kind": "line", "scope_id": world.line_ids["SMT-1"],
                  "threshold_minutes": 10},
        ),
        201,
    )  # fmt: skip
    # A supervisor may not write rules; a rule naming an unknown line is refused by field.
    body = {k: v for k, v in rule.items() if k != "id"}
    assert supervisor.post(f"{API}/alert-rules", json=body).status_code == 403
    bad = manager.post(
        f"{API}/alert-rules",
        json={"name": "x", "kind": "machine_down", "severity": "low", "scope_kind": "line",
              "scope_id": 999999, "threshold_minutes": 5},
    )  # fmt: skip
    assert bad.status_code == 422 and "scope_id" in bad.text

    # Down for 5 minutes: under the threshold, nothing fires.
    interval = _go_down(db, machine, 5)
    assert service.evaluate(db, LEAD) == []
    db.commit()
    # Down for 12 minutes: one alert; evaluating again (the next minute) adds none.
    interval.start = utcnow() - timedelta(minutes=12)
    db.commit()
    worker = make_worker(settings, make_session_factory(db.get_bind()), concurrency=1)  # type: ignore[arg-type]
    for _ in range(2):
        service.evaluate(db, LEAD)
        db.commit()
    alerts = db.scalars(select(Alert)).all()
    assert len(alerts) == 1 and alerts[0].state == "firing" and alerts[0].severity == "high"
    assert "Pick&place 1" in alerts[0].message
    assert _ok(supervisor.get(f"{API}/alerts/open-count")) == {"firing": 1}

    # The outbox: one in-app row and one e-mail row, each with its job; the worker sends.
    assert db.scalar(select(func.count()).select_from(Notification)) == 2
    assert db.scalar(select(func.count()).select_from(Job).where(Job.kind == "alerts.notify")) == 2
    while worker.run_once():
        pass
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert mail["To"] == "lead@plant.test" and "Pick&place 1" in mail["Subject"]
    parts = {p.get_content_type(): p.get_payload(decode=True) for p in mail.walk()}
    assert b"Pick&amp;place 1" in parts["text/html"] and b"CET" in parts["text/plain"]
    db.rollback()  # end the test's read transaction: see the worker's commits
    assert all(n.sent_at is not None for n in db.scalars(select(Notification)))
    # The same outbox row is never sent twice: a replayed job finds it sent.
    email_row = db.scalars(select(Notification).where(Notification.channel == "email")).one()
    with make_session_factory(db.get_bind())() as s, s.begin():  # type: ignore[arg-type]
        assert send_one(s, settings, email_row.id) is False
    assert len(inbox.messages) == 1

    # Acknowledge with a comment: a comment is required, an operator may not.
    alert_id = alerts[0].id
    empty = supervisor.post(f"{API}/alerts/{alert_id}/acknowledge", json={"comment": ""})
    assert empty.status_code == 422 and "comment" in empty.text
    assert (
        as_role["operator"]
        .post(f"{API}/alerts/{alert_id}/acknowledge", json={"comment": "x"})
        .status_code
        == 403
    )
    acked = _ok(
        supervisor.post(
            f"{API}/alerts/{alert_id}/acknowledge", json={"comment": "technician on the way"}
        )
    )
    assert acked["state"] == "acknowledged" and acked["ack_comment"] == "technician on the way"
    assert acked["acknowledged_by"] == "supervisor"
    assert _ok(supervisor.get(f"{API}/alerts/open-count")) == {"firing": 0}

    # The machine runs again: the next evaluation resolves the alert by itself.
    db.rollback()
    down = db.get(StateInterval, interval.id)
    assert down is not None
    down.end = utcnow()
    db.add(StateInterval(machine_id=machine, start=down.end, end=None, state="producing"))
    db.commit()
    service.evaluate(db, LEAD)
    db.commit()
    resolved = _ok(supervisor.get(f"{API}/alerts", params={"state": "resolved"}))
    assert [(a["id"], a["resolved_by"]) for a in resolved] == [(alert_id, "system")]
    assert _ok(supervisor.get(f"{API}/alerts")) == []
    # Audited: the alert's changes are in the audit trail.
    trail = _ok(as_role["manager"].get(f"{API}/audit", params={"entity": "alerts"}))
    assert {r["action"] for r in trail["items"]} >= {"create", "update"}


def test_resolve_by_hand_and_fire_again(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    manager = as_role["manager"]
    _ok(
        manager.post(
            f"{API}/alert-rules",
            json={"name": "Any stop without reason", "kind": "stop_without_reason",
                  "severity": "medium", "threshold_minutes": 3},
        ),
        201,
    )  # fmt: skip
    _go_down(db, world.machine_ids["TEST-1-ICT"], 4)
    [alert] = service.evaluate(db, [])
    db.commit()
    alert_id = alert.id
    done = _ok(manager.post(f"{API}/alerts/{alert_id}/resolve"))
    assert done["state"] == "resolved" and done["resolved_by"] == "manager"
    again = manager.post(f"{API}/alerts/{alert_id}/resolve")
    assert again.status_code == 409
    # Still stopped without a reason: the rule fires a new alert (the old one is closed).
    db.rollback()
    [new] = service.evaluate(db, [])
    db.commit()
    assert new.id != alert_id


def test_a_stop_given_its_reason_in_the_downtime_queue_resolves(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    from linewise.domains.performance.models import DowntimeAssignment
    from linewise.domains.quality.models import ReasonCode

    _ok(
        as_role["manager"].post(
            f"{API}/alert-rules",
            json={"name": "Unexplained stop", "kind": "stop_without_reason",
                  "severity": "low", "scope_kind": "machine",
                  "scope_id": world.machine_ids["SMT-1-PNP1"], "threshold_minutes": 5},
        ),
        201,
    )  # fmt: skip
    stop = _go_down(db, world.machine_ids["SMT-1-PNP1"], 6)
    _go_down(db, world.machine_ids["TEST-1-ICT"], 60)  # outside the rule's scope
    [alert] = service.evaluate(db, [])
    db.commit()
    code = ReasonCode(code="JAM", name="Jam", category="downtime")
    db.add(code)
    db.flush()
    db.add(
        DowntimeAssignment(
            machine_id=stop.machine_id,
            stop_start=stop.start,
            reason_code_id=code.id,
            reason="JAM",
            assigned_by="user:supervisor",
        )
    )
    db.commit()
    assert service.evaluate(db, []) == []
    db.commit()
    db.refresh(alert)
    assert alert.state == "resolved" and alert.resolved_by == "system"


def test_an_ingested_down_event_alerts_through_the_running_server(
    db: Session, world: World, settings: Settings, engine: Engine, smtp: tuple[Inbox, int]
) -> None:
    """The whole path in one process: the machine's event through the ingest API, the
    state interval from the recorder, the evaluator and the sender as the server's own
    jobs, the e-mail at the SMTP server."""
    from linewise.server.app import create_app

    inbox, port = smtp
    settings = settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "alerts_email_to": "lead@plant.test",
            "alerts_group_wait_s": 0,
            "jobs_workers": 1,  # the server's own workers run the evaluator and sender
        }
    )
    _key, token = create_api_key(db, name="smt-gw", scope=ApiKeyScope.DEVICE, role=None)
    db.add(
        AlertRule(name="PNP down", kind="machine_down", severity="critical",
                  scope_kind="site", threshold_minutes=10, enabled=True)
    )  # fmt: skip
    db.commit()
    with TestClient(create_app(settings, engine=engine)) as client:
        event = {
            "id": "pnp-down-1",
            "ts": (utcnow() - timedelta(minutes=15)).isoformat(),
            "machine": "SMT-1-PNP1",
            "type": "state",
            "state": "down",
            "fault": "E42",
        }
        r = client.post(f"{API}/ingest", json=[event], headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text

        def recorded() -> bool:
            db.rollback()
            return db.scalar(select(func.count()).select_from(StateInterval)) == 1

        wait_until(recorded, timeout=30, what="the down interval")
        # No enqueue here: the machine's state change itself enqueues the evaluator.
        wait_until(lambda: len(inbox.messages) == 1, timeout=30, what="the alert e-mail")
    assert "Pick&place 1 down longer than 10 min" in inbox.messages[0]["Subject"]
    assert "[critical]" in inbox.messages[0]["Subject"]
    db.rollback()
    [alert] = db.scalars(select(Alert)).all()
    assert alert.state == "firing"
