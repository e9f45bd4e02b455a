"""Scheduled reports on SQLite and PostgreSQL: subscriptions through the API (with their
hostile cases), the daily and the weekly job run by a worker and mailed to a real SMTP
server, with HTML, text and a PDF whose figures are the KPI API's for the same line and
window; switched-off and deleted subscriptions get nothing."""

from __future__ import annotations

import re
import zlib
from datetime import UTC, datetime
from email.message import Message
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from linewise.config import Settings
from linewise.core.db import make_session_factory
from linewise.domains.reports import service
from linewise.jobs import enqueue
from linewise.server.jobs import make_worker
from tests.conftest import World
from tests.integration.alerts.test_alerts import Inbox, smtp  # noqa: F401 (a fixture)

API = "/api/v1"
# Monday 2026-11-23, 15:00 in Berlin: shift A (06:00-14:00 local) ended an hour ago.
AFTER_SHIFT = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
# The Monday after, 07:00 in Berlin: the weekly report covers 2026-W48.
NEXT_MONDAY = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def pdf_text(data: bytes) -> str:
    """The strings a PDF shows, from its (deflated) content streams."""
    out = []
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            body = zlib.decompress(raw)
        except zlib.error:
            body = raw
        out += [s.decode("latin-1") for s in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", body)]
    return "\n".join(out).replace("\\(", "(").replace("\\)", ")")


def parts(message: Message) -> dict[str, bytes]:
    found = {}
    for p in message.walk():
        payload = p.get_payload(decode=True)
        if isinstance(payload, bytes):
            found[p.get_content_type()] = payload
    return found


def _run_jobs(db: Session, settings: Settings) -> None:
    worker = make_worker(settings, make_session_factory(db.get_bind()), concurrency=1)  # type: ignore[arg-type]
    while worker.run_once():
        pass


def test_daily_and_weekly_reports_reach_subscribers_only(
    db: Session,
    world: World,
    as_role: dict[str, TestClient],
    settings: Settings,
    day_data: dict[str, int],
    smtp: tuple[Inbox, int],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox, port = smtp
    settings = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    manager, supervisor, operator = as_role["manager"], as_role["supervisor"], as_role["operator"]
    smt, test_line = world.line_ids["SMT-1"], world.line_ids["TEST-1"]
    url = f"{API}/reports/subscriptions"

    def sub(client: TestClient, **kw: Any) -> Any:
        return client.post(url, json={"report": "shift_daily", "line_ids": [smt], **kw})

    _ok(sub(manager, email="manager@plant.test"), 201)
    planner = _ok(sub(manager, email="planner@plant.test", user_id=world.user_ids["planner"]), 201)
    assert planner["username"] == "planner"
    _ok(sub(operator, email="operator@plant.test", enabled=False), 201)
    gone = _ok(sub(supervisor, email="supervisor@plant.test"), 201)
    assert supervisor.delete(f"{url}/{gone['id']}").status_code == 204
    _ok(manager.post(url, json={"report": "kpi_weekly", "line_ids": [smt, test_line],
                               "email": "manager@plant.test"}), 201)  # fmt: skip

    # Hostile or not allowed: each refusal names its field; nothing was written.
    def field(r: Any) -> str:
        assert r.status_code == 422, r.text
        return str(r.json()["errors"][0]["field"])

    assert field(sub(supervisor, email="not an address")) == "email"
    assert field(sub(supervisor, email="s@plant.test", line_ids=[999999])) == "line_ids"
    assert field(sub(supervisor, email="s@plant.test", line_ids=[test_line])) == "line_ids"
    assert field(sub(manager, email="m@plant.test")) == "report"  # has it already
    other = sub(supervisor, email="x@plant.test", user_id=world.user_ids["planner"])
    assert other.status_code == 403
    assert len(_ok(manager.get(url, params={"everyone": True}))) == 4
    assert supervisor.get(url, params={"everyone": True}).status_code == 403
    assert [s["report"] for s in _ok(manager.get(url))] == ["shift_daily", "kpi_weekly"]

    # The daily job as its cron would enqueue it, run by a worker, one e-mail per
    # enabled subscription; the operator's is switched off, the supervisor's deleted.
    enqueue(db, service.DAILY_KIND, {"scheduled_for": AFTER_SHIFT.isoformat()})
    db.commit()
    _run_jobs(db, settings)
    assert sorted(m["To"] for m in inbox.messages) == ["manager@plant.test", "planner@plant.test"]
    mail = inbox.messages[0]
    assert mail["Subject"] == "Shift report: SMT-1"
    body = parts(mail)
    assert set(body) >= {"text/plain", "text/html", "application/pdf"}
    assert body["application/pdf"].startswith(b"%PDF")
    pdf = pdf_text(body["application/pdf"])

    monkeypatch.setattr("linewise.domains.performance.api.utcnow", lambda: AFTER_SHIFT)
    report = _ok(manager.get(f"{API}/kpi/line/{smt}/shift-report",
                             params={"day": "2026-11-23", "shift": "A"}))  # fmt: skip
    oee = f"{report['line']['oee_output_based'] * 100:.1f} %"
    assert oee == "77.8 %"  # 21000 / 27000, the hand-checked day
    expected = [
        "SMT-1",
        "A@2026-11-23",
        "06:00 to 2026-11-23 14:00 (Europe/Berlin)",
        ("OEE (line output)", oee),
        ("Good units", str(report["good_total"])),
        ("Scrap units", str(report["scrap_total"])),
        ("Stops without a reason", str(len(report["reasonless_stops"]))),
        ("Lost to stops", f"{report['lost_total_s'] / 60:,.1f} min"),
    ]
    text = body["text/plain"].decode()
    html = body["text/html"].decode()
    for item in expected:
        if isinstance(item, str):
            assert item in text and item in html and item in pdf, item
            continue
        label, value = item
        assert re.search(rf"{re.escape(label)}\s+{re.escape(value)}", text), item
        assert f"{label}</th><td style='text-align:right'>{value}</td>" in html, item
        assert f"{label}\n{value}" in pdf, item
    assert "nozzle_jam" in pdf and "Top losses (minutes)" in pdf  # the bar chart's labels

    # The same fire time enqueued again (a second process) mails nobody twice.
    inbox.messages.clear()
    enqueue(db, service.DAILY_KIND, {"scheduled_for": AFTER_SHIFT.isoformat()})
    db.commit()
    _run_jobs(db, settings)
    assert inbox.messages == []

    # The weekly summary: one e-mail to the manager, both lines, the week's API figures.
    enqueue(db, service.WEEKLY_KIND, {"scheduled_for": NEXT_MONDAY.isoformat()})
    db.commit()
    _run_jobs(db, settings)
    (weekly,) = inbox.messages
    assert weekly["To"] == "manager@plant.test"
    assert weekly["Subject"] == "Weekly KPI summary: SMT-1, TEST-1"
    monkeypatch.setattr("linewise.domains.performance.api.utcnow", lambda: NEXT_MONDAY)
    week = _ok(manager.get(f"{API}/kpi/line/{smt}", params={"week": "2026-W48"}))
    wpdf = pdf_text(parts(weekly)["application/pdf"])
    assert "2026-W48" in wpdf and "TEST-1" in wpdf
    assert f"OEE (line output)\n{week['lines'][0]['oee_output_based'] * 100:.1f} %" in wpdf
    assert f"Good units\n{week['counts']['GQ']:,.0f}" in wpdf


def test_preview_and_send_now(
    app: FastAPI,
    db: Session,
    world: World,
    as_role: dict[str, TestClient],
    settings: Settings,
    day_data: dict[str, int],
    smtp: tuple[Inbox, int],  # noqa: F811
) -> None:
    inbox, port = smtp
    settings = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    operator = as_role["operator"]
    smt, test_line = world.line_ids["SMT-1"], world.line_ids["TEST-1"]
    preview = _ok(operator.get(f"{API}/reports/preview",
                               params={"report": "kpi_weekly", "line_id": [smt]}))  # fmt: skip
    assert preview["subject"] == "Weekly KPI summary: SMT-1" and "<table>" in preview["html"]
    pdf = operator.get(f"{API}/reports/preview.pdf", params={"report": "kpi_weekly",
                                                            "line_id": [smt]})  # fmt: skip
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert "SMT-1" in pdf_text(pdf.content)
    # An operator of the SMT area may not preview the test line.
    denied = operator.get(f"{API}/reports/preview",
                          params={"report": "kpi_weekly", "line_id": [test_line]})  # fmt: skip
    assert denied.status_code == 403
    # Send now mails a switched-off subscription too (the person asked for it).
    mine = _ok(operator.post(f"{API}/reports/subscriptions", json={
        "report": "kpi_weekly", "line_ids": [smt], "email": "op@plant.test", "enabled": False}),
        201)  # fmt: skip
    # Without an SMTP server configured the button is refused, not silently dropped.
    assert operator.post(f"{API}/reports/subscriptions/{mine['id']}/send").status_code == 409
    app.state.settings = settings  # now the server has one (the test's aiosmtpd)
    _ok(operator.post(f"{API}/reports/subscriptions/{mine['id']}/send"), 202)
    other = as_role["planner"].post(f"{API}/reports/subscriptions/{mine['id']}/send")
    assert other.status_code == 403
    _run_jobs(db, settings)
    (sent,) = inbox.messages
    assert sent["To"] == "op@plant.test" and "application/pdf" in parts(sent)
    db.rollback()
    listed = _ok(operator.get(f"{API}/reports/subscriptions"))
    assert listed[0]["last_sent_at"] is not None
