"""kill -9 the notification senders during a burst of 200 alert e-mails, restart them:
no notification is lost, and a resend after a kill carries the same Message-ID, so no
distinct message arrives twice.

SMTP has no idempotent send: a worker killed after the server accepted a message and
before its ``sent_at`` committed sends it again when the job is retried (at least
once). The outbox row's id is the message's Message-ID, so the receiving side can drop
the copy; the test counts raw copies and distinct messages at a real SMTP server."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from sqlalchemy import Engine, func, select

from linewise.core.db import make_session_factory, reader, session_scope
from linewise.core.time import utcnow
from linewise.domains.alerts import routing
from linewise.domains.alerts.jobs import message_id
from linewise.domains.alerts.models import Alert, AlertRule, Notification
from linewise.jobs.models import Job
from tests.conftest import World

BURST = 200
STALE_AFTER_S = 1.0


class SlowInbox:
    """Takes a few milliseconds per message, so that kills land mid-send."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        await asyncio.sleep(0.005)
        self.ids.append(str(message_from_bytes(envelope.content)["Message-ID"]))
        return "250 OK"


@pytest.fixture
def inbox() -> Iterator[tuple[SlowInbox, int]]:
    box = SlowInbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def _spawn(url: str, port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.alerts.notify_proc", url, str(port),
         str(STALE_AFTER_S)],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _sent(engine: Engine) -> int:
    with reader(engine).connect() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(Notification)
                .where(Notification.sent_at.is_not(None))
            ).scalar_one()
        )


@pytest.mark.slow
def test_kill_9_senders_during_a_burst_lose_no_mail_and_send_no_distinct_one_twice(
    engine: Engine, world: World, inbox: tuple[SlowInbox, int]
) -> None:
    box, port = inbox
    factory = make_session_factory(engine)
    with session_scope(factory) as db:
        rule = AlertRule(name="burst", kind="machine_down", severity="high",
                         scope_kind="site", threshold_minutes=1, enabled=True)  # fmt: skip
        db.add(rule)
        db.flush()
        alert = Alert(rule_id=rule.id, machine_id=world.machine_ids["SMT-1-PNP1"],
                      area_id=world.area_ids["SMT"], severity="high", state="firing",
                      message="burst", fired_at=utcnow(), subject_name="")  # fmt: skip
        db.add(alert)
        db.flush()
        rows = [
            Notification(alert_id=alert.id, channel="email", recipient=f"p{i}@plant.test",
                         subject=f"burst {i}", body_text="x")
            for i in range(BURST)
        ]  # fmt: skip
        routing.write_rows(db, rows)
        row_ids = [r.id for r in rows]
    url = engine.url.render_as_string(hide_password=False)
    rng = random.Random(19)
    procs = [_spawn(url, port) for _ in range(2)]
    kills = 0
    deadline = time.monotonic() + 120
    try:
        for k in range(4):
            target = BURST * (k + 1) // 6
            while _sent(engine) < target:
                assert time.monotonic() < deadline, f"stuck below {target} sent"
                time.sleep(0.01)  # polling other processes' progress in the database
            i = rng.randrange(len(procs))
            procs[i].send_signal(signal.SIGKILL)
            procs[i].wait(10)
            kills += 1
            procs[i] = _spawn(url, port)
        while _sent(engine) < BURST and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        for p in procs:
            p.send_signal(signal.SIGKILL)
            p.wait(10)
    assert kills == 4
    assert _sent(engine) == BURST  # none lost
    with reader(engine).connect() as conn:
        dead = conn.execute(
            select(func.count()).select_from(Job).where(Job.state == "dead")
        ).scalar_one()
    assert dead == 0
    copies = Counter(box.ids)
    assert set(copies) == {message_id(i) for i in row_ids}  # every one arrived, no stranger
    # A copy is only ever a resend of a message killed before its sent_at committed:
    # at most one per kill and worker batch in flight.
    resent = sum(n - 1 for n in copies.values())
    print(f"outbox crash: {BURST} mails, {kills} kills, {resent} raw copies (same Message-ID)")
    assert resent <= kills * 10
