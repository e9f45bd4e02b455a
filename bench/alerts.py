"""Alert benchmark: from a machine's `down` event (POST /ingest) to the alert e-mail
accepted by an SMTP server (aiosmtpd, in this process), p50 and p99, while a background
load posts events as fast as the server takes them; beside the bare SMTP send of the
same message measured in the same run.

The server is a real `linewise serve` process with one in-app job worker; the rule is
`machine_down` with a threshold of 0 minutes on the probe machines, the group wait is 0
(a burst is not what this measures), and the evaluator runs on the machine event (the
state change enqueues it), not on the minute. Probe machines take no background load.

    python bench/alerts.py            # SQLite, 30 probes (about 2 minutes)
    python bench/alerts.py --quick    # smoke run
    python bench/alerts.py --pg URL   # PostgreSQL instead of SQLite
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
RESULTS = ROOT / "bench" / "results"
PROBES = 4  # machines that go down and up in turn, kept out of the background load

from bench.ingest import Server, free_port, make_events, pg_database, prepare  # noqa: E402


class SlowStartServer(Server):
    """The ingest bench's server, given longer to start (a shared, loaded machine)."""

    def __enter__(self) -> SlowStartServer:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "linewise.cli.main", "serve", "--no-upgrade"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/api/v1/health", timeout=0.5).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("server did not start")


class Inbox:
    """Records when each message was accepted, by subject."""

    def __init__(self) -> None:
        self.arrived: list[tuple[float, str]] = []
        self.cond = threading.Condition()

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        subject = str(message_from_bytes(envelope.content)["Subject"])
        with self.cond:
            self.arrived.append((time.perf_counter(), subject))
            self.cond.notify_all()
        return "250 OK"

    def wait_for(self, needle: str, after: int, timeout: float) -> float | None:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for t, subject in self.arrived[after:]:
                    if needle in subject:
                        return t
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)


def add_rule(url: str, probe_codes: list[str]) -> list[str]:
    """One machine_down rule per probe machine, threshold 0; returns their names."""
    from sqlalchemy import select

    from linewise.core.db import make_engine, make_session_factory, session_scope
    from linewise.domains.alerts.models import AlertRule
    from linewise.domains.equipment.models import Machine

    engine = make_engine(url)
    names = []
    with session_scope(make_session_factory(engine)) as db:
        for code in probe_codes:
            m = db.scalars(select(Machine).where(Machine.code == code)).one()
            names.append(m.name)
            db.add(AlertRule(name=f"bench {code}", kind="machine_down", severity="critical",
                             scope_kind="machine", scope_id=m.id, threshold_minutes=0,
                             enabled=True))  # fmt: skip
    engine.dispose()
    return names


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def smtp_baseline(port: int, n: int) -> list[float]:
    """The bare send: build the same kind of message and hand it to the SMTP server."""
    from linewise.domains.alerts import mail

    out = []
    for i in range(n):
        msg = mail.build("bench@plant.test", "lead@plant.test", f"baseline {i}", "x\ny")
        t0 = time.perf_counter()
        mail.send("127.0.0.1", port, msg)
        out.append(time.perf_counter() - t0)
    return out


async def background(base: str, token: str, machines: list[str], stop: asyncio.Event,
                     counter: list[int]) -> None:  # fmt: skip
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    t0 = datetime.now(UTC) - timedelta(hours=1)

    async def worker(client: httpx.AsyncClient, wid: int) -> None:
        n = 0
        while not stop.is_set():
            # Counts and telemetry only: state changes would wake the evaluator for
            # machines no rule watches, which is what the probes measure already.
            events = [e for e in make_events(machines, 1000, f"bg{wid}-{n}-", t0)
                      if e["type"] != "state"]  # fmt: skip
            n += 1
            r = await client.post("/api/v1/ingest", content=json.dumps(events), headers=headers)
            if r.status_code == 200:
                counter[0] += len(events)
            else:
                await asyncio.sleep(float(r.headers.get("Retry-After", "0.2")))

    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        await asyncio.gather(*(worker(client, w) for w in range(3)))


async def probes(base: str, token: str, codes: list[str], names: list[str], inbox: Inbox,
                 n: int, posted: list[datetime]) -> tuple[list[float], int]:  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    lost = 0
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        for i in range(n):
            code, name = codes[i % len(codes)], names[i % len(codes)]
            seen = len(inbox.arrived)
            now = datetime.now(UTC).isoformat()
            down = {"id": f"probe-{i}-d", "ts": now, "machine": code, "type": "state",
                    "state": "down"}  # fmt: skip
            t0 = time.perf_counter()
            posted.append(datetime.now(UTC))
            r = await client.post("/api/v1/ingest", json=[down], headers=headers)
            assert r.status_code == 200, r.text
            t = await asyncio.to_thread(inbox.wait_for, f"{name} down", seen, 30.0)
            if t is None:
                lost += 1
            else:
                latencies.append(t - t0)
            up = {"id": f"probe-{i}-u", "ts": datetime.now(UTC).isoformat(), "machine": code,
                  "type": "state", "state": "producing"}  # fmt: skip
            await client.post("/api/v1/ingest", json=[up], headers=headers)
            await asyncio.sleep(0.5)  # the up event's evaluation resolves the alert
    return latencies, lost


async def run(base: str, token: str, bg_machines: list[str], codes: list[str],
              names: list[str], inbox: Inbox, n: int) -> dict[str, Any]:  # fmt: skip
    stop = asyncio.Event()
    counter = [0]
    load = asyncio.create_task(background(base, token, bg_machines, stop, counter))
    await asyncio.sleep(3)  # the load settles
    c0, t0 = counter[0], time.perf_counter()
    posted: list[datetime] = []
    latencies, lost = await probes(base, token, codes, names, inbox, n, posted)
    rate = (counter[0] - c0) / (time.perf_counter() - t0)
    stop.set()
    await load
    return {"latencies": latencies, "lost": lost, "background_events_per_s": rate,
            "posted": posted}  # fmt: skip


def stages(url: str, posted: list[datetime]) -> dict[str, float]:
    """Where the time went, from the database's own clocks (same machine): the event's
    POST to the alert's ``fired_at`` (recorder, trigger, job claim, evaluation), and
    ``fired_at`` to the e-mail row's ``sent_at`` (the send job's claim and SMTP)."""
    from sqlalchemy import select

    from linewise.core.db import make_engine
    from linewise.domains.alerts.models import Alert, Notification

    engine = make_engine(url)
    with engine.connect() as conn:
        fired = list(conn.execute(select(Alert.id, Alert.fired_at).order_by(Alert.id)).all())
        sent = dict(
            conn.execute(
                select(Notification.alert_id, Notification.sent_at).where(
                    Notification.channel == "email"
                )
            ).all()
        )
    engine.dispose()
    to_fire = [(f[1] - p).total_seconds() for f, p in zip(fired, posted, strict=False)]
    to_send = [(sent[f[0]] - f[1]).total_seconds() for f in fired if sent.get(f[0])]
    return {
        "event_to_fired_p50_ms": 1000 * statistics.median(to_fire),
        "fired_to_sent_p50_ms": 1000 * statistics.median(to_send),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--pg", default=None, help="PostgreSQL admin URL (default: SQLite)")
    args = ap.parse_args()
    n = 8 if args.quick else 30
    tmp = Path(tempfile.mkdtemp(prefix="linewise-bench-"))
    drop = None
    if args.pg:
        url, drop = pg_database(args.pg)
    else:
        url = f"sqlite:///{tmp}/bench.db"
    inbox = Inbox()
    smtp_port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        token, machines = prepare(url)
        codes, bg_machines = machines[:PROBES], machines[PROBES:]
        names = add_rule(url, codes)
        env = {
            "LINEWISE_SMTP_HOST": "127.0.0.1",
            "LINEWISE_SMTP_PORT": str(smtp_port),
            "LINEWISE_ALERTS_EMAIL_TO": "lead@plant.test",
            "LINEWISE_ALERTS_GROUP_WAIT_S": "0",
            "LINEWISE_JOBS_WORKERS": "1",
        }
        with SlowStartServer(url, free_port(), **env) as srv:
            measured = asyncio.run(run(srv.base, token, bg_machines, codes, names, inbox, n))
        base = smtp_baseline(smtp_port, n)
        split = stages(url, measured["posted"])
    finally:
        controller.stop()
        if drop:
            drop()
    lat = measured["latencies"]
    result = {
        "database": "postgresql" if args.pg else "sqlite",
        "probes": n,
        "lost": measured["lost"],
        "background_events_per_s": round(measured["background_events_per_s"]),
        "event_to_mail_p50_ms": 1000 * statistics.median(lat) if lat else None,
        "event_to_mail_p99_ms": 1000 * pct(lat, 0.99) if lat else None,
        "smtp_send_p50_ms": 1000 * statistics.median(base),
        "smtp_send_p99_ms": 1000 * pct(base, 0.99),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        **split,
    }
    if lat:
        result["ratio_p50"] = result["event_to_mail_p50_ms"] / result["smtp_send_p50_ms"]
        result["ratio_p99"] = result["event_to_mail_p99_ms"] / result["smtp_send_p99_ms"]
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"alerts-{result['database']}.json"
    out.write_text(json.dumps(result, indent=2))
    head = f"| path ({result['database']}, background {result['background_events_per_s']} events/s)"
    print(f"{head} | p50 ms | p99 ms | bare SMTP send p50 / p99 ms | ratio p50 / p99 |")
    print("|---|---|---|---|---|")
    if lat:
        print(f"| down event → e-mail accepted ({n - result['lost']} of {n}) "
              f"| {result['event_to_mail_p50_ms']:.0f} | {result['event_to_mail_p99_ms']:.0f} "
              f"| {result['smtp_send_p50_ms']:.1f} / {result['smtp_send_p99_ms']:.1f} "
              f"| {result['ratio_p50']:.0f}× / {result['ratio_p99']:.0f}× |")  # fmt: skip
    else:
        print("| down event → e-mail accepted | none arrived | | | |")
    print(f"of which event → alert fired p50 {split['event_to_fired_p50_ms']:.0f} ms, "
          f"fired → e-mail sent p50 {split['fired_to_sent_p50_ms']:.0f} ms")  # fmt: skip
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
